"""The pages in a real browser, against a real server process.

Each test waits on real events (a selector's text, a request, an attribute), never
on a fixed sleep.  Screenshots of every page, in Vietnamese and Arabic, are saved
under var/screenshots/ for review.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in, screenshot

OpenPage = Callable[..., Page]
PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True}


def take_ticket(kiosk: Page, search: str, tile: str) -> tuple[str, str]:
    """Search, tap a tile, and read the number and tracking code off the ticket screen."""
    kiosk.fill("#search", search)
    expect(kiosk.locator(".tile")).to_have_count(1)
    kiosk.click(f".tile[data-service={tile}]")
    expect(kiosk.locator("#ticket")).to_be_visible()
    number = kiosk.locator("#ticket-number").inner_text()
    qr = kiosk.locator("#ticket-qr").get_attribute("src") or ""
    match = re.match(r"^/s/([^/]+)/qr\.svg$", qr)
    assert match, qr
    return number, match.group(1)


def test_citizen_takes_a_ticket_staff_call_it_hall_and_phone_follow(
    server: PageServer, new_page: OpenPage
) -> None:
    tokens = server.tokens
    hall = new_page(f"{server.base}/hall#token={tokens['display']}", 1920, 1080)
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    kiosk = new_page(f"{server.base}/kiosk#token={tokens['kiosk']}", 1280, 1024, has_touch=True)
    expect(kiosk.locator("html")).to_have_attribute("data-live", "live")
    screenshot(kiosk, "kiosk-vi")

    # "ho tich" finds "Hộ tịch": the search ignores diacritics.
    number, code = take_ticket(kiosk, "ho tich", "HT")
    assert re.fullmatch(r"A\d{3}", number)
    expect(kiosk.locator("#ticket-ahead")).to_have_text("0")
    expect(kiosk.locator("#ticket-qr")).to_be_visible()
    expect(kiosk.locator("#print-ok")).to_be_visible()  # the emulated printer printed it
    screenshot(kiosk, "kiosk-ticket-vi")

    phone = new_page(f"{server.base}/s/{code}", **PHONE)
    expect(phone.locator("#number")).to_have_text(number)
    expect(phone.locator("#main")).to_have_attribute("data-status", "waiting")
    screenshot(phone, "status-waiting-vi")

    staff = new_page(f"{server.base}/staff")
    log_in(staff, "canbo1", counter=1)
    expect(staff.locator("#console")).to_be_visible()
    expect(staff.locator("#waiting-list [data-call]")).to_have_count(1)
    staff.click("[data-action=pause]")  # the counter opens (it starts the day closed)
    expect(staff.locator("#counter-status")).to_have_class(re.compile(r"\bopen\b"))

    with hall.expect_response(
        lambda r: "/api/v1/announcements/vi/" in r.url and r.status == 200, timeout=5000
    ) as announcement:
        started = time.monotonic()
        staff.click("[data-action=next]")
        expect(hall.locator("#latest-number")).to_have_text(number, timeout=1000)
        shown_after = time.monotonic() - started
        expect(hall.locator("#latest-counter")).to_contain_text("1")
    assert shown_after < 1.0
    assert announcement.value.url.endswith(f"/{number}-1")
    assert announcement.value.headers["content-type"] == "audio/wav"
    expect(staff.locator("#current-number")).to_have_text(number)

    expect(phone.locator("#main")).to_have_attribute("data-status", "called")
    expect(phone.locator("#called-counter")).to_contain_text("1")
    screenshot(phone, "status-called-vi")
    screenshot(hall, "hall-vi")
    screenshot(staff, "staff-vi")

    # A recall is announced again: queued behind the first announcement, never cutting it off.
    with hall.expect_response(lambda r: "/api/v1/announcements/vi/" in r.url, timeout=5000):
        staff.click("[data-action=recall]")
    expect(hall.locator("body")).to_have_attribute("data-announcing", number)


def test_hall_display_survives_a_server_restart(server: PageServer, new_page: OpenPage) -> None:
    hall = new_page(f"{server.base}/hall#token={server.tokens['display']}", 1920, 1080)
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    hall.evaluate("window.sameDocument = true")
    server.counter(2, "open")
    first = server.issue("CT")["number"]
    server.counter(2, "next")
    expect(hall.locator("#latest-number")).to_have_text(first)

    server.stop()
    expect(hall.locator("html")).to_have_attribute("data-live", "reconnecting")
    expect(hall.locator("#live-banner")).to_be_visible()
    screenshot(hall, "hall-reconnecting-vi")
    server.start()
    expect(hall.locator("html")).to_have_attribute("data-live", "live", timeout=15000)

    second = server.issue("CT")["number"]
    server.counter(2, "next")
    expect(hall.locator("#latest-number")).to_have_text(second)
    expect(hall.locator(".call[data-number]").first).to_have_attribute("data-number", first)
    assert hall.evaluate("window.sameDocument") is True  # never reloaded


def test_arabic_kiosk_lays_out_right_to_left(server: PageServer, new_page: OpenPage) -> None:
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024)
    expect(kiosk.locator(".tile")).to_have_count(8)
    kiosk.click(".lang-button[data-lang=ar]")
    html = kiosk.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(kiosk.locator(".kiosk-lead")).to_have_text("المس الخدمة التي تحتاجها")
    expect(kiosk.locator(".tile[data-service=HT] .tile-name")).to_have_text("الأحوال المدنية")
    first = kiosk.locator(".tile").nth(0).bounding_box()
    second = kiosk.locator(".tile").nth(1).bounding_box()
    assert first and second and first["x"] > second["x"], "tiles must flow from the right"
    name = kiosk.locator("#centre-name").bounding_box()
    languages = kiosk.locator("#languages").bounding_box()
    assert name and languages and name["x"] > languages["x"], "the title must be on the right"
    # Large targets for fingers.
    for selector in (".tile", ".priority-choice", ".lang-button", "#search"):
        box = kiosk.locator(selector).first.bounding_box()
        assert box and box["height"] >= 64, selector
    screenshot(kiosk, "kiosk-ar")
    # The choice is this citizen's, not the kiosk's: the next one meets Vietnamese.
    kiosk.reload()
    expect(kiosk.locator("html")).to_have_attribute("lang", "vi")


def test_the_next_citizen_meets_the_kiosk_in_its_own_language(
    server: PageServer, new_page: OpenPage
) -> None:
    kiosk = new_page(f"{server.base}/kiosk?idle=1#token={server.tokens['kiosk']}", 1280, 1024)
    html = kiosk.locator("html")
    kiosk.click(".lang-button[data-lang=en]")
    expect(html).to_have_attribute("lang", "en")
    take_ticket(kiosk, "civil", "HT")
    kiosk.click("#ticket-done")
    expect(html).to_have_attribute("lang", "vi")
    expect(kiosk.locator(".kiosk-lead")).to_have_text("Chạm vào dịch vụ bạn cần")

    # Someone who chose Arabic and walked away: after the idle time the kiosk starts afresh.
    kiosk.click(".lang-button[data-lang=ar]")
    kiosk.fill("#search", "xyz")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "vi", timeout=5000)
    expect(kiosk.locator("#search")).to_have_value("")

    english = new_page(f"{server.base}/kiosk?lang=en#token={server.tokens['kiosk']}", 1280, 1024)
    expect(english.locator("html")).to_have_attribute("lang", "en")  # a kiosk set up in English


def test_kiosk_without_a_printer_shows_the_ticket_to_photograph(
    server: PageServer, new_page: OpenPage
) -> None:
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk_no_printer']}", 1280, 1024)
    kiosk.click(".priority-choice[data-priority=elderly]")
    expect(kiosk.locator(".priority-choice[data-priority=elderly]")).to_have_attribute(
        "aria-pressed", "true"
    )
    number, _ = take_ticket(kiosk, "cu tru", "CU")
    expect(kiosk.locator("#print-failed")).to_be_visible()
    expect(kiosk.locator("#ticket")).to_have_attribute("data-printed", "false")
    expect(kiosk.locator("#ticket-priority")).to_be_visible()
    # One instruction: photograph the screen (none about the paper ticket or its footer).
    expect(kiosk.locator(".ticket-instruction:visible")).to_have_count(1)
    assert number.startswith("E")
    screenshot(kiosk, "kiosk-photograph-vi")
    kiosk.click("#ticket-done")
    expect(kiosk.locator("#start")).to_be_visible()
    expect(kiosk.locator("#search")).to_have_value("")


SLOW_NEXT = """() => {
  const send = window.fetch;
  window.fetch = (url, options) => String(url).endsWith("/next")
    ? new Promise((wait) => setTimeout(wait, 300)).then(() => send(url, options))
    : send(url, options);
}"""
"""Every NEXT request leaves 300 ms late, as on a slow network: a second press comes
while the first is on its way."""


def test_staff_console_works_with_the_keyboard_alone(
    server: PageServer, new_page: OpenPage
) -> None:
    first = server.issue("HT")["number"]
    second = server.issue("HT")["number"]
    third = server.issue("CT")["number"]
    staff = new_page(f"{server.base}/staff")
    expect(staff.locator("#username")).to_be_focused()
    staff.keyboard.type("canbo1")
    staff.keyboard.press("Tab")
    staff.keyboard.type(server_password())
    staff.keyboard.press("Tab")
    expect(staff.locator("#counter-select")).to_be_focused()
    staff.keyboard.press("ArrowDown")  # counter 2
    staff.keyboard.press("Tab")
    staff.keyboard.press("Enter")
    expect(staff.locator("#console")).to_be_visible()
    expect(staff.locator("#counter-id")).to_have_text("2")
    expect(staff.locator("#waiting-list [data-call]")).to_have_count(3)

    staff.keyboard.press("p")  # open the counter
    expect(staff.locator("#counter-status")).to_have_class(re.compile(r"\bopen\b"))
    # A double press of NEXT, the second while the first is still on its way, calls one
    # citizen: the second names the ticket it saw (none), which the server refuses.
    staff.evaluate(SLOW_NEXT)
    staff.keyboard.press("n")
    staff.keyboard.press("n")
    expect(staff.locator("#console-info")).to_have_text("Quầy đã gọi số tiếp theo rồi.")
    expect(staff.locator("#current-number")).to_have_text(first)
    expect(staff.locator("#waiting-list [data-call]")).to_have_count(2)
    staff.keyboard.press("s")
    expect(staff.locator("#current-detail")).to_contain_text("Đang được phục vụ")
    staff.keyboard.press("d")
    expect(staff.locator("#console-info")).to_have_text("Đã xong.")

    # Call a chosen ticket: Tab to its button in the waiting list, Enter.
    target = staff.locator(f"[data-call='{third}']")
    for _ in range(30):
        if target.evaluate("node => node === document.activeElement"):
            break
        staff.keyboard.press("Tab")
    expect(target).to_be_focused()
    outline = target.evaluate("node => getComputedStyle(node).outlineStyle")
    assert outline not in ("", "none"), "focus must be visible"
    staff.keyboard.press("Enter")
    expect(staff.locator("#current-number")).to_have_text(third)

    # Transfer by keyboard: T opens the dialog, choose a service, Enter.
    staff.keyboard.press("t")
    expect(staff.locator("#transfer-dialog")).to_be_visible()
    expect(staff.locator("#transfer-service")).to_be_focused()
    staff.keyboard.press("ArrowDown")
    staff.keyboard.press("Enter")
    expect(staff.locator("#transfer-dialog")).to_be_hidden()
    expect(staff.locator("#current-number")).to_have_text("—")

    # An error in words: recall with no current ticket is refused and said so.
    staff.keyboard.press("p")  # pause
    expect(staff.locator("#counter-status")).to_have_class(re.compile(r"\bpaused\b"))
    staff.keyboard.press("n")
    expect(staff.locator("#console-error")).to_have_text("Quầy đang tạm dừng. Nhấn Tiếp tục trước.")
    screenshot(staff, "staff-keyboard-vi")
    assert second  # still waiting for the next NEXT


def server_password() -> str:
    from .server import PASSWORD

    return PASSWORD


def test_screenshots_of_every_page_in_vietnamese_and_arabic(
    server: PageServer, new_page: OpenPage
) -> None:
    tokens = server.tokens
    for counter in (1, 2, 4, 7):
        server.counter(counter, "open")
    tickets: list[dict[str, Any]] = [server.issue(s) for s in ("HT", "CT", "DD", "CU", "HT", "HT")]
    for counter in (1, 2, 4, 7):
        server.counter(counter, "next")
    pages = {
        "index": ("/", 1280, 900, {}),
        "kiosk": (f"/kiosk#token={tokens['kiosk']}", 1280, 1024, {}),
        "hall": (f"/hall#token={tokens['display']}", 1920, 1080, {}),
        "hall-columns": (f"/hall?layout=counters#token={tokens['display']}", 1920, 1080, {}),
        "counter": (f"/counter/1#token={tokens['display']}", 1280, 720, {}),
        "status": (f"/s/{tickets[-1]['tracking_code']}", 390, 844, {"is_mobile": True}),
        "staff": ("/staff", 1280, 900, {}),
        "admin": ("/admin", 1440, 1000, {}),
    }
    for lang in ("vi", "ar"):
        for name, (path, width, height, options) in pages.items():
            if name in UNTOUCHED:  # no language buttons: the address says the language
                base, _, token = path.partition("#")
                path = f"{base}{'&' if '?' in base else '?'}lang={lang}#{token}"
            page = new_page(f"{server.base}{path}", width, height, **options)
            if name not in UNTOUCHED:
                page.click(f".lang-button[data-lang={lang}]")
            expect(page.locator("html")).to_have_attribute("lang", lang)
            expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
            if name == "staff":
                log_in(page, "canbo1", counter=1)
                expect(page.locator("#current-number")).to_have_text(re.compile(r"^[A-Z]\d+$"))
            elif name == "admin":
                log_in(page, "admin")
                expect(page.locator("#counters tr")).to_have_count(10)
                expect(page.locator("#voice")).to_have_attribute("data-available", "true")
                expect(page.locator("[data-device^='printer:']").first).to_be_visible()
            elif name in ("hall", "hall-columns", "counter", "kiosk"):
                expect(page.locator("html")).to_have_attribute("data-live", "live")
            if name == "hall":
                expect(page.locator(".call")).to_have_count(3)
            if name == "counter":
                expect(page.locator("#number")).to_have_text(re.compile(r"^[A-Z]\d+$"))
            if name == "status":
                expect(page.locator("#main")).to_have_attribute("data-status", "waiting")
            screenshot(page, f"{name}-{lang}")
            page.context.close()


UNTOUCHED = {"hall", "hall-columns", "counter"}
"""Screens nobody touches: their language is the address's ?lang=."""


