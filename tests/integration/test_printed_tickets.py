"""The admin's view of the last printed tickets: kiosk -> print service -> emulator, then
the list and each ticket's image through the API, compared dot for dot with what the
emulated printer decoded (and saved)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from PIL import Image

from devices.escpos import render
from devices.escpos.emulator import PrintedTicket, PrinterEmulator
from devices.escpos.protocol import PrinterState
from devices.escpos.render import TicketRenderer, stack
from queue_server.accounts import Role
from queue_server.integrations.escpos import recent as recent_module
from queue_server.integrations.escpos.service import ticket_facts
from tests.support.printing import (
    Printers,
    holds_strip,
    printing_config,
    qr_codes,
    same_pixels,
)
from tests.support.server import Api, RunningCentre, Token, serve_centre

TOKENS = {"kiosk-door": Token(Role.KIOSK), "kiosk-solo": Token(Role.KIOSK)}
PEOPLE = {"admin": Role.ADMIN, "giamsat": Role.SUPERVISOR, "lan": Role.STAFF}
LIST = "/api/v1/devices/printers/tickets"


@pytest.fixture
async def printers(tmp_path: Path) -> AsyncIterator[Printers]:
    async with Printers.running(tmp_path / "saved") as printers:
        yield printers


@pytest.fixture
async def server(tmp_path: Path, printers: Printers) -> AsyncIterator[RunningCentre]:
    config = printing_config(
        tmp_path / "centre.sqlite3",
        {"door": (printers.door, 80), "desk": (printers.desk, 58)},
        {"kiosk-door": ["door", "desk"], "kiosk-solo": ["door"]},
        timeout_s=0.8,
    )
    async with serve_centre(tmp_path, config=config, tokens=TOKENS, people=PEOPLE) as running:
        yield running


async def issue(server: RunningCentre, kiosk: str, service: str, lang: str) -> dict[str, Any]:
    async with Api(server.base, server.tokens[kiosk]) as api:
        status, body = await api.post("/api/v1/tickets", {"service": service, "lang": lang})
    assert status == 201, body
    result: dict[str, Any] = body
    return result


async def printed(emulator: PrinterEmulator, count: int) -> list[PrintedTicket]:
    async with asyncio.timeout(5):
        return await emulator.wait_for_tickets(count)


async def png(api: Api, url: str) -> tuple[int, dict[str, str], bytes]:
    async with api.session.get(api.base + url) as response:
        return response.status, dict(response.headers), await response.read()


async def test_admin_sees_the_last_tickets_and_the_images_sent(
    server: RunningCentre, printers: Printers, tmp_path: Path
) -> None:
    first = await issue(server, "kiosk-door", "CT", "vi")
    printers.door.state = PrinterState.COVER_OPEN  # the 58 mm backup prints the next one
    second = await issue(server, "kiosk-door", "HT", "ar")
    printers.door.state = PrinterState.ONLINE
    third = await issue(server, "kiosk-door", "DD", "en")
    printers.door.state = PrinterState.PAPER_OUT  # a kiosk with no backup: not printed
    fourth = await issue(server, "kiosk-solo", "CU", "vi")
    assert [t["print"]["status"] for t in (first, second, third, fourth)] == [
        "printed",
        "printed",
        "printed",
        "failed",
    ]
    on_door = await printed(printers.door, 2)
    [on_desk] = await printed(printers.desk, 1)
    emulated = {first["id"]: on_door[0], second["id"]: on_desk, third["id"]: on_door[1]}
    saved = {
        first["id"]: tmp_path / "saved" / "door" / "ticket-00001.png",
        second["id"]: tmp_path / "saved" / "desk" / "ticket-00001.png",
        third["id"]: tmp_path / "saved" / "door" / "ticket-00002.png",
    }

    async with Api(server.base) as admin:
        await admin.login("admin")
        status, body = await admin.get(LIST)
        assert status == 200, body
        tickets = body["tickets"]
        # Newest first, with what was printed where.
        assert [t["ticket"] for t in tickets] == [
            fourth["id"],
            third["id"],
            second["id"],
            first["id"],
        ]
        assert [t["number"] for t in tickets] == [
            fourth["number"],
            third["number"],
            second["number"],
            first["number"],
        ]
        assert [t["id"] for t in tickets] == sorted((t["id"] for t in tickets), reverse=True)
        assert [(t["status"], t["printer"]) for t in tickets] == [
            ("failed", None),
            ("printed", "door"),
            ("printed", "desk"),
            ("printed", "door"),
        ]
        assert tickets[2]["printers_tried"] == ["door"] and "cover open" in tickets[2]["reason"]
        assert tickets[0]["printers_tried"] == ["door"] and "paper out" in tickets[0]["reason"]
        assert [t["paper_mm"] for t in tickets] == [80, 80, 58, 80]
        assert [t["lang"] for t in tickets] == ["vi", "en", "ar", "vi"]
        assert tickets[0]["at"].endswith("+07:00")

        for listed in tickets:
            status, headers, data = await png(admin, listed["image_url"])
            assert status == 200
            assert headers["Content-Type"] == "image/png"
            assert headers["Cache-Control"] == "no-store"
            image = Image.open(io.BytesIO(data))
            image.load()
            if listed["status"] == "printed":
                sent = emulated[listed["ticket"]].image()
                assert sent is not None and same_pixels(image, sent)
                assert same_pixels(image, Image.open(saved[listed["ticket"]]))
            else:  # not printed: the ticket drawn for the printer that could not
                centre = server.centre
                ticket = centre.engine.ticket(fourth["id"])
                facts = ticket_facts(centre.config, centre.engine, ticket, fourth["status_url"])
                assert same_pixels(image, stack(TicketRenderer(80).render(facts)))
            assert qr_codes(image) == [
                t["status_url"]
                for t in (first, second, third, fourth)
                if t["id"] == listed["ticket"]
            ]
        # Asked again: the same bytes (encoded once).
        assert (await png(admin, tickets[1]["image_url"]))[2] == (
            await png(admin, tickets[1]["image_url"])
        )[2]

        status, body = await admin.get("/api/v1/devices/printers/tickets/999.png")
        assert status == 404 and body["error"]["code"] == "unknown_printed_ticket"

    # Supervisors too; nobody else (every role is checked in test_access_matrix).
    async with (
        Api(server.base) as supervisor,
        Api(server.base) as staff,
        Api(server.base) as nobody,
    ):
        await supervisor.login("giamsat")
        status, body = await supervisor.get(LIST)
        assert status == 200 and len(body["tickets"]) == 4
        assert (await png(supervisor, tickets[0]["image_url"]))[0] == 200
        await staff.login("lan", counter=1)
        assert (await staff.get(LIST))[0] == 403
        assert (await png(staff, tickets[0]["image_url"]))[0] == 403
        assert (await nobody.get(LIST))[0] == 401
        assert (await png(nobody, tickets[0]["image_url"]))[0] == 401
    async with Api(server.base, server.tokens["kiosk-door"]) as kiosk:
        assert (await kiosk.get(LIST))[0] == 403


@pytest.fixture
def keep_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recent_module, "KEEP", 3)


@pytest.mark.usefixtures("keep_three")
async def test_only_the_last_few_are_kept(server: RunningCentre, printers: Printers) -> None:
    issued = [await issue(server, "kiosk-door", "CT", "vi") for _ in range(5)]
    await printed(printers.door, 5)
    async with Api(server.base) as admin:
        await admin.login("admin")
        _, body = await admin.get(LIST)
        assert [t["ticket"] for t in body["tickets"]] == [t["id"] for t in reversed(issued[2:])]
        ids = [t["id"] for t in body["tickets"]]
        assert ids == [5, 4, 3]
        status, gone = await admin.get("/api/v1/devices/printers/tickets/1.png")
        assert status == 404 and gone["error"]["code"] == "unknown_printed_ticket"


BOOKED_AT = datetime(2030, 1, 7, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.mark.parametrize(
    ("lang", "said"),
    [("vi", "Đã đặt lịch 09:30"), ("en", "Booked for 09:30"), ("ar", "موعد محجوز 09:30")],
)
async def test_a_booked_ticket_says_so_on_paper(
    tmp_path: Path, printers: Printers, lang: str, said: str
) -> None:
    """The kiosk's check-in prints the booking's slot in a band of its own, in the
    citizen's language; a walk-in's ticket has no such band."""
    config = printing_config(
        tmp_path / "centre.sqlite3", {"door": (printers.door, 80)}, {"kiosk-door": ["door"]}
    )
    booking = msgspec.structs.replace(config.appointments, enabled=True)
    config = msgspec.structs.replace(config, appointments=booking)
    async with serve_centre(tmp_path, config=config, tokens=TOKENS) as server:
        server.centre.dispatcher._clock = lambda: BOOKED_AT.timestamp() - 3600
        async with Api(server.base) as citizen:
            status, booked = await citizen.post(
                "/api/v1/appointments",
                {
                    "service": "HT",
                    "start": BOOKED_AT.isoformat(),
                    "phone": "0912345678",
                    "lang": lang,
                },
            )
        assert status == 201, booked
        walk_in = await issue(server, "kiosk-door", "HT", lang)
        server.centre.dispatcher._clock = lambda: BOOKED_AT.timestamp() - 600
        async with Api(server.base, server.tokens["kiosk-door"]) as kiosk:
            status, ticket = await kiosk.post(f"/api/v1/appointments/{booked['code']}/check-in")
        assert status == 201, ticket
        assert ticket["print"]["status"] == "printed"
        assert ticket["booked_for"] == "2030-01-07T09:30:00+07:00"
        assert walk_in["booked_for"] is None
        on_walk_in, on_booked = (t.image() for t in await printed(printers.door, 2))
        assert on_walk_in is not None and on_booked is not None

    assert render.booked_text(lang, "09:30") == said
    band = TicketRenderer(80).booked_strip(lang, "09:30").image
    assert holds_strip(on_booked, band)
    assert not holds_strip(on_walk_in, band)
    assert not holds_strip(on_booked, TicketRenderer(80).booked_strip(lang, "10:00").image)


async def test_the_chosen_procedures_papers_are_printed(
    server: RunningCentre, printers: Printers
) -> None:
    """The kiosk passes the procedure the finder named; the printed ticket lists its papers
    in the ticket's language, under their heading.  A procedure the service does not have
    is a 422 and issues nothing."""
    async with Api(server.base, server.tokens["kiosk-door"]) as kiosk:
        status, chosen = await kiosk.post(
            "/api/v1/tickets", {"service": "HT", "lang": "en", "procedure": "khai-sinh"}
        )
        assert status == 201, chosen
        assert chosen["procedure"] == "khai-sinh"
        status, plain = await kiosk.post("/api/v1/tickets", {"service": "HT", "lang": "en"})
        assert status == 201 and plain["procedure"] is None
        before = server.centre.log.last_seq
        for body in (
            {"service": "HT", "procedure": "no-such"},
            {"service": "HT", "procedure": "ban-sao"},  # certified copies' (CT), not HT's
        ):
            status, refused = await kiosk.post("/api/v1/tickets", body)
            assert (status, refused["error"]["code"]) == (422, "unknown_procedure"), refused
        assert server.centre.log.last_seq == before
        status, tracked = await kiosk.get(f"/api/v1/tickets/{chosen['tracking_code']}")
    assert status == 200, tracked
    papers = tracked["papers"]["papers"]["en"]
    assert papers[0] == "Birth registration form"
    assert tracked["papers"]["name"]["vi"] == "Đăng ký khai sinh"
    on_chosen, on_plain = (t.image() for t in await printed(printers.door, 2))
    assert on_chosen is not None and on_plain is not None
    strip = TicketRenderer(80).papers_strip("en", papers).image
    assert holds_strip(on_chosen, strip)
    assert not holds_strip(on_plain, strip)
    assert on_chosen.height > on_plain.height
