"""A closed centre, over real HTTP: the refusal and the centre's answer say when it opens.

The example centre's hours (weekdays 07:30-12:00 and 13:00-17:00, Saturday 07:30-11:30,
Hanoi time) are enforced, and the dispatcher's clock is moved to a moment of the test's
choosing (in the future: the clock never runs behind the log's last event).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest

from queue_server.accounts import Role
from tests.support.centre import example_config
from tests.support.server import Api, RunningCentre, Token, serve_centre

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SATURDAY_NOON = datetime(2030, 7, 20, 12, 0, tzinfo=HANOI).timestamp()
TUESDAY_9AM = datetime(2031, 7, 22, 9, 0, tzinfo=HANOI).timestamp()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningCentre]:
    config = example_config(tmp_path / "centre.sqlite3")
    config = msgspec.structs.replace(
        config, hours=msgspec.structs.replace(config.hours, enforce=True)
    )
    tokens = {"kiosk-1": Token(Role.KIOSK)}
    async with serve_centre(tmp_path, config=config, tokens=tokens) as running:
        yield running


def set_clock(server: RunningCentre, at: float) -> None:
    server.centre.dispatcher._clock = lambda: at


async def test_a_ticket_refused_outside_the_hours_says_when_the_centre_opens(
    server: RunningCentre,
) -> None:
    set_clock(server, SATURDAY_NOON)
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk:
        status, body = await kiosk.post("/api/v1/tickets", {"service": "HT", "lang": "ar"})
    assert status == 409, body
    assert body == {
        "error": {
            "code": "centre_closed",
            "message": "the centre is closed now; it opens Monday at 07:30",
            "opens_at": "2030-07-22T07:30:00+07:00",
        }
    }


async def test_other_refusals_keep_their_body(server: RunningCentre) -> None:
    set_clock(server, TUESDAY_9AM)
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk:
        status, body = await kiosk.post("/api/v1/tickets", {"service": "NOPE"})
    assert status == 404
    assert set(body["error"]) == {"code", "message"}


async def test_the_centre_says_whether_it_is_open_and_when_it_opens(
    server: RunningCentre,
) -> None:
    async with Api(server.base) as anyone:
        set_clock(server, SATURDAY_NOON)
        status, closed = await anyone.get("/api/v1/centre")
        assert status == 200
        assert (closed["open_now"], closed["opens_at"]) == (False, "2030-07-22T07:30:00+07:00")
        set_clock(server, TUESDAY_9AM)
        status, opened = await anyone.get("/api/v1/centre")
        assert (opened["open_now"], opened["opens_at"]) == (True, None)


async def test_the_api_document_describes_opens_at(server: RunningCentre) -> None:
    async with Api(server.base) as anyone:
        status, doc = await anyone.get("/api/v1/openapi.json")
    assert status == 200
    schemas = doc["components"]["schemas"]
    assert "opens_at" in schemas["Error"]["properties"]["error"]["properties"]
    assert {"open_now", "opens_at"} <= set(schemas["Centre"]["properties"])
