"""axe-core on every page and its main states, in Vietnamese and Arabic.

axe-playwright-python bundles axe-core (nothing is downloaded at test time).  A finding
of impact critical, serious or moderate fails the test (the issue's bar); the minor ones
found once (a button as a list item, an empty table header, the QR code's role) are
fixed too, but not held, so another branch's new controls meet the same bar as these.  The hall and counter displays' colours
in every state are measured more closely by test_hall_fit.py (frames of a flash).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in
from .measure import pin_animations
from .test_kiosk_closed import SATURDAY_NOON, closed_server
from .test_pages import PHONE

OpenPage = Callable[..., Page]
BLOCKING = {"critical", "serious", "moderate"}
LANGUAGES = ("vi", "ar")
AXE = Axe()


def findings(page: Page, state: str) -> list[str]:
    """axe's blocking findings on the page as it is now, one line each."""
    results = AXE.run(page)
    return [
        f"{state}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def in_language(page: Page, lang: str) -> None:
    """Switch a page with language buttons to `lang`."""
    page.click(f".lang-button[data-lang={lang}]")
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_the_citizens_pages(server: PageServer, new_page: OpenPage) -> None:
    """Kiosk (home, ticket), status page (waiting, called), rating tablet (ask)."""
    found: list[str] = []
    server.counter(1, "open")
    tablet = new_page(f"{server.base}/rate/1?ask=60#token={server.tokens['tablet']}", 1280, 800)
    expect(tablet.locator("html")).to_have_attribute("data-live", "live")
    found += findings(tablet, "rate idle vi")
    for lang in LANGUAGES:
        kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1080, 1920)
        expect(kiosk.locator("html")).to_have_attribute("data-live", "live")
        in_language(kiosk, lang)
        found += findings(kiosk, f"kiosk home {lang}")
        kiosk.click(".tile[data-service=HT]")
        expect(kiosk.locator("#ticket")).to_be_visible()
        code = (kiosk.locator("#ticket-qr").get_attribute("src") or "").split("/")[2]
        found += findings(kiosk, f"kiosk ticket {lang}")
        phone = new_page(f"{server.base}/s/{code}", **PHONE)
        expect(phone.locator("#main")).to_have_attribute("data-status", "waiting")
        in_language(phone, lang)
        found += findings(phone, f"status waiting {lang}")
        server.counter(1, "next")
        expect(phone.locator("#main")).to_have_attribute("data-status", "called")
        found += findings(phone, f"status called {lang}")
        server.counter(1, "done")
        expect(tablet.locator("body")).to_have_attribute("data-mode", "ask")
        in_language(tablet, lang)
        found += findings(tablet, f"rate ask {lang}")
        tablet.click("[data-rating=satisfied]")
        expect(tablet.locator("body")).to_have_attribute("data-mode", "thanks")
        found += findings(tablet, f"rate thanks {lang}")
    assert not found, "\n".join(found)


def test_the_screens_on_the_walls(server: PageServer, new_page: OpenPage) -> None:
    """Hall (idle, flashing, by counter), counter display."""
    found: list[str] = []
    for lang in LANGUAGES:
        for query in ("", "layout=counters&"):
            hall = new_page(
                f"{server.base}/hall?{query}lang={lang}#token={server.tokens['display']}",
                1920,
                1080,
            )
            expect(hall.locator("html")).to_have_attribute("data-live", "live")
            found += findings(hall, f"hall {query} idle {lang}")
        counter = new_page(
            f"{server.base}/counter/1?lang={lang}#token={server.tokens['display']}", 1280, 400
        )
        expect(counter.locator("html")).to_have_attribute("data-live", "live")
        found += findings(counter, f"counter closed {lang}")
        server.counter(1, "open")
        server.issue("HT")
        server.counter(1, "next")
        expect(hall.locator(".latest.flash")).to_have_count(1)
        for at in (0, 600):
            pin_animations(hall, at)
            found += findings(hall, f"hall flash at {at} ms {lang}")
        expect(counter.locator("#number")).to_have_text(re.compile(r"\d"))
        found += findings(counter, f"counter calling {lang}")
        server.counter(1, "close")
    assert not found, "\n".join(found)


