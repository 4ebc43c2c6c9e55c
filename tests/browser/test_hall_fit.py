"""The hall and counter displays as read from across the room, measured in the browser.

They used to cut rows below the ticker (the 6th half hidden, the 7th wholly), lay ten
counters 2,157 px wide on a 1,920 px TV, show language buttons nobody can touch beside a
squeezed ticker, print the "now calling" label at 1.02:1 during the flash, cover the
clock with a small banner and blame the speaker for a bad token.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, screenshot
from .measure import low_contrast, outside, overlap, pin_animations

OpenPage = Callable[..., Page]
HALL = (1920, 1080)
COUNTER = (1280, 400)
FIVE_METRES_PX = 48
"""Banner type a person reads from 5 m on a 55-inch 1080p TV (0.63 mm a pixel): about
30 mm tall letters (cap height ~0.7 of the font size), the 1:200 legibility rule's 25 mm."""


def busy_morning(server: PageServer) -> None:
    """Ten counters open, each with a called citizen, and counter 1's called again."""
    for counter in range(1, 11):
        server.counter(counter, "open")
    for service in ("HT", "CT", "DD", "CU") * 3:
        server.issue(service)
    for counter in range(1, 11):
        server.counter(counter, "next")
    server.counter(1, "recall")


def hall(server: PageServer, new_page: OpenPage, query: str = "") -> Page:
    page = new_page(f"{server.base}/hall{query}#token={server.tokens['display']}", *HALL)
    expect(page.locator("html")).to_have_attribute("data-live", "live")
    return page


def test_the_list_of_calls_fits_the_screen_in_every_language(
    server: PageServer, new_page: OpenPage
) -> None:
    busy_morning(server)
    for lang in ("vi", "en", "ar"):
        page = hall(server, new_page, f"?lang={lang}")
        expect(page.locator(".call")).to_have_count(7)
        assert outside(page, ".call", ".hall-bottom") == [], lang
        assert outside(page, ".latest-number, .latest-counter, .latest-label") == [], lang
        assert page.evaluate("document.documentElement.scrollHeight") <= HALL[1]
        screenshot(page, f"hall-fit-{lang}")
        page.context.close()


def test_the_counters_layout_fits_every_counter_on_the_screen(
    server: PageServer, new_page: OpenPage
) -> None:
    busy_morning(server)
    for lang in ("vi", "ar"):
        page = hall(server, new_page, f"?layout=counters&lang={lang}")
        expect(page.locator(".column")).to_have_count(10)
        assert page.evaluate("document.documentElement.scrollWidth") <= HALL[0]
        assert outside(page, ".column", ".hall-bottom") == [], lang
        assert outside(page, ".column-number, .column-counter") == [], lang
        assert outside(page, ".latest-number") == [], lang
        screenshot(page, f"hall-columns-fit-{lang}")
        page.context.close()


def test_screens_nobody_touches_have_no_language_buttons_and_a_whole_ticker(
    server: PageServer, new_page: OpenPage
) -> None:
    page = hall(server, new_page, "?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".lang-button")).to_have_count(0)
    ticker = page.locator(".ticker").bounding_box()
    assert ticker and ticker["width"] >= 0.9 * HALL[0], ticker
    text = page.locator(".ticker-text").bounding_box()
    assert text and text["y"] >= ticker["y"] and text["height"] <= ticker["height"] + 0.5
    counter = new_page(f"{server.base}/counter/1#token={server.tokens['display']}", *COUNTER)
    expect(counter.locator("html")).to_have_attribute("data-live", "live")
    expect(counter.locator(".lang-button")).to_have_count(0)


def test_a_recall_stands_once_and_is_marked(server: PageServer, new_page: OpenPage) -> None:
    page = hall(server, new_page)
    server.counter(1, "open")
    server.counter(2, "open")
    first, second = server.issue("HT")["number"], server.issue("CT")["number"]
    server.counter(1, "next")
    server.counter(2, "next")
    expect(page.locator("#latest-number")).to_have_text(second)
    expect(page.locator("#latest-recall")).to_be_hidden()
    server.counter(1, "recall")
    expect(page.locator("#latest-number")).to_have_text(first)
    expect(page.locator("#latest-recall")).to_have_text("Gọi lại")
    expect(page.locator(f".call[data-number='{first}']")).to_have_count(0)
    # Once the recall leaves the panel it stands once in the list, still marked.
    server.issue("HT")
    server.counter(2, "next")
    expect(page.locator("#latest-number")).not_to_have_text(first, timeout=10000)
    row = page.locator(f".call[data-number='{first}']")
    expect(row).to_have_count(1)
    expect(row.locator(".call-recall")).to_have_text("Gọi lại")


def test_every_text_of_every_state_is_readable(server: PageServer, new_page: OpenPage) -> None:
    busy_morning(server)
    server.counter(3, "pause")
    server.counter(4, "close")
    for query in ("", "?layout=counters"):
        page = hall(server, new_page, query)
        server.counter(2, "recall")  # the flash
        expect(page.locator("#latest-number")).to_have_text(re.compile(r"\w"))
        expect(page.locator(".latest.flash")).to_have_count(1)
        for at in (0, 600):  # the flash's two states
            pin_animations(page, at)
            assert low_contrast(page) == [], (query, at)
        page.context.close()
    counter = new_page(f"{server.base}/counter/2#token={server.tokens['display']}", *COUNTER)
    expect(counter.locator("html")).to_have_attribute("data-live", "live")
    for action, status in (("recall", "open"), ("pause", "paused"), ("close", "closed")):
        server.counter(2, action)
        expect(counter.locator("body")).to_have_attribute("data-status", status)
        for at in (0, 600):
            pin_animations(counter, at)
            assert low_contrast(counter) == [], (action, at)


def test_banners_are_read_from_afar_never_cover_the_clock_and_name_a_bad_token(
    server: PageServer, new_page: OpenPage
) -> None:
    bad = new_page(f"{server.base}/hall#token=qs_not-a-token", *HALL)
    expect(bad.locator("html")).to_have_attribute("data-live", "refused")
    banner = bad.locator("#live-banner")
    expect(banner).to_contain_text("mã truy cập")  # the token, in Vietnamese
    expect(bad.locator("#voice-note")).to_be_hidden()  # not the speaker's fault
    assert float(banner.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")) >= (
        FIVE_METRES_PX
    )
    assert not overlap(bad, "#live-banner", ".hall-clock")
    assert outside(bad, "#live-banner") == []
    assert low_contrast(bad) == []
    screenshot(bad, "hall-bad-token-vi")

    page = hall(server, new_page)
    server.stop()
    expect(page.locator("html")).to_have_attribute("data-live", "reconnecting")
    expect(page.locator("#live-banner")).to_be_visible()
    assert not overlap(page, "#live-banner", ".hall-clock")
    assert float(
        page.locator("#live-banner").evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    ) >= (FIVE_METRES_PX)
    assert low_contrast(page) == []


def test_a_screen_given_no_token_says_so_from_afar(server: PageServer, new_page: OpenPage) -> None:
    for path, size in (("/hall", HALL), ("/counter/1", COUNTER)):
        page = new_page(f"{server.base}{path}", *size)
        banner = page.locator("#live-banner")
        expect(banner).to_contain_text("#token=")
        least = FIVE_METRES_PX if size == HALL else 24  # a small screen above a desk
        assert float(banner.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")) >= least
        assert outside(page, "#live-banner") == []
        if path == "/hall":
            assert not overlap(page, "#live-banner", ".hall-clock")
            expect(page.locator("#voice-note")).to_be_hidden()
        assert low_contrast(page) == []
