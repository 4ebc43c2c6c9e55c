"""A job the printer has taken stays there: one ticket, one number, whatever the printer
says after it.

A printer that closes the connection right after a job, reports paper end right after
it, or answers the status query after it late has printed the ticket; printing it again
on the backup gives the citizen two tickets with one number.  What it said marks the
printer (staff see it), not the job.  A printer that did not take the whole job (reset
mid-job, stalled: tests/integration/test_printing.py and test_printing_slow.py) still
sends the job to the backup.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from devices.escpos.emulator import PrinterEmulator
from devices.escpos.protocol import PrinterState
from queue_server.accounts import Role
from queue_server.engine.events import TicketPrinted
from tests.support.printing import Printers, printing_config, qr_codes
from tests.support.server import Api, RunningCentre, Token, serve_centre

TIMEOUT_S = 0.8
TOKENS = {"kiosk-door": Token(Role.KIOSK)}


@pytest.fixture
async def printers() -> AsyncIterator[Printers]:
    async with Printers.running() as printers:
        yield printers


@pytest.fixture
async def server(tmp_path: Path, printers: Printers) -> AsyncIterator[RunningCentre]:
    config = printing_config(
        tmp_path / "centre.sqlite3",
        {"door": (printers.door, 80), "desk": (printers.desk, 58)},
        {"kiosk-door": ["door", "desk"]},
        timeout_s=TIMEOUT_S,
    )
    door, desk = config.devices.printers
    desk = msgspec.structs.replace(desk, profile="NT-5890K", cutter=True)  # 58 mm, cutting
    devices = msgspec.structs.replace(config.devices, printers=[door, desk])
    config = msgspec.structs.replace(config, devices=devices)
    async with serve_centre(tmp_path, config=config, tokens=TOKENS) as running:
        yield running


async def issue(server: RunningCentre) -> dict[str, Any]:
    async with Api(server.base, server.tokens["kiosk-door"]) as kiosk:
        status, body = await kiosk.post("/api/v1/tickets", {"service": "CT", "lang": "vi"})
    assert status == 201, body
    issued: dict[str, Any] = body
    return issued


def printed_event(server: RunningCentre) -> TicketPrinted:
    event = list(server.centre.log.read())[-1][1]
    assert isinstance(event, TicketPrinted), event
    return event


def state_of(server: RunningCentre, printer: str) -> PrinterState:
    assert server.centre.printing is not None
    return server.centre.printing.drivers[printer].status.state


async def printed_once_on(emulator: PrinterEmulator, body: dict[str, Any]) -> None:
    async with asyncio.timeout(5):
        [ticket] = await emulator.wait_for_tickets(1)
        await emulator.wait_idle()
    image = ticket.image()
    assert image is not None and qr_codes(image) == [body["status_url"]]
    assert emulator.printed == 1


async def test_a_printer_that_closes_the_connection_after_the_job_keeps_it(
    server: RunningCentre, printers: Printers
) -> None:
    printers.door.close_after_job = True
    body = await issue(server)
    assert body["print"] == {"status": "printed", "printer": "door", "error": None}
    await printed_once_on(printers.door, body)
    # The desk would have printed before the kiosk was answered: it was never sent the job.
    assert printers.desk.printed == 0
    event = printed_event(server)
    assert event.printer == "door" and event.fallback_from == []
    assert "closed the connection" in event.reason

    printers.door.close_after_job = False
    body = await issue(server)  # the door is used again as usual
    assert body["print"]["printer"] == "door"


async def test_paper_end_right_after_the_job_marks_the_printer_not_the_job(
    server: RunningCentre, printers: Printers
) -> None:
    printers.door.tickets_on_roll = 1  # this ticket is the roll's last
    body = await issue(server)
    assert body["print"] == {"status": "printed", "printer": "door", "error": None}
    await printed_once_on(printers.door, body)
    assert printers.desk.printed == 0
    event = printed_event(server)
    assert event.printer == "door" and event.fallback_from == []
    assert "paper out" in event.reason
    assert state_of(server, "door") is PrinterState.PAPER_OUT  # staff see it at once

    body = await issue(server)  # the next one goes to the backup, from the status before
    assert body["print"]["printer"] == "desk"
    assert printed_event(server).fallback_from == ["door"]


async def test_a_status_answered_late_after_the_job_marks_the_printer_not_the_job(
    server: RunningCentre, printers: Printers
) -> None:
    printers.door.status_delay_after_job_s = TIMEOUT_S * 1.5
    body = await issue(server)
    assert body["print"] == {"status": "printed", "printer": "door", "error": None}
    await printed_once_on(printers.door, body)
    assert printers.desk.printed == 0
    event = printed_event(server)
    assert event.printer == "door" and event.fallback_from == []
    assert "not answered" in event.reason
    assert state_of(server, "door") is PrinterState.NOT_ANSWERING


async def test_a_58mm_backup_that_runs_out_after_the_job_printed_it(
    server: RunningCentre, printers: Printers
) -> None:
    printers.door.state = PrinterState.COVER_OPEN
    printers.desk.tickets_on_roll = 1
    body = await issue(server)
    assert body["print"] == {"status": "printed", "printer": "desk", "error": None}
    await printed_once_on(printers.desk, body)
    event = printed_event(server)
    assert event.printer == "desk" and event.fallback_from == ["door"]
    assert "cover open" in event.reason and "paper out" in event.reason
    assert state_of(server, "desk") is PrinterState.PAPER_OUT
