"""The hall's clock and the kiosk's ticket say the centre's time, whatever zone the PC is in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from .conftest import PageServer
from .test_pages import take_ticket

OpenPage = Callable[..., Page]
CENTRE_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the example centre's


def centre_minutes() -> list[str]:
    """The centre's wall clock now and a minute on (the page may tick in between)."""
    now = datetime.now(CENTRE_ZONE)
    return [(now + timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)]


def test_a_pc_left_on_another_zone_shows_the_centres_time(
    server: PageServer, new_page: OpenPage
) -> None:
    expected = centre_minutes()
    hall = new_page(
        f"{server.base}/hall#token={server.tokens['display']}",
        1920,
        1080,
        timezone_id="America/New_York",  # 11 or 12 hours behind Hanoi
    )
    expect(hall.locator("#clock")).to_have_text(re.compile(f"^({'|'.join(expected)})$"))

    kiosk = new_page(
        f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024, timezone_id="UTC"
    )
    take_ticket(kiosk, "ho tich", "HT")
    printed = kiosk.locator("#ticket-time").inner_text()
    assert printed in [*expected, *centre_minutes()], (printed, expected)
