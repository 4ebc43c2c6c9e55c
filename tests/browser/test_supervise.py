"""The supervisor's live view (`/supervise`): every counter's state and who is at it, every
line's longest wait coloured against `queue.target_wait_minutes`, and the actions: open,
pause, close a counter, transfer and cancel, bring back an absent citizen, close the day.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in, screenshot

OpenPage = Callable[..., Page]


def supervisor(server: PageServer, new_page: OpenPage) -> Page:
    page = new_page(f"{server.base}/supervise", 1366, 768)
    log_in(page, "giamsat")
    expect(page.locator("#board")).to_be_visible()
    return page


def counter_status(server: PageServer, counter: int) -> str:
    status, body = server.api("GET", "/api/v1/counters", server.tokens["admin"])
    assert status == 200, body
    result: str = next(c for c in body["counters"] if c["id"] == counter)["status"]
    return result


def test_every_counter_and_who_is_at_it(server: PageServer, new_page: OpenPage) -> None:
    staff = new_page(f"{server.base}/staff", 1366, 768)
    log_in(staff, "canbo1", counter=2)
    expect(staff.locator("#console")).to_be_visible()
    boss = supervisor(server, new_page)
    row = boss.locator("tr[data-counter='2']")
    expect(row.locator(".people")).to_have_text("Canbo1")
    expect(row.locator(".pill")).to_have_class(re.compile(r"\bclosed\b"))
    row.locator("[data-open]").click()
    expect(row.locator(".pill")).to_have_class(re.compile(r"\bopen\b"))
    assert counter_status(server, 2) == "open"
    row.locator("[data-pause]").click()
    expect(row.locator(".pill")).to_have_class(re.compile(r"\bpaused\b"))
    row.locator("[data-close]").click()
    expect(row.locator(".pill")).to_have_class(re.compile(r"\bclosed\b"))
    assert counter_status(server, 2) == "closed"


def test_each_lines_longest_wait_is_coloured_against_the_target(
    server: PageServer, new_page: OpenPage
) -> None:
    first = server.issue("HT")
    boss = supervisor(server, new_page)
    expect(boss.locator("#target")).to_contain_text("20")
    wait = boss.locator("tr[data-line='HT'] .wait")
    expect(wait).to_have_text(re.compile(r"\d+:\d\d"))
    expect(wait).to_have_class(re.compile(r"\bwithin\b"))
    expect(boss.locator("tr[data-line='CT'] .wait")).to_have_count(0)
    screenshot(boss, "supervise")
    boss.locator(f"tr[data-line='HT'] [data-cancel={first['number']}]").click()
    expect(boss.locator("tr[data-line='HT'] .wait")).to_have_count(0)
    status, ticket = server.api(
        "GET", f"/api/v1/tickets/{first['tracking_code']}", server.tokens["admin"]
    )
    assert (status, ticket["status"]) == (200, "cancelled")


def test_transfer_reactivate_and_close_the_day(server: PageServer, new_page: OpenPage) -> None:
    first = server.issue("HT")
    second = server.issue("HT")
    server.counter(1, "open")
    server.counter(1, "next")
    server.counter(1, "no-show")
    server.counter(1, "next")
    boss = supervisor(server, new_page)
    row = boss.locator("tr[data-counter='1']")
    expect(row).to_contain_text(second["number"])
    # The absent citizen came back: in line again.
    row.locator(f"[data-reactivate={first['number']}]").click()
    expect(row.locator("[data-absent]")).to_have_count(0)
    expect(boss.locator("tr[data-line='HT']")).to_contain_text(first["number"])
    # Counter 2 is closed: offered only when the supervisor insists.
    row.locator("[data-transfer='1']").click()
    closed = boss.locator("#transfer-counter option[value='2']")
    expect(closed).to_be_disabled()
    boss.check("#transfer-insist")
    boss.select_option("#transfer-counter", "2")
    boss.click("#transfer-form button[type=submit]")
    expect(boss.locator("tr[data-line='2']")).to_contain_text(second["number"])
    boss.click("#close-day")
    boss.click("#close-day-dialog button[value=close]")
    expect(boss.locator("#close-day")).to_be_disabled()
    status, ticket = server.api(
        "GET", f"/api/v1/tickets/{first['tracking_code']}", server.tokens["admin"]
    )
    assert (status, ticket["status"]) == (200, "expired")
