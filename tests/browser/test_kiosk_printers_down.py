"""A kiosk whose printers are all down says so, instead of handing out tickets on screen
that an elderly citizen without a phone cannot keep: "out of order, please ask at the
reception desk".  Staff see which kiosk it is.  It comes back when a printer does.

Both printers of the door kiosk are emulators this test holds (in a thread of their own),
stopped and started again on their ports; the server asks them as it asks real printers
(every 0.2 s here), and the pages follow over /ws.  Waits on the pages, never on a sleep.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devices.escpos.emulator import PrinterEmulator

from .conftest import PageServer, log_in, screenshot

OpenPage = Callable[..., Page]
WITHIN_MS = 5000
"""How soon the kiosk must show it: the server asks idle printers every 0.2 s here."""


class HeldPrinters:
    """The door kiosk's two printers, on an event loop of their own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.door, self.desk = PrinterEmulator(), PrinterEmulator()
        for printer in (self.door, self.desk):
            self.run(printer.start())

    def run(self, work: object) -> None:
        asyncio.run_coroutine_threadsafe(work, self.loop).result(5)  # type: ignore[arg-type]

    def stop(self, printer: PrinterEmulator) -> None:
        self.run(printer.stop())

    def restart(self, printer: PrinterEmulator) -> None:
        replacement = PrinterEmulator(port=printer.port)  # the same address, as after a repair
        self.run(replacement.start())
        if printer is self.door:
            self.door = replacement
        else:
            self.desk = replacement

    def close(self) -> None:
        for printer in (self.door, self.desk):
            self.run(printer.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def printers() -> Iterator[HeldPrinters]:
    held = HeldPrinters()
    try:
        yield held
    finally:
        held.close()


def serve(tmp_path: Path, printers: HeldPrinters, *extra: str) -> PageServer:
    options = ["--printer", f"printer-door={printers.door.url}"]
    options += ["--printer", f"printer-desk={printers.desk.url}", "--printer-poll-s", "0.2"]
    server = PageServer(tmp_path, options=[*options, *extra])
    server.start(setup=True)
    return server


@pytest.fixture
def server(tmp_path: Path, printers: HeldPrinters) -> Iterator[PageServer]:
    running = serve(tmp_path, printers)
    try:
        yield running
    finally:
        running.stop()


def test_a_kiosk_without_a_working_printer_sends_citizens_to_the_desk(
    server: PageServer, printers: HeldPrinters, new_page: OpenPage
) -> None:
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}")
    expect(kiosk.locator("html")).to_have_attribute("data-live", "live")
    expect(kiosk.locator(".tile").first).to_be_visible()
    staff = new_page(f"{server.base}/staff", 1366, 768)
    log_in(staff, "canbo1", counter=1)
    expect(staff.locator("#console")).to_be_visible()
    expect(staff.locator("#kiosks-down")).to_be_hidden()

    printers.stop(printers.door)  # the backup still prints: nothing to say yet
    expect(kiosk.locator(".tile").first).to_be_visible()

    printers.stop(printers.desk)
    out = kiosk.locator("#out-of-order")
    expect(out).to_be_visible(timeout=WITHIN_MS)
    expect(out).to_contain_text("Máy lấy số tạm ngừng hoạt động")
    expect(out).to_contain_text("quầy hướng dẫn")
    expect(kiosk.locator("#start")).to_be_hidden()
    expect(kiosk.locator("#screen-ticket")).to_be_hidden()  # on-screen tickets not allowed
    screenshot(kiosk, "kiosk-out-of-order-vi")
    kiosk.click(".lang-button[data-lang=ar]")
    expect(out).to_contain_text("مكتب الاستقبال")
    alert = staff.locator("#kiosks-down [data-kiosk='kiosk-door']")
    expect(alert).to_be_visible(timeout=WITHIN_MS)
    expect(alert).to_contain_text("kiosk-door")
    screenshot(staff, "staff-kiosk-down-vi")

    # A citizen who taps anyway (a page that had not heard yet) is refused, not given a
    # ticket to photograph.
    status, body = server.api("POST", "/api/v1/tickets", server.tokens["kiosk"], {"service": "HT"})
    assert (status, body["error"]["code"]) == (503, "kiosk_out_of_order")

    printers.restart(printers.desk)
    expect(kiosk.locator(".tile").first).to_be_visible(timeout=WITHIN_MS)
    expect(out).to_be_hidden()
    expect(staff.locator("#kiosks-down")).to_be_hidden(timeout=WITHIN_MS)


def test_where_allowed_the_kiosk_still_offers_a_ticket_on_screen(
    tmp_path: Path, printers: HeldPrinters, new_page: OpenPage
) -> None:
    server = serve(tmp_path, printers, "--screen-tickets")
    try:
        printers.stop(printers.door)
        printers.stop(printers.desk)
        kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}")
        expect(kiosk.locator("#out-of-order")).to_be_visible(timeout=WITHIN_MS)
        kiosk.click("#screen-ticket")
        kiosk.locator(".tile[data-service='HT']").click()
        expect(kiosk.locator("#ticket")).to_be_visible()
        expect(kiosk.locator("#ticket")).to_have_attribute("data-printed", "false")
        kiosk.click("#ticket-done")
        expect(kiosk.locator("#out-of-order")).to_be_visible()  # the next citizen is told
    finally:
        server.stop()
