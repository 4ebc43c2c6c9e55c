"""Tickets printed through the real path: HTTP API -> commit -> render -> TCP -> emulator.

The emulated printers decode what they receive; the tests compare the decoded
raster with the rendered ticket, read its QR code, and check the service name
against the reference renderings.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image

from devices.escpos.emulator import PrintedTicket, PrinterEmulator
from devices.escpos.protocol import PrinterState
from devices.escpos.render import TicketRenderer, stack
from queue_server.accounts import Role
from queue_server.config import CentreConfig
from queue_server.engine.events import Event, TicketPrinted, TicketPrintFailed
from queue_server.integrations.escpos.service import ticket_facts
from tests.support.printing import (
    REFERENCES,
    Printers,
    ink_mismatch,
    printing_config,
    qr_codes,
    same_pixels,
)
from tests.support.server import Api, RunningCentre, Token, serve_centre

TOKENS = {
    "kiosk-door": Token(Role.KIOSK),
    "kiosk-solo": Token(Role.KIOSK),
    "kiosk-plain": Token(Role.KIOSK),
}
KIOSKS = {"kiosk-door": ["door", "desk"], "kiosk-solo": ["door"]}


@pytest.fixture
async def printers() -> AsyncIterator[Printers]:
    async with Printers.running() as printers:
        yield printers


def centre_config(tmp_path: Path, printers: Printers, screen_tickets: bool = True) -> CentreConfig:
    """The printing tests' centre.  Its kiosks may show a ticket on screen when no printer
    can print (`screen_ticket_when_printers_down`), so that the tests reach the print path
    however the printers are; without it a kiosk known to be down refuses tickets."""
    config = printing_config(
        tmp_path / "centre.sqlite3",
        {"door": (printers.door, 80), "desk": (printers.desk, 58)},
        KIOSKS,
        timeout_s=0.8,
    )
    kiosks = [
        msgspec.structs.replace(k, screen_ticket_when_printers_down=screen_tickets)
        for k in config.devices.kiosks
    ]
    devices = msgspec.structs.replace(config.devices, kiosks=kiosks)
    return msgspec.structs.replace(config, devices=devices)


@pytest.fixture
async def server(tmp_path: Path, printers: Printers) -> AsyncIterator[RunningCentre]:
    config = centre_config(tmp_path, printers)
    async with serve_centre(tmp_path, config=config, tokens=TOKENS) as running:
        yield running


async def issue(
    server: RunningCentre, kiosk: str = "kiosk-door", service: str = "CT", lang: str = "vi"
) -> tuple[dict[str, Any], float]:
    """Take a ticket at a kiosk; returns the API's answer and how long it took."""
    async with Api(server.base, server.tokens[kiosk]) as api:
        started = time.perf_counter()
        status, body = await api.post("/api/v1/tickets", {"service": service, "lang": lang})
        elapsed = time.perf_counter() - started
    assert status == 201, body
    return body, elapsed


async def printed(emulator: PrinterEmulator, count: int) -> list[PrintedTicket]:
    async with asyncio.timeout(5):
        return await emulator.wait_for_tickets(count)


def last_event(server: RunningCentre) -> Event:
    return list(server.centre.log.read())[-1][1]


def expected_image(server: RunningCentre, body: dict[str, Any], paper: int) -> Image.Image:
    centre = server.centre
    ticket = centre.engine.ticket(body["id"])
    facts = ticket_facts(centre.config, centre.engine, ticket, body["status_url"])
    return stack(TicketRenderer(paper).render(facts))


def service_name_area(server: RunningCentre, body: dict[str, Any], paper: int) -> slice:
    """Rows of the printed ticket that hold the service's name (header strip, then it)."""
    centre = server.centre
    ticket = centre.engine.ticket(body["id"])
    facts = ticket_facts(centre.config, centre.engine, ticket, body["status_url"])
    header, service, *_ = TicketRenderer(paper).render(facts)
    return slice(header.image.height, header.image.height + service.image.height)


# ---------------------------------------------------------------------- the ticket


@pytest.mark.parametrize(("lang", "paper"), [("vi", 80), ("ar", 58)])
async def test_the_printed_ticket_is_the_rendered_one(
    server: RunningCentre, printers: Printers, lang: str, paper: int
) -> None:
    emulator = printers.door if paper == 80 else printers.desk
    if paper == 58:
        printers.door.state = PrinterState.COVER_OPEN  # so the 58 mm backup prints it
    body, _ = await issue(server, lang=lang)
    assert body["print"]["status"] == "printed"
    assert body["print"]["printer"] == ("door" if paper == 80 else "desk")
    assert body["status_url"] == f"{server.base}/s/{body['tracking_code']}"
    [ticket] = await printed(emulator, 1)
    image = ticket.image()
    assert image is not None
    assert same_pixels(image, expected_image(server, body, paper))
    assert qr_codes(image) == [body["status_url"]]
    assert ticket.cut is (paper == 80)  # the 58 mm profile has no cutter
    rows = service_name_area(server, body, paper)
    drawn = image.crop((0, rows.start, image.width, rows.stop))
    reference = Image.open(REFERENCES / f"service-{lang}-{paper}.png")
    assert ink_mismatch(drawn, reference) < 0.05


async def test_printed_only_after_the_ticket_is_committed(
    server: RunningCentre, printers: Printers
) -> None:
    reader = sqlite3.connect(server.centre.log.path)
    found: list[int] = []

    def check(ticket: PrintedTicket) -> None:
        image = ticket.image()
        assert image is not None
        code = qr_codes(image)[0].rsplit("/", 1)[1]
        found.append(
            reader.execute(
                "SELECT count(*) FROM events WHERE type='TicketIssued' AND CAST(body AS TEXT) LIKE ?",
                (f"%{code}%",),
            ).fetchone()[0]
        )

    printers.door.on_print = check
    for _ in range(3):
        await issue(server)
    await printed(printers.door, 3)
    reader.close()
    assert found == [1, 1, 1]
    event = last_event(server)
    assert isinstance(event, TicketPrinted) and event.printer == "door" and not event.fallback_from


