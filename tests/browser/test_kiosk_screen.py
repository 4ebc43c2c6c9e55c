"""The kiosk at its real size (1080x1920, portrait, touch), as a citizen meets it.

The search box needed a keyboard the kiosk does not have; descriptions were 16.8 px; the
ticket view was a 420 px card with a 220 px QR code and two instructions in the middle of
a 1920 px screen; an empty line read "0 waiting · about 1 min".
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, screenshot
from .measure import outside

OpenPage = Callable[..., Page]
KIOSK = {"width": 1080, "height": 1920, "has_touch": True}


def kiosk(server: PageServer, new_page: OpenPage, token: str = "kiosk") -> Page:
    page = new_page(f"{server.base}/kiosk#token={server.tokens[token]}", **KIOSK)
    expect(page.locator("html")).to_have_attribute("data-live", "live")
    return page


def font_px(page: Page, selector: str) -> float:
    return float(
        page.locator(selector).first.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    )


def test_the_search_has_its_own_keyboard(server: PageServer, new_page: OpenPage) -> None:
    page = kiosk(server, new_page)
    keyboard = page.locator("#keyboard")
    expect(keyboard).to_be_hidden()
    page.locator("#search").tap()
    expect(keyboard).to_be_visible()
    for key in "hotich":
        page.locator(f"#keyboard [data-key='{key}']").tap()
    expect(page.locator("#search")).to_have_value("hotich")
    page.locator("#keyboard [data-key=backspace]").tap()
    page.locator("#keyboard [data-key=h]").tap()
    expect(page.locator(".tile")).to_have_count(0)  # "hotich" is not "ho tich"
    for _ in "hotich":
        page.locator("#keyboard [data-key=backspace]").tap()
    for key in ["h", "o", "space", "t", "i", "c", "h"]:
        page.locator(f"#keyboard [data-key={key}]").tap()
    expect(page.locator("#search")).to_have_value("ho tich")
    expect(page.locator(".tile")).to_have_count(1)
    boxes = page.locator("#keyboard button").evaluate_all(
        "keys => keys.map(k => k.getBoundingClientRect()).map(r => Math.min(r.width, r.height))"
    )
    assert min(boxes) >= 64, "keys are targets for fingers"
    assert outside(page, "#keyboard") == []
    screenshot(page, "kiosk-keyboard-vi")
    page.locator("#keyboard [data-key=close]").tap()
    expect(keyboard).to_be_hidden()
    expect(page.locator("#search")).to_have_value("ho tich")


def test_descriptions_are_read_without_leaning_in(server: PageServer, new_page: OpenPage) -> None:
    page = kiosk(server, new_page)
    expect(page.locator(".tile-description").first).to_be_visible()
    assert font_px(page, ".tile-description") >= 24


def test_an_empty_line_says_no_one_is_waiting(server: PageServer, new_page: OpenPage) -> None:
    server.counter(1, "open")  # serves HT: open, and nobody waits
    page = kiosk(server, new_page)
    facts = page.locator(".tile[data-service=HT] .tile-facts")
    expect(facts).to_have_text("Không có ai đang chờ")
    server.issue("HT")
    expect(facts).to_contain_text("1 người đang chờ")


def test_the_ticket_fills_the_screen_with_one_instruction(
    server: PageServer, new_page: OpenPage
) -> None:
    for token in ("kiosk", "kiosk_no_printer"):
        page = kiosk(server, new_page, token)
        page.locator(".tile[data-service=HT]").tap()
        expect(page.locator("#ticket")).to_be_visible()
        card = page.locator("#ticket-card").bounding_box()
        qr = page.locator("#ticket-qr").bounding_box()
        assert card and card["width"] >= 0.85 * KIOSK["width"], card
        assert qr and qr["width"] >= 400, qr
        assert font_px(page, "#ticket-number") >= 200
        assert outside(page, "#ticket-card, #ticket-done") == []
        instructions = page.locator(".ticket-instruction:visible")
        expect(instructions).to_have_count(1)
        assert font_px(page, ".ticket-instruction:visible") >= 32
        screenshot(page, f"kiosk-ticket-{token}-vi")
        page.context.close()
