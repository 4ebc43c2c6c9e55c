"""The display above a counter, idle or closed: it still says what the counter is for.

With nobody called it showed a dash and "ready for the next number", and nothing of the
services a citizen could come to this counter for.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer

OpenPage = Callable[..., Page]


def test_an_idle_counter_display_names_its_services_and_its_state(
    server: PageServer, new_page: OpenPage
) -> None:
    status, centre = server.api("GET", "/api/v1/centre", server.tokens["admin"])
    assert status == 200
    (counter,) = [c for c in centre["counters"] if c["id"] == 1]
    names = {s["code"]: s["name"]["vi"] for s in centre["services"]}
    page = new_page(f"{server.base}/counter/1#token={server.tokens['display']}", 1280, 400)
    expect(page.locator("html")).to_have_attribute("data-live", "live")
    for code in counter["services"]:
        expect(page.locator("#services")).to_contain_text(names[code])
    expect(page.locator("#state")).to_have_text("Đóng")  # closed, in Vietnamese
    server.counter(1, "open")
    expect(page.locator("#state")).not_to_have_text("Đóng")
    for code in counter["services"]:
        expect(page.locator("#services")).to_contain_text(names[code])