def test_admin_makes_a_token_and_sees_it_listed(server: PageServer, new_page: OpenPage) -> None:
    admin = new_page(f"{server.base}/admin", 1440, 1000)
    log_in(admin, "admin")
    expect(admin.locator("#tokens tr")).to_have_count(6)
    admin.fill("#token-form input[name=name]", "hall-tv-2")
    admin.select_option("#token-form select[name=role]", "display")
    admin.click("#token-form button[type=submit]")
    expect(admin.locator("#new-token-value")).to_have_text(re.compile(r"^qs_"))
    expect(admin.locator("#new-token-links li").first).to_contain_text("/hall#token=qs_")
    expect(admin.locator("#tokens tr[data-token='hall-tv-2']")).to_be_visible()
    # The new token works on a hall display at once.
    token = admin.locator("#new-token-value").inner_text()
    hall = new_page(f"{server.base}/hall#token={token}", 1920, 1080)
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    expect(admin.locator("#connections")).to_contain_text(re.compile(r"\d"), timeout=15000)
    # A display bound to one counter: its addresses are that counter's display and tablet.
    admin.fill("#token-form input[name=name]", "rate-3")
    admin.select_option("#token-form select[name=role]", "display")
    admin.fill("#token-form input[name=counter]", "3")
    admin.click("#token-form button[type=submit]")
    links = admin.locator("#new-token-links li")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_contain_text("/counter/3#token=qs_")
    expect(links.nth(1)).to_contain_text("/rate/3#token=qs_")