def test_the_staff_console_the_admin_page_and_the_report(
    server: PageServer, new_page: OpenPage
) -> None:
    found: list[str] = []
    server.issue("HT")
    server.issue("CT")
    for lang in LANGUAGES:
        staff = new_page(f"{server.base}/staff", 1366, 768)
        in_language(staff, lang)
        found += findings(staff, f"staff login {lang}")
        log_in(staff, "canbo1", counter=1)
        expect(staff.locator("#console")).to_be_visible()
        found += findings(staff, f"staff console {lang}")
        admin = new_page(f"{server.base}/admin", 1440, 1000)
        in_language(admin, lang)
        log_in(admin, "admin")
        expect(admin.locator("#counters tr")).to_have_count(10)
        expect(admin.locator("#report [data-figure]").first).to_be_visible()
        expect(admin.locator("#bookings .bookings-service").first).to_be_visible()
        found += findings(admin, f"admin and report {lang}")
        staff.context.close()
        admin.context.close()
    assert not found, "\n".join(found)


def test_the_volunteers_tablet(server: PageServer, new_page: OpenPage) -> None:
    """Login, the desk with a service chosen, the ticket shown on the tablet."""
    found: list[str] = []
    server.issue("HT")
    for lang in LANGUAGES:
        page = new_page(f"{server.base}/assist", 1280, 800)
        in_language(page, lang)
        found += findings(page, f"assist login {lang}")
        log_in(page, "tinhnguyen")
        expect(page.locator("html")).to_have_attribute("data-live", "live")
        page.fill("#search", "khai sinh")
        page.click("#services .tile[data-service=HT]")
        expect(page.locator("#issue")).to_be_enabled()
        found += findings(page, f"assist desk {lang}")
        page.click(f"#ticket-languages [data-lang={lang}]")
        page.click("#issue")
        expect(page.locator("#ticket")).to_be_visible()
        found += findings(page, f"assist ticket {lang}")
        page.context.close()
    assert not found, "\n".join(found)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port  # nobody listens once the socket is closed


@pytest.fixture
def printers_down(tmp_path: Path) -> Iterator[PageServer]:
    """The door kiosk's two printers at addresses where nothing answers."""
    options: list[str] = ["--printer-poll-s", "0.2"]
    for name in ("printer-door", "printer-desk"):
        options += ["--printer", f"{name}=tcp://127.0.0.1:{_closed_port()}"]
    server = PageServer(tmp_path, options=options)
    server.start(setup=True)
    try:
        yield server
    finally:
        server.stop()


def test_the_kiosk_out_of_order(printers_down: PageServer, new_page: OpenPage) -> None:
    found: list[str] = []
    for lang in LANGUAGES:
        kiosk = new_page(
            f"{printers_down.base}/kiosk#token={printers_down.tokens['kiosk']}", 1080, 1920
        )
        expect(kiosk.locator("#out-of-order")).to_be_visible(timeout=10000)
        in_language(kiosk, lang)
        found += findings(kiosk, f"kiosk out of order {lang}")
    assert not found, "\n".join(found)


def test_the_kiosk_of_a_closed_centre(tmp_path: Path, new_page: OpenPage) -> None:
    server = closed_server(tmp_path, SATURDAY_NOON)
    found: list[str] = []
    try:
        for lang in LANGUAGES:
            kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1080, 1920)
            expect(kiosk.locator("#closed")).to_be_visible()
            in_language(kiosk, lang)
            found += findings(kiosk, f"kiosk closed {lang}")
    finally:
        server.stop()
    assert not found, "\n".join(found)
