"""A slow printer and a stalled one: one ticket, one print, whatever the printer's pace.

Cheap network printers have small buffers and take data at a few KB/s.  A job that
has started on a printer must finish there, or be cut off there for certain, before
it goes to the backup: a printer given up on while bytes are still queued for it
would print the same ticket after the backup did.  The emulated printers here have a
small receive window, so the server's socket really waits for them, as on a LAN.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devices.escpos.emulator import PrinterEmulator
from queue_server.accounts import Role
from tests.support.printing import printing_config
from tests.support.server import Api, RunningCentre, Token, serve_centre

TIMEOUT_S = 0.3
"""Each printer's timeout: far less than a slow printer needs for a whole ticket."""


async def switched_on(printer: PrinterEmulator) -> AsyncIterator[PrinterEmulator]:
    await printer.start()
    try:
        yield printer
    finally:
        await printer.stop()


@pytest.fixture
async def door() -> AsyncIterator[PrinterEmulator]:
    """A cheap printer: a small buffer, taking 40 KB/s."""
    async for printer in switched_on(PrinterEmulator(read_bytes_per_s=40_000, receive_window=2048)):
        yield printer


@pytest.fixture
async def desk() -> AsyncIterator[PrinterEmulator]:
    async for printer in switched_on(PrinterEmulator()):
        yield printer


@pytest.fixture
async def server(
    tmp_path: Path, door: PrinterEmulator, desk: PrinterEmulator
) -> AsyncIterator[RunningCentre]:
    config = printing_config(
        tmp_path / "centre.sqlite3",
        {"door": (door, 80), "desk": (desk, 80)},
        {"kiosk-door": ["door", "desk"]},
        timeout_s=TIMEOUT_S,
    )
    tokens = {"kiosk-door": Token(Role.KIOSK)}
    async with serve_centre(tmp_path, config=config, tokens=tokens) as running:
        yield running


async def issue(server: RunningCentre) -> dict[str, str | None]:
    async with Api(server.base, server.tokens["kiosk-door"]) as kiosk:
        status, body = await kiosk.post("/api/v1/tickets", {"service": "CT"})
    assert status == 201, body
    printed: dict[str, str | None] = body["print"]
    return printed


async def test_a_slow_printer_that_keeps_taking_data_prints_the_ticket_once(
    server: RunningCentre, door: PrinterEmulator, desk: PrinterEmulator
) -> None:
    printed = await issue(server)
    assert printed == {"status": "printed", "printer": "door", "error": None}
    async with asyncio.timeout(10):
        await door.wait_for_tickets(1)
        await door.wait_idle()
    assert door.received > 20_000  # a whole ticket, taken at 40 KB/s: far over TIMEOUT_S
    assert (door.printed, desk.printed) == (1, 0)


async def test_a_printer_that_stops_taking_data_is_cut_off_before_the_backup_prints(
    server: RunningCentre, door: PrinterEmulator, desk: PrinterEmulator
) -> None:
    door.stall_after = 6_000  # takes the start of the job, then nothing
    printed = await issue(server)
    assert printed["status"] == "printed" and printed["printer"] == "desk", printed
    async with asyncio.timeout(5):
        await desk.wait_for_tickets(1)
    door.resume()  # it would now take whatever is still queued for it: nothing must be
    async with asyncio.timeout(5):
        await door.wait_idle()
    assert door.printed == 0
    assert door.received < 20_000
