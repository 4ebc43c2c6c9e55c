"""The admin page's devices in a real browser: the door printer is an emulator this test
holds (in a thread of its own), so the test can take its paper away; the server asks it
as it asks a real printer, and the page says so.  Waits on the page, never on a sleep."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devices.escpos.emulator import PrinterEmulator
from devices.escpos.protocol import PrinterState

from .conftest import PageServer, log_in, screenshot

OpenPage = Callable[..., Page]
AMBER, RED = "rgb(255, 167, 38)", "rgb(255, 107, 107)"


@pytest.fixture
def door() -> Iterator[PrinterEmulator]:
    """An emulated 80 mm printer on its own event loop, so the test can set its state."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="door-printer", daemon=True)
    thread.start()
    emulator = PrinterEmulator()
    asyncio.run_coroutine_threadsafe(emulator.start(), loop).result(5)
    try:
        yield emulator
    finally:
        asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@pytest.fixture
def server(tmp_path: Path, door: PrinterEmulator) -> Iterator[PageServer]:
    options = ["--printer", f"printer-door={door.url}", "--printer-poll-s", "0.2"]
    running = PageServer(tmp_path, options=options)
    running.start(setup=True)
    try:
        yield running
    finally:
        running.stop()


def take_ticket(server: PageServer) -> dict[str, Any]:
    status, ticket = server.api(
        "POST", "/api/v1/tickets", server.tokens["kiosk"], {"service": "HT"}
    )
    assert status == 201, ticket
    result: dict[str, Any] = ticket
    return result


def background(page: Page, selector: str) -> str:
    colour: str = page.locator(selector).evaluate("node => getComputedStyle(node).backgroundColor")
    return colour


def test_admin_is_warned_of_paper_and_sees_the_printed_tickets(
    server: PageServer, door: PrinterEmulator, new_page: OpenPage
) -> None:
    admin = new_page(f"{server.base}/admin", 1440, 1000)
    log_in(admin, "admin")
    expect(admin.locator("html")).to_have_attribute("data-live", "live")
    row = admin.locator("tr[data-device='printer:printer-door']")
    expect(row).to_have_attribute("data-state", "online")
    expect(row).to_contain_text("Sẵn sàng")
    expect(row.locator(".since")).to_contain_text(re.compile(r"\d\d:\d\d"))
    expect(admin.locator("#device-alerts")).to_be_hidden()

    # A citizen takes a ticket: the door printer prints it and the page shows its image.
    first = take_ticket(server)
    assert first["print"]["printer"] == "printer-door"
    card = admin.locator(f"#printed li[data-number='{first['number']}']")
    expect(card).to_have_attribute("data-status", "printed")
    expect(card).to_contain_text("printer-door")
    thumbnail = card.locator(".thumb img")
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("image => image.naturalWidth") == 576  # 80 mm, as sent

    # The roll runs low: an amber warning at the top, found by the server's own polling.
    door.state = PrinterState.PAPER_NEAR_END
    alert = admin.locator("#device-alerts .device-alert[data-device='printer:printer-door']")
    expect(alert).to_have_attribute("data-level", "warn")
    expect(alert).to_contain_text("printer-door")
    expect(alert).to_contain_text("sắp hết giấy — hãy thay cuộn giấy")
    expect(row).to_have_attribute("data-state", "paper_near_end")
    expect(row).to_contain_text("Sắp hết giấy")
    assert background(admin, "#device-alerts .device-alert") == AMBER
    box = admin.locator("#device-alerts").bounding_box()
    assert box is not None and box["y"] < 150, "the warning is at the top of the page"
    screenshot(admin, "admin-paper-near-end-vi")

    # It runs out: red, and the next ticket comes out of the backup printer.
    door.state = PrinterState.PAPER_OUT
    expect(alert).to_have_attribute("data-level", "bad")
    expect(alert).to_contain_text("hết giấy — hãy lắp cuộn giấy mới")
    assert background(admin, "#device-alerts .device-alert") == RED
    second = take_ticket(server)
    assert second["print"]["printer"] == "printer-desk"
    newest = admin.locator("#printed li").first
    expect(newest).to_have_attribute("data-number", second["number"])
    expect(newest).to_contain_text("printer-desk")
    expect(admin.locator("#printed .thumb img")).to_have_count(2)

    # A click shows the ticket full size.
    newest.locator(".thumb").click()
    enlarged = admin.locator("#ticket-dialog-image")
    expect(admin.locator("#ticket-dialog")).to_be_visible()
    expect(enlarged).to_have_js_property("complete", True)
    assert enlarged.evaluate("image => image.naturalWidth") == 384  # 58 mm
    screenshot(admin, "admin-ticket-enlarged-vi")
    admin.keyboard.press("Escape")
    expect(admin.locator("#ticket-dialog")).to_be_hidden()

    admin.click(".lang-button[data-lang=ar]")
    expect(admin.locator("html")).to_have_attribute("dir", "rtl")
    expect(alert).to_contain_text("نفد الورق")
    expect(row).to_contain_text("نفد الورق")
    screenshot(admin, "admin-paper-out-ar")

    door.state = PrinterState.ONLINE  # a new roll: the warning goes
    expect(admin.locator("#device-alerts")).to_be_hidden()
