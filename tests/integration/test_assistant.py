"""The robot's API: an assistant token searches, issues (printing on its own printers, as a
kiosk), reads the waits and a ticket's status, and every answer it would speak carries
`say` in the language asked, with the ticket number read as the hall reads it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from queue_server.accounts import Role
from queue_server.engine.events import TicketIssued, TicketPrinted
from tests.support.printing import Printers, printing_config
from tests.support.server import Api, RunningCentre, Token, serve_centre

TOKENS = {"robot-1": Token(Role.ASSISTANT), "robot-2": Token(Role.ASSISTANT)}


@dataclass
class Hall:
    server: RunningCentre
    printers: Printers
    robot: Api
    admin: Api


@pytest.fixture
async def hall(tmp_path: Path) -> AsyncIterator[Hall]:
    """The robot `robot-1` prints on the door printer (its `[[devices.kiosks]]` entry);
    `robot-2` has no printer."""
    async with Printers.running() as printers:
        emulated = {"door": (printers.door, 80), "desk": (printers.desk, 58)}
        config = printing_config(tmp_path / "centre.sqlite3", emulated, {"robot-1": ["door"]})
        people = {"boss": Role.ADMIN}
        async with serve_centre(tmp_path, config=config, tokens=TOKENS, people=people) as server:
            robot, admin = Api(server.base, server.tokens["robot-1"]), Api(server.base)
            async with robot, admin:
                await admin.login("boss")
                yield Hall(server, printers, robot, admin)


async def test_search_says_the_service_the_procedure_and_the_papers(hall: Hall) -> None:
    status, body = await hall.robot.get("/api/v1/services/search?q=lam%20giay%20khai%20sinh")
    assert status == 200, body
    assert body["say"] == (
        "Thủ tục Đăng ký khai sinh thuộc lĩnh vực Hộ tịch. Hộ tịch: chưa có quầy nào mở."
        " Quý khách cần mang: Tờ khai đăng ký khai sinh, Giấy chứng sinh do bệnh viện cấp,"
        " Căn cước của cha hoặc mẹ, Giấy chứng nhận kết hôn của cha mẹ (nếu có)."
    )
    status, body = await hall.robot.get("/api/v1/services/search?q=birth%20registration&lang=en")
    assert status == 200 and body["say"].startswith("Birth registration is handled by"), body
    status, body = await hall.robot.get("/api/v1/services/search?q=zzzzqqqq&lang=ar")
    assert status == 200 and body["results"] == [], body
    assert body["say"] == "عذراً، لم أجد هذا الإجراء. يرجى السؤال في مكتب الاستقبال."
    # Nobody else is read to: the field is not there at all.
    status, body = await hall.admin.get("/api/v1/services/search?q=khai%20sinh")
    assert status == 200 and "say" not in body


async def test_a_ticket_issued_by_the_robot_prints_on_its_printer_and_is_read_out(
    hall: Hall,
) -> None:
    status, _ = await hall.admin.post("/api/v1/counters/1/open")
    assert status == 200
    for _ in range(4):
        status, _ = await hall.admin.post("/api/v1/tickets", {"service": "HT"})
        assert status == 201
    status, ticket = await hall.robot.post("/api/v1/tickets", {"service": "HT", "lang": "vi"})
    assert status == 201, ticket
    assert ticket["number"] == "A005" and ticket["print"]["printer"] == "door", ticket
    assert ticket["say"] == (
        "Số của quý khách là A không không năm, còn khoảng 4 người trước quý khách,"
        " mời ngồi chờ. Mời quý khách nhận phiếu ở máy in."
    )
    issued = [e for _, e in hall.server.centre.log.read() if isinstance(e, TicketIssued)]
    assert (issued[-1].actor.kind, issued[-1].actor.id) == ("assistant", "robot-1")
    printed = [e for _, e in hall.server.centre.log.read() if isinstance(e, TicketPrinted)]
    assert [(e.printer, e.actor.id) for e in printed] == [("door", "robot-1")]
    # Its status, asked in English by its tracking code.
    code = ticket["tracking_code"]
    status, body = await hall.robot.get(f"/api/v1/tickets/{code}?lang=en")
    assert status == 200, body
    assert re.fullmatch(
        r"Number A, zero zero five: about 4 people before you, about \d+ minutes\.", body["say"]
    ), body["say"]
    status, body = await hall.robot.get(f"/api/v1/tickets/{code}")
    assert body["say"].startswith("Số A không không năm: còn khoảng 4 người"), body
    # Called: where to go.
    status, _ = await hall.admin.post("/api/v1/counters/1/call", {"ticket": "A005"})
    assert status == 200
    status, body = await hall.robot.get(f"/api/v1/tickets/{code}?lang=vi")
    assert body["say"] == "Số A không không năm đã được gọi, mời quý khách đến quầy 1."


async def test_the_waits_read_out_line_by_line(hall: Hall) -> None:
    await hall.admin.post("/api/v1/counters/1/open")
    await hall.admin.post("/api/v1/tickets", {"service": "HT"})
    status, body = await hall.robot.get("/api/v1/services?lang=en")
    assert status == 200, body
    sentences = body["say"]
    assert re.search(r"Civil status: 1 waiting, about \d+ minutes\.", sentences), sentences
    assert "Land: no counter open." in sentences
    assert len(re.findall(r"\.( |$)", sentences)) == len(body["services"])
    status, body = await hall.admin.get("/api/v1/services?lang=en")
    assert status == 200 and "say" not in body


async def test_a_robot_without_printers_still_issues_and_says_so(hall: Hall) -> None:
    async with Api(hall.server.base, hall.server.tokens["robot-2"]) as robot:
        status, ticket = await robot.post("/api/v1/tickets", {"service": "CT", "lang": "en"})
        assert status == 201 and ticket["print"]["status"] == "none", ticket
        assert ticket["say"] == (
            "Your number is B, zero zero one. No counter is open for this service yet;"
            " you will be called when one opens."
        )
        status, body = await robot.post("/api/v1/tickets", {"service": "CT", "printer": "desk"})
        assert status == 422 and body["error"]["code"] == "printer_not_chosen_here", body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services?lang=xx",
        "/api/v1/services/search?q=khai%20sinh&lang=klingon",
        "/api/v1/tickets/{code}?lang=%00",
    ],
)
async def test_a_language_the_centre_lacks_is_a_422(hall: Hall, path: str) -> None:
    _, ticket = await hall.admin.post("/api/v1/tickets", {"service": "HT"})
    status, body = await hall.robot.get(path.format(code=ticket["tracking_code"]))
    assert status == 422 and body["error"]["code"] == "unknown_language", body