async def test_one_job_at_a_time_per_printer(server: RunningCentre, printers: Printers) -> None:
    bodies = await asyncio.gather(*(issue(server) for _ in range(6)))
    assert {b["print"]["printer"] for b, _ in bodies} == {"door"}
    tickets = await printed(printers.door, 6)
    assert printers.door.most_connections == 1
    assert sorted(qr_codes(t.image())[0] for t in tickets if t.image()) == sorted(  # type: ignore[arg-type]
        b["status_url"] for b, _ in bodies
    )


async def test_a_kiosk_without_printers_gets_none(server: RunningCentre) -> None:
    body, _ = await issue(server, kiosk="kiosk-plain")
    assert body["print"] == {"status": "none", "printer": None, "error": None}
    assert body["status_url"].endswith(body["tracking_code"])


# ---------------------------------------------------------------------- faults


async def test_printer_off_before_the_job(server: RunningCentre, printers: Printers) -> None:
    await printers.door.stop()
    body, elapsed = await issue(server)
    assert elapsed < 2
    assert body["print"]["status"] == "printed" and body["print"]["printer"] == "desk"
    event = last_event(server)
    assert isinstance(event, TicketPrinted)
    assert event.printer == "desk" and event.fallback_from == ["door"]
    assert "offline" in event.reason
    await printed(printers.desk, 1)

    body, elapsed = await issue(server, kiosk="kiosk-solo")  # no backup: shown on screen
    assert elapsed < 2
    assert body["print"]["status"] == "failed" and body["print"]["printer"] is None
    assert "door: offline" in body["print"]["error"]
    event = last_event(server)
    assert isinstance(event, TicketPrintFailed)
    assert event.ticket == body["id"] and event.printers_tried == ["door"]

    await printers.door.start()  # back on
    body, _ = await issue(server)
    assert body["print"]["printer"] == "door"
    await printed(printers.door, 1)


async def test_paper_out_mid_day(server: RunningCentre, printers: Printers) -> None:
    await issue(server)
    await printed(printers.door, 1)
    printers.door.state = PrinterState.PAPER_OUT
    body, elapsed = await issue(server)
    assert elapsed < 2
    assert body["print"]["printer"] == "desk"
    event = last_event(server)
    assert isinstance(event, TicketPrinted) and event.fallback_from == ["door"]
    assert "paper out" in event.reason
    assert server.centre.printing is not None
    assert server.centre.printing.drivers["door"].status.state is PrinterState.PAPER_OUT
    assert printers.door.printed == 1

    printers.door.state = PrinterState.ONLINE  # a new roll
    body, _ = await issue(server)
    assert body["print"]["printer"] == "door"
    await printed(printers.door, 2)


async def test_connection_dropped_mid_job(server: RunningCentre, printers: Printers) -> None:
    printers.door.drop_next_job()
    body, elapsed = await issue(server)
    assert elapsed < 2
    assert body["print"]["printer"] == "desk"
    event = last_event(server)
    assert isinstance(event, TicketPrinted) and event.fallback_from == ["door"]
    assert "connection" in event.reason
    assert printers.door.printed == 0  # the torn half is not a ticket
    [ticket] = await printed(printers.desk, 1)
    assert ticket.image() is not None and qr_codes(ticket.image()) == [body["status_url"]]  # type: ignore[arg-type]

    body, _ = await issue(server)
    assert body["print"]["printer"] == "door"
    await printed(printers.door, 1)


async def test_status_never_answered(server: RunningCentre, printers: Printers) -> None:
    printers.door.state = PrinterState.NOT_ANSWERING
    printers.desk.state = PrinterState.NOT_ANSWERING
    body, elapsed = await issue(server)
    assert elapsed < 2
    assert body["print"]["status"] == "failed"
    assert "not answering" in body["print"]["error"]
    event = last_event(server)
    assert isinstance(event, TicketPrintFailed)
    assert event.printers_tried == ["door", "desk"]
    assert printers.door.printed == printers.desk.printed == 0

    printers.door.state = PrinterState.ONLINE
    body, _ = await issue(server)
    assert body["print"]["printer"] == "door"
    await printed(printers.door, 1)


async def test_a_kiosk_whose_printers_are_all_down_refuses_tickets(
    tmp_path: Path, printers: Printers
) -> None:
    """By default a kiosk that cannot print hands out nothing (its page sends citizens to
    the reception desk); a ticket it would only show on screen is refused, not issued."""
    config = centre_config(tmp_path, printers, screen_tickets=False)
    async with serve_centre(tmp_path, config=config, tokens=TOKENS) as server:
        printing = server.centre.printing
        assert printing is not None
        await printers.door.stop()
        await printing.refresh()  # as the server's own polling finds it
        body, _ = await issue(server, kiosk="kiosk-door")
        assert body["print"]["printer"] == "desk"  # one printer left: still a kiosk
        async with Api(server.base, server.tokens["kiosk-solo"]) as kiosk:
            status, refused = await kiosk.post("/api/v1/tickets", {"service": "CT"})
        assert (status, refused["error"]["code"]) == (503, "kiosk_out_of_order")
        assert server.centre.engine.state.issued_today == 1  # nothing issued for it

        await printers.door.start()
        await printing.refresh()
        body, _ = await issue(server, kiosk="kiosk-solo")
        assert body["print"]["printer"] == "door"
