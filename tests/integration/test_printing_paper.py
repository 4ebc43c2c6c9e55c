"""58 and 80 mm printers as installed, through the real path (API, TCP, emulated printer):
the cut their config asks for, and the long labels of the example centre on the paper."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from devices.escpos.emulator import PrinterEmulator
from devices.escpos.protocol import PAPER_DOTS
from queue_server.accounts import Role
from tests.support.printing import Printers, printing_config, qr_codes
from tests.support.server import Api, RunningCentre, Token, serve_centre

TOKENS = {"kiosk-door": Token(Role.KIOSK), "kiosk-desk": Token(Role.KIOSK)}


@pytest.fixture
async def printers() -> AsyncIterator[Printers]:
    async with Printers.running() as printers:
        yield printers


@pytest.fixture
async def server(tmp_path: Path, printers: Printers) -> AsyncIterator[RunningCentre]:
    config = printing_config(
        tmp_path / "centre.sqlite3",
        {"door": (printers.door, 80), "desk": (printers.desk, 58)},
        {"kiosk-door": ["door"], "kiosk-desk": ["desk"]},
        timeout_s=0.8,
    )
    door, desk = config.devices.printers
    installed = [  # an 80 mm printer set to cut partially; a 58 mm NT-5890K with its cutter
        msgspec.structs.replace(door, profile="TM-T20II", cutter="partial"),
        msgspec.structs.replace(desk, profile="NT-5890K", cutter=True),
    ]
    devices = msgspec.structs.replace(config.devices, printers=installed)
    # The longest label, "merit", declared at the kiosk (the example centre checks it at
    # the desk; some centres let citizens declare it).
    declared = [msgspec.structs.replace(p, at_desk=False) for p in config.priority_classes]
    config = msgspec.structs.replace(config, devices=devices, priority_classes=declared)
    async with serve_centre(tmp_path, config=config, tokens=TOKENS) as running:
        yield running


@pytest.mark.parametrize(("kiosk", "lang"), [("kiosk-door", "en"), ("kiosk-desk", "vi")])
async def test_the_ticket_is_cut_as_the_printer_is_installed(
    server: RunningCentre, printers: Printers, kiosk: str, lang: str
) -> None:
    emulator: PrinterEmulator = printers.door if kiosk == "kiosk-door" else printers.desk
    async with Api(server.base, server.tokens[kiosk]) as api:
        status, body = await api.post(
            "/api/v1/tickets", {"service": "CT", "lang": lang, "priority": "merit"}
        )
    assert status == 201, body
    assert body["print"]["status"] == "printed", body
    async with asyncio.timeout(5):
        [ticket] = await emulator.wait_for_tickets(1)
    assert ticket.cut  # the 58 mm NT-5890K's profile says "no cutter": the config says it has one
    assert ticket.cut_partial is (kiosk == "kiosk-door")
    image = ticket.image()
    assert image is not None
    assert image.width == PAPER_DOTS[80 if kiosk == "kiosk-door" else 58]
    assert qr_codes(image) == [body["status_url"]]
