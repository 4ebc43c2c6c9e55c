"""Volunteers' tablets (`/assist`): a volunteer logs in with a password, issues a ticket for
the citizen in front of them, printed on the hall's printer they pick or shown on the
tablet; the event names the volunteer; volunteers are rate-limited like kiosks."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devices.escpos.protocol import PrinterState
from queue_server.accounts import AccountStore, Role
from queue_server.config import load_config
from queue_server.engine.events import TicketIssued, TicketPrinted, TicketPrintFailed
from tests.support.centre import REPO_ROOT
from tests.support.printing import Printers, printing_config, qr_codes
from tests.support.server import Api, RunningCentre, serve_centre


@dataclass
class Hall:
    """A centre with two printers in its hall ("door", "desk") and a volunteer, hoa."""

    server: RunningCentre
    printers: Printers


@pytest.fixture
async def hall(tmp_path: Path) -> AsyncIterator[Hall]:
    async with Printers.running() as printers:
        emulated = {"door": (printers.door, 80), "desk": (printers.desk, 58)}
        config = printing_config(tmp_path / "centre.sqlite3", emulated, {"kiosk-door": ["door"]})
        people = {"hoa": Role.VOLUNTEER}
        async with serve_centre(tmp_path, config=config, people=people) as server:
            yield Hall(server, printers)


async def volunteer(server: RunningCentre) -> Api:
    api = Api(server.base)
    await api.login("hoa")
    return api


def events_of(server: RunningCentre, kind: type) -> list:  # type: ignore[type-arg]
    return [e for _, e in server.centre.log.read() if isinstance(e, kind)]


async def test_a_volunteer_sees_the_printers_and_prints_on_the_one_picked(hall: Hall) -> None:
    server, printers = hall.server, hall.printers
    api = await volunteer(server)
    async with api:
        status, body = await api.get("/api/v1/devices/printers")
        assert status == 200, body
        assert [p["name"] for p in body["printers"]] == ["door", "desk"]
        status, ticket = await api.post(
            "/api/v1/tickets", {"service": "HT", "lang": "en", "printer": "desk"}
        )
        assert status == 201, ticket
        assert ticket["print"] == {"status": "printed", "printer": "desk", "error": None}
    async with asyncio.timeout(5):
        [paper] = await printers.desk.wait_for_tickets(1)
    image = paper.image()
    assert image is not None
    assert qr_codes(image) == [ticket["status_url"]]
    assert not printers.door.tickets
    [issued] = events_of(server, TicketIssued)
    assert (issued.actor.kind, issued.actor.id) == ("volunteer", "hoa")
    [done] = events_of(server, TicketPrinted)
    assert (done.actor.kind, done.actor.id, done.printer) == ("volunteer", "hoa", "desk")


async def test_without_a_printer_or_with_one_down_the_tablet_shows_the_ticket(hall: Hall) -> None:
    server, printers = hall.server, hall.printers
    api = await volunteer(server)
    async with api:
        status, shown = await api.post("/api/v1/tickets", {"service": "HT"})
        assert status == 201 and shown["print"]["status"] == "none", shown
        printers.desk.state = PrinterState.PAPER_OUT
        status, failed = await api.post("/api/v1/tickets", {"service": "HT", "printer": "desk"})
        assert status == 201 and failed["print"]["status"] == "failed", failed
        # The QR of the status page, for the citizen to photograph, from the same mechanism.
        status, svg = await api.get(f"/s/{failed['tracking_code']}/qr.svg")
        assert status == 200 and b"<svg" in svg
    [failure] = events_of(server, TicketPrintFailed)
    assert failure.actor.id == "hoa" and failure.printers_tried == ["desk"]


async def test_a_volunteer_names_only_a_real_printer(hall: Hall) -> None:
    server = hall.server
    api = await volunteer(server)
    async with api:
        status, body = await api.post("/api/v1/tickets", {"service": "HT", "printer": "attic"})
        assert status == 422 and body["error"]["code"] == "unknown_printer", body
        status, body = await api.post("/api/v1/tickets", {"service": "HT", "printer": "a b"})
        assert status == 422, body
    assert events_of(server, TicketIssued) == []


async def test_volunteers_are_rate_limited_like_kiosks(tmp_path: Path) -> None:
    security = {"kiosk_tickets_per_minute": 1.0, "kiosk_ticket_burst": 2}
    async with serve_centre(
        tmp_path, people={"hoa": Role.VOLUNTEER, "minh": Role.VOLUNTEER}, security=security
    ) as server:
        hoa, minh = Api(server.base), Api(server.base)
        async with hoa, minh:
            await hoa.login("hoa")
            await minh.login("minh")
            answers = [await hoa.post("/api/v1/tickets", {"service": "HT"}) for _ in range(3)]
            assert [status for status, _ in answers] == [201, 201, 429], answers
            assert int(answers[2][1]["error"]["message"].split()[-2]) >= 1
            status, _ = await minh.post("/api/v1/tickets", {"service": "HT"})
            assert status == 201  # each volunteer has their own bucket


async def test_a_volunteer_account_is_made_on_the_command_line(tmp_path: Path) -> None:
    config = REPO_ROOT / "examples" / "ward-center.toml"
    db = tmp_path / "centre.sqlite3"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "queue_server.cli", "user", "add", "hoa", "--role", "volunteer", "--password-stdin",
        "--config", str(config), "--db", str(db),
        stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate(b"a long enough password\n")
    assert process.returncode == 0, err
    store = AccountStore(load_config(config).store.accounts_file(db))
    user = store.user("hoa")
    store.close()
    assert user is not None and user.role is Role.VOLUNTEER
    assert user.password_hash.startswith("$argon2id$")


async def test_an_admin_adds_a_volunteer_and_a_robots_token(tmp_path: Path) -> None:
    async with (
        serve_centre(tmp_path, people={"boss": Role.ADMIN}) as server,
        Api(server.base) as boss,
    ):
        await boss.login("boss")
        status, body = await boss.post(
            "/api/v1/users",
            {"username": "minh", "password": "a long enough password", "role": "volunteer"},
        )
        assert status == 201 and body["user"]["role"] == "volunteer", body
        status, body = await boss.post("/api/v1/tokens", {"role": "assistant", "name": "robot-1"})
        assert status == 201 and body["info"]["role"] == "assistant", body
        async with Api(server.base, body["token"]) as robot:
            status, ticket = await robot.post("/api/v1/tickets", {"service": "HT"})
            assert status == 201 and "say" in ticket, ticket
