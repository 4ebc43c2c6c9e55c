"""At the staff console, NEXT pressed again moments after a call passes nobody over.

The server guards NEXT as a real centre does (`queue.next_guard_seconds = 5`): a second
press 150 ms or 400 ms after the first (a double click, the N key twice) is refused and
said so in the person's language; the citizen just called stays called, their phone
asks them nothing, and the day's report does not count them served.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in

OpenPage = Callable[..., Page]


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[PageServer]:
    server = PageServer(tmp_path, options=["--next-guard", "5"])
    server.start(setup=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("later_ms", [150, 400])
def test_a_second_next_soon_after_the_first_is_refused_and_said_so(
    guarded: PageServer, new_page: OpenPage, later_ms: int
) -> None:
    first = guarded.issue("HT")
    guarded.issue("HT")
    staff = new_page(f"{guarded.base}/staff", 1366, 768)
    log_in(staff, "canbo1", counter=1)
    expect(staff.locator("#console")).to_be_visible()
    staff.keyboard.press("p")  # open the counter
    expect(staff.locator("#waiting-list [data-call]")).to_have_count(2)
    staff.keyboard.press("n")
    expect(staff.locator("#current-number")).to_have_text(first["number"])
    staff.wait_for_timeout(later_ms)  # the person's second press, this much later
    staff.keyboard.press("n")
    expect(staff.locator("#console-error")).to_contain_text("BẮT ĐẦU")
    expect(staff.locator("#current-number")).to_have_text(first["number"])
    status, ticket = guarded.api(
        "GET", f"/api/v1/tickets/{first['tracking_code']}", guarded.tokens["admin"]
    )
    assert (status, ticket["status"]) == (200, "called")
    status, report = guarded.api("GET", "/api/v1/reports/daily", guarded.tokens["admin"])
    assert (status, report["tickets"]["served"]) == (200, 0)


def test_the_highlighted_action_is_the_one_that_comes_next(
    guarded: PageServer, new_page: OpenPage
) -> None:
    """Closed: open it.  Someone only called: START (NEXT would pass them over).  Being
    served, or nobody at the counter: NEXT."""
    guarded.issue("HT")
    staff = new_page(f"{guarded.base}/staff", 1366, 768)
    log_in(staff, "canbo1", counter=1)
    primary = staff.locator(".action.primary")
    expect(primary).to_have_attribute("data-action", "pause")  # labelled "open" when closed
    staff.keyboard.press("p")
    expect(primary).to_have_attribute("data-action", "next")
    staff.keyboard.press("n")
    expect(primary).to_have_attribute("data-action", "start")
    staff.keyboard.press("s")
    expect(primary).to_have_attribute("data-action", "next")
    expect(primary).to_have_count(1)
