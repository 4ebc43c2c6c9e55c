"""Booking ahead, end to end in Debian's Chromium: a citizen books on a phone, checks in
at the kiosk by typing the code, is called before a walk-in who came earlier, and the
booking's page says so.

The server's clock is a Monday at 08:20 (Hanoi) and booking closes at a slot's start
(`--booking-cutoff 0`), so the 08:30 slot is both bookable and open for check-in
(from 08:15).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in, screenshot

OpenPage = Callable[..., Page]
PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True}
MONDAY = "2030-01-07"
HALF_PAST_EIGHT = "2030-01-07T08:30:00+07:00"
TEN = "2030-01-07T10:00:00+07:00"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PageServer]:
    running = PageServer(
        tmp_path, options=["--clock-from", "2030-01-07T08:20:00+07:00", "--booking-cutoff", "0"]
    )
    running.start(setup=True)
    try:
        yield running
    finally:
        running.stop()


def test_booked_on_a_phone_checked_in_at_the_kiosk_called_before_a_walk_in(
    server: PageServer, new_page: OpenPage
) -> None:
    walk_in = server.issue("HT")  # came first, without a booking

    phone = new_page(f"{server.base}/book?poll=1", **PHONE)
    phone.click(".lang-button[data-lang=en]")
    phone.fill("#search", "ho tich")  # the kiosk's search: no diacritics needed
    expect(phone.locator("#services [data-service]")).to_have_count(1)
    phone.click("#services [data-service=HT]")
    phone.click(f"#days [data-day='{MONDAY}']")
    phone.click(f"#slots [data-start='{HALF_PAST_EIGHT}']")
    phone.fill("#phone", "0912 345 678")
    screenshot(phone, "book-phone")
    phone.click("#confirm")
    phone.wait_for_url("**/a/*")
    expect(phone.locator("#main")).to_have_attribute("data-status", "booked")
    code = phone.locator("#code").inner_text()
    assert len(code) == 9 and code[4] == "-", code
    expect(phone.locator("#phone")).to_contain_text("09xx xxx 678")
    expect(phone.locator("#calendar")).to_have_attribute(
        "href", f"{server.base}/api/v1/appointments/{code}/calendar.ics"
    )
    expect(phone.locator("#qr")).to_have_js_property("complete", True)
    assert phone.locator("#qr").evaluate("img => img.naturalWidth") > 0
    screenshot(phone, "booking-page")

    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024)
    kiosk.click("#have-booking")
    for symbol in code.replace("-", ""):
        kiosk.click(f"#booking-keys [data-key='{symbol}']")
    expect(kiosk.locator("#booking-code")).to_have_value(code)
    kiosk.click("#booking-check-in")
    expect(kiosk.locator("#ticket")).to_be_visible()
    expect(kiosk.locator("#ticket-booked")).to_have_text("Đã đặt lịch 08:30")  # as on paper
    number = kiosk.locator("#ticket-number").inner_text()
    assert number != walk_in["number"]
    screenshot(kiosk, "kiosk-booked-ticket")

    expect(phone.locator("#ticket-number")).to_have_text(number)  # the page learnt it
    staff = new_page(f"{server.base}/staff", 1366, 768)
    log_in(staff, "canbo1", counter=1)
    expect(staff.locator("#console")).to_be_visible()
    staff.keyboard.press("p")  # open the counter
    waiting = staff.locator("#waiting-list li")
    expect(waiting).to_have_count(2)
    expect(waiting.nth(0).locator(".waiting-number")).to_contain_text(number)
    expect(waiting.nth(0).locator(".booked-badge")).to_be_visible()
    expect(waiting.nth(1).locator(".booked-badge")).to_have_count(0)
    staff.keyboard.press("n")
    expect(staff.locator("#current-number")).to_contain_text(number)
    expect(staff.locator("#current-number .booked-badge")).to_have_text("đặt trước")
    screenshot(staff, "staff-booked-current")

    expect(phone.locator("#called-counter")).to_have_text("Called, counter 1")
    screenshot(phone, "booking-called")


def test_the_kiosk_takes_a_scanned_code_and_says_why_it_refuses(
    server: PageServer, new_page: OpenPage
) -> None:
    """A USB scanner types the QR code's address and Enter; a booking for 10:00 is too
    early at 08:20, said in words, and nothing is issued."""
    status, booked = server.api(
        "POST",
        "/api/v1/appointments",
        server.tokens["admin"],
        {"service": "HT", "start": TEN, "phone": "0912345678", "lang": "en"},
    )
    assert status == 201, booked
    kiosk = new_page(f"{server.base}/kiosk?lang=en#token={server.tokens['kiosk']}", 1280, 1024)
    kiosk.click("#have-booking")
    expect(kiosk.locator("#booking-code")).to_be_focused()
    kiosk.keyboard.type(booked["status_url"])
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#booking-error")).to_contain_text("Too early")
    expect(kiosk.locator("#ticket")).to_be_hidden()
    status, held = server.api(
        "GET", f"/api/v1/appointments/{booked['code']}", server.tokens["admin"]
    )
    assert (status, held["status"]) == (200, "booked")


def test_the_booking_page_in_arabic_cancels_only_when_asked_twice(
    server: PageServer, new_page: OpenPage
) -> None:
    status, booked = server.api(
        "POST",
        "/api/v1/appointments",
        server.tokens["admin"],
        {"service": "HT", "start": TEN, "phone": "0912345678", "lang": "ar"},
    )
    assert status == 201, booked
    phone = new_page(f"{server.base}/a/{booked['code']}", **PHONE)
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")  # chosen when booking
    expect(phone.locator("#main")).to_have_attribute("data-status", "booked")
    expect(phone.locator("#code")).to_have_text(booked["code"])
    phone.click("#cancel")
    expect(phone.locator("#cancel-question")).to_have_text(
        "هل تريد إلغاء هذا الحجز؟ لا يمكن التراجع عن ذلك."
    )
    phone.click("#cancel-no")
    expect(phone.locator("#cancel-confirm")).to_be_hidden()
    status, held = server.api(
        "GET", f"/api/v1/appointments/{booked['code']}", server.tokens["admin"]
    )
    assert held["status"] == "booked"
    phone.click("#cancel")
    phone.click("#cancel-yes")
    expect(phone.locator("#main")).to_have_attribute("data-status", "cancelled")
    expect(phone.locator("#qr")).to_be_hidden()
    screenshot(phone, "booking-cancelled-ar")
    status, held = server.api(
        "GET", f"/api/v1/appointments/{booked['code']}", server.tokens["admin"]
    )
    assert held["status"] == "cancelled"


def test_a_scanner_on_the_kiosks_home_screen_checks_a_booking_in(
    server: PageServer, new_page: OpenPage
) -> None:
    """No need to choose "I have a booking": on the home screen the scanner types the QR
    code's address, a few milliseconds a key, and Enter; the booked ticket comes.  A
    person typing the code slowly into the search is only searching."""
    status, booked = server.api(
        "POST",
        "/api/v1/appointments",
        server.tokens["admin"],
        {"service": "HT", "start": HALF_PAST_EIGHT, "phone": "0912345678", "lang": "vi"},
    )
    assert status == 201, booked
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024)
    expect(kiosk.locator("#start")).to_be_visible()

    kiosk.click("#search")
    kiosk.keyboard.type(booked["code"], delay=200)  # a person, on a keyboard
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#search")).to_have_value(booked["code"])
    expect(kiosk.locator("#booking")).to_be_hidden()
    kiosk.fill("#search", "")
    kiosk.locator("#search").blur()  # nothing has the focus: the keys go to the page

    kiosk.keyboard.type(booked["status_url"], delay=5)  # the scanner
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#ticket")).to_be_visible()
    expect(kiosk.locator("#ticket-booked")).to_have_text("Đã đặt lịch 08:30")
    expect(kiosk.locator("#ticket-number")).to_have_text("HA001")
    status, held = server.api(
        "GET", f"/api/v1/appointments/{booked['code']}", server.tokens["admin"]
    )
    assert (status, held["status"], held["ticket"]) == (200, "checked_in", "HA001")
    screenshot(kiosk, "kiosk-scanned-booking")


SCANS = """
async () => {
  const { ScanDetector } = await import("/static/js/scanner.js");
  const { isBookingScan } = await import("/static/js/kiosk_booking.js");
  /** Keys at `gap` ms apart, then Enter: what the detector returns at Enter. */
  const feed = (text, gap, shift = false) => {
    const scans = new ScanDetector();
    let at = 1000;
    for (const key of text) {
      if (shift && key >= "A" && key <= "Z") scans.key("Shift", (at += gap / 2));
      scans.key(key, (at += gap));
    }
    return scans.key("Enter", at + gap);
  };
  const url = "http://192.168.1.10:8080/a/ABCD-2345";
  return {
    scanner: feed(url, 4),
    withShift: feed(url, 4, true),
    person: feed(url, 160),
    short: feed("ABC", 4),
    prefixed: feed("x" + url, 4),
    isBooking: [url, "abcd2345", "ABCD-2345", "4006381333931", "http://x/a/AB"].map(isBookingScan),
  };
}
"""


def test_the_scan_detector_tells_a_scanner_from_a_person(
    server: PageServer, new_page: OpenPage
) -> None:
    """js/scanner.js with time passed in: a burst of keys a few ms apart ending in Enter is
    a scan (Shift between capitals too); keys 160 ms apart are a person; an EAN-13 on an
    ID card or a product is no booking."""
    page = new_page(f"{server.base}/")
    run: dict[str, Any] = page.evaluate(SCANS)
    url = "http://192.168.1.10:8080/a/ABCD-2345"
    assert run["scanner"] == url and run["withShift"] == url
    assert run["person"] is None and run["short"] is None
    assert run["prefixed"] == "x" + url
    assert run["isBooking"] == [True, True, True, False, False]
