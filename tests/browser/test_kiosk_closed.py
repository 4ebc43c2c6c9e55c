"""The kiosk of a closed centre: a full screen that says when it opens, in the citizen's
language, with no service tiles to tap; and it goes away by itself when the centre opens.

The server enforces the example centre's hours (weekdays 07:30-12:00 and 13:00-17:00,
Saturday 07:30-11:30, Hanoi time) on a clock started at a chosen moment
(`tests.browser.server --clock-from`), in the future so it never runs behind the log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from .conftest import PageServer, screenshot

OpenPage = Callable[..., Page]
SATURDAY_NOON = "2030-07-20T12:00:00+07:00"
MONDAY_BEFORE_OPENING = "2030-07-22T07:29:45+07:00"
"""15 s before the centre opens: time to load the kiosk and see it closed."""


def closed_server(tmp_path: Path, clock_from: str) -> PageServer:
    server = PageServer(tmp_path, options=["--enforce-hours", "--clock-from", clock_from])
    server.start(setup=True)
    return server


@pytest.fixture
def saturday_noon(tmp_path: Path) -> Iterator[PageServer]:
    server = closed_server(tmp_path, SATURDAY_NOON)
    try:
        yield server
    finally:
        server.stop()


def test_closed_kiosk_says_when_it_opens_in_vietnamese_and_arabic(
    saturday_noon: PageServer, new_page: OpenPage
) -> None:
    kiosk = new_page(f"{saturday_noon.base}/kiosk#token={saturday_noon.tokens['kiosk']}")
    closed = kiosk.locator("#closed")
    expect(closed).to_be_visible()
    expect(kiosk.locator("#closed-title")).to_have_text("Trung tâm đang đóng cửa")
    expect(kiosk.locator("#closed-opens")).to_have_text(
        "Trung tâm mở cửa lại vào Thứ Hai lúc 07:30"
    )
    expect(kiosk.locator("#start")).to_be_hidden()
    expect(kiosk.locator(".tile").first).to_be_hidden()
    screenshot(kiosk, "kiosk-closed-vi")

    kiosk.click(".lang-button[data-lang=ar]")
    expect(kiosk.locator("html")).to_have_attribute("dir", "rtl")
    expect(kiosk.locator("#closed-title")).to_have_text("المركز مغلق الآن")
    expect(kiosk.locator("#closed-opens")).to_have_text("يفتح المركز يوم الاثنين الساعة 07:30")
    assert closed.evaluate("node => getComputedStyle(node).direction") == "rtl"
    expect(kiosk.locator(".tile").first).to_be_hidden()
    screenshot(kiosk, "kiosk-closed-ar")


def test_a_refused_ticket_turns_the_kiosk_to_the_closed_screen(
    saturday_noon: PageServer, browser: Browser
) -> None:
    """A kiosk that last heard the centre was open (the hours just ended): the tap is
    refused with centre_closed, and the kiosk shows the closed screen, not an error line."""

    def still_open(route: Route) -> None:
        centre = json.loads(route.fetch().text())
        route.fulfill(json={**centre, "open_now": True, "opens_at": None})

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        kiosk = context.new_page()
        kiosk.set_default_timeout(5000)
        kiosk.on("pageerror", lambda error: errors.append(str(error)))
        kiosk.route("**/api/v1/centre", still_open)
        kiosk.goto(f"{saturday_noon.base}/kiosk?lang=en#token={saturday_noon.tokens['kiosk']}")
        expect(kiosk.locator("#closed")).to_be_hidden()
        kiosk.click(".tile[data-service=HT]")
        expect(kiosk.locator("#closed")).to_be_visible()
        expect(kiosk.locator("#closed-title")).to_have_text("The centre is closed")
        expect(kiosk.locator("#closed-opens")).to_have_text("It opens Monday at 07:30")
        expect(kiosk.locator("#kiosk-error")).to_be_hidden()
        expect(kiosk.locator("#start")).to_be_hidden()
    finally:
        context.close()
    assert not errors


def test_the_closed_screen_goes_away_when_the_centre_opens(
    tmp_path: Path, new_page: OpenPage
) -> None:
    server = closed_server(tmp_path, MONDAY_BEFORE_OPENING)
    try:
        # ?recheck=1: the kiosk asks every second instead of every minute.
        kiosk = new_page(f"{server.base}/kiosk?recheck=1#token={server.tokens['kiosk']}")
        expect(kiosk.locator("#closed-opens")).to_have_text(
            "Trung tâm mở cửa lại vào Thứ Hai lúc 07:30"
        )
        expect(kiosk.locator(".tile[data-service=HT]")).to_be_visible(timeout=30_000)
        expect(kiosk.locator("#closed")).to_be_hidden()
    finally:
        server.stop()
