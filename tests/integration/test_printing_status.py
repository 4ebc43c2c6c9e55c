"""Printer states reach the admin (websocket and /metrics); the emulator and print-test CLI."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from websockets.asyncio.client import ClientConnection, connect

from devices.escpos.emulator import PrinterEmulator
from devices.escpos.protocol import PrinterState
from queue_server.accounts import Role
from queue_server.integrations.escpos import service as service_module
from tests.support.centre import EXAMPLE_CONFIG, REPO_ROOT
from tests.support.printing import printing_config, qr_codes, same_pixels
from tests.support.server import Api, RunningCentre, Token, serve_centre

TOKENS = {"admin": Token(Role.ADMIN), "kiosk-door": Token(Role.KIOSK)}


@pytest.fixture
async def door(tmp_path: Path) -> AsyncIterator[PrinterEmulator]:
    emulator = PrinterEmulator(save_dir=tmp_path / "tickets")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def server(
    tmp_path: Path, door: PrinterEmulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningCentre]:
    monkeypatch.setattr(service_module, "POLL_INTERVAL_S", 0.05)  # asked while idle, often
    config = printing_config(
        tmp_path / "centre.sqlite3", {"door": (door, 80)}, {"kiosk-door": ["door"]}
    )
    async with serve_centre(tmp_path, config=config, tokens=TOKENS) as running:
        yield running


async def admin_hello(ws: ClientConnection, token: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "admin", "token": token}))
    async with asyncio.timeout(5):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == "snapshot":
                return message


async def device_state(ws: ClientConnection, name: str, state: str) -> dict[str, Any]:
    """The next "device" message saying `name` is in `state` (fails after 5 s)."""
    async with asyncio.timeout(5):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            device: dict[str, Any] = message.get("device", {})
            if message["type"] == "device" and (device["name"], device["state"]) == (name, state):
                return device


async def test_idle_printers_are_watched_and_admins_told(
    server: RunningCentre, door: PrinterEmulator
) -> None:
    async with connect(server.ws_url) as ws:
        snapshot = await admin_hello(ws, server.tokens["admin"])
        assert [d["name"] for d in snapshot["devices"]] == ["door", "kiosk:kiosk-door"]
        queries = door.status_queries
        for state in (PrinterState.PAPER_NEAR_END, PrinterState.COVER_OPEN, PrinterState.ONLINE):
            door.state = state
            device = await device_state(ws, "door", state.value)  # found by polling alone
            assert device["up"] is (state is not PrinterState.COVER_OPEN)
            assert device["kind"] == "printer" and device["connection"] == "tcp"
        assert door.status_queries > queries
        await door.stop()  # switched off
        device = await device_state(ws, "door", "offline")
        assert "refused" in device["detail"].lower()
        kiosk = await device_state(ws, "kiosk:kiosk-door", "out_of_order")  # its only printer
        assert kiosk["up"] is False and kiosk["kiosk"] == "kiosk-door"
        assert kiosk["detail"].startswith("door: offline")


async def test_metrics_show_printer_states(server: RunningCentre, door: PrinterEmulator) -> None:
    assert server.centre.printing is not None
    door.state = PrinterState.PAPER_NEAR_END
    await server.centre.printing.refresh()
    async with Api(server.base, server.tokens["admin"]) as admin:
        status, text = await admin.get("/metrics")
        assert status == 200
        assert 'queue_device_up{device="door",kind="printer"} 1.0' in text
        assert 'queue_printer_state_info{printer="door",state="paper_near_end"} 1.0' in text
        async with Api(server.base, server.tokens["kiosk-door"]) as kiosk:
            await kiosk.post("/api/v1/tickets", {"service": "HT"})
        door.state = PrinterState.PAPER_OUT
        await server.centre.printing.refresh()
        status, text = await admin.get("/metrics")
        assert 'queue_device_up{device="door",kind="printer"} 0.0' in text
        assert 'queue_device_up{device="kiosk:kiosk-door",kind="kiosk"} 0.0' in text
        assert 'queue_printer_state_info{printer="door",state="paper_out"} 1.0' in text
        assert 'queue_tickets_printed_total{printer="door"} 1.0' in text


async def test_the_emulator_keeps_each_ticket_as_a_png(
    server: RunningCentre, door: PrinterEmulator, tmp_path: Path
) -> None:
    async with Api(server.base, server.tokens["kiosk-door"]) as kiosk:
        status, body = await kiosk.post("/api/v1/tickets", {"service": "DD", "lang": "en"})
    assert status == 201 and body["print"]["status"] == "printed"
    async with asyncio.timeout(5):
        [ticket] = await door.wait_for_tickets(1)
    saved = Image.open(tmp_path / "tickets" / "ticket-00001.png")
    image = ticket.image()
    assert image is not None and same_pixels(saved, image)
    assert qr_codes(saved) == [body["status_url"]]


async def test_print_test_prints_a_sample(tmp_path: Path, door: PrinterEmulator) -> None:
    config = tmp_path / "centre.toml"
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace("tcp://127.0.0.1:9100", door.url)
    text = text.replace("port = 8080\n", 'port = 8080\npublic_url = "http://10.0.0.5:8080"\n', 1)
    config.write_text(text, encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "queue_server.cli",
        "print-test",
        "--config",
        str(config),
        "--lang",
        "ar",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await proc.communicate()
        [ticket] = await door.wait_for_tickets(1)
    assert proc.returncode == 0, err.decode()
    assert "printer-door" in out.decode() and "printed a sample ticket" in out.decode()
    image = ticket.image()
    assert image is not None and image.width == 576
    assert qr_codes(image) == ["http://10.0.0.5:8080/s/print-test"]

    door.state = PrinterState.PAPER_OUT
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "queue_server.cli",
        "print-test",
        "--config",
        str(config),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, _ = await proc.communicate()
    assert proc.returncode == 1
    assert "not printed: paper out" in out.decode()