def test_the_kiosk_says_the_number_in_the_citizens_language(
    server: PageServer, new_page: OpenPage
) -> None:
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024)
    kiosk.click(".lang-button[data-lang=en]")
    with kiosk.expect_response(lambda r: r.url.endswith("/voice"), timeout=10000) as spoken:
        number, code = take_ticket(kiosk, "civil", "HT")
    assert spoken.value.status == 200
    assert spoken.value.headers["content-type"] == "audio/wav"
    assert spoken.value.url.endswith(f"/api/v1/tickets/{code}/voice")
    expect(kiosk.locator("#ticket-listen")).to_have_text("Hear my number again")
    expect(kiosk.locator("#ticket-number")).to_have_text(number)


def test_a_class_checked_at_the_desk_sends_the_citizen_there(
    server: PageServer, new_page: OpenPage
) -> None:
    """ "Merit to the revolution" needs a card: the kiosk does not take a tap for it."""
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1080, 1920)
    merit = kiosk.locator(".priority-choice[data-priority=merit]")
    expect(merit).to_have_class(re.compile(r"\bat-desk\b"))
    merit.click()
    expect(merit).to_have_attribute("aria-pressed", "false")
    expect(kiosk.locator("#kiosk-error")).to_contain_text("quầy hướng dẫn")
    kiosk.locator(".tile[data-service='HT']").click()
    expect(kiosk.locator("#ticket")).to_be_visible()
    expect(kiosk.locator("#ticket-priority")).to_be_hidden()  # a normal ticket, for the desk


def test_a_ticket_for_a_service_nobody_serves_yet_says_why(
    server: PageServer, new_page: OpenPage
) -> None:
    """Before any counter opens, the wait is not "unknown" (a dead end) but explained."""
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1080, 1920)
    expect(kiosk.locator(".tile[data-service='DD'] .tile-facts")).to_contain_text("chưa có quầy")
    kiosk.locator(".tile[data-service='DD']").click()
    expect(kiosk.locator("#ticket-wait")).to_have_text(
        "Chưa có quầy mở: quý khách sẽ được gọi khi quầy mở"
    )
