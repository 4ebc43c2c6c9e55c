"""What a counter's staff see at a glance, over real TCP: the times of the current ticket,
the day's tally, the absent citizens they may reactivate, and why a ticket was called out
of order (kept in the event log, for whoever reviews the day)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
import pytest

from queue_server.accounts import Role
from tests.support.server import Api, RunningCentre, Token, serve_centre

PEOPLE = {"lan": Role.STAFF}
TOKENS = {"kiosk-1": Token(Role.KIOSK)}


@pytest.fixture
async def server(tmp_path: Path) -> RunningCentre:  # type: ignore[misc]
    async with serve_centre(tmp_path, people=PEOPLE, tokens=TOKENS) as running:
        yield running


async def test_a_call_out_of_order_keeps_its_reason(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk, Api(server.base) as staff:
        for _ in range(2):
            await kiosk.post("/api/v1/tickets", {"service": "HT"})
        await staff.login("lan", counter=1)
        assert (await staff.post("/api/v1/counters/1/open"))[0] == 200
        reason = "cụ già đứng không vững"
        status, body = await staff.post(
            "/api/v1/counters/1/call", {"ticket": "A002", "reason": reason}
        )
        assert status == 200, body
        status, body = await staff.post("/api/v1/counters/1/call", {"ticket": "A001", "reason": 7})
        assert status == 422 and body["error"]["code"] == "invalid_body", body
        status, body = await staff.post(
            "/api/v1/counters/1/call", {"ticket": "A001", "reason": "x" * 201}
        )
        assert status == 422 and body["error"]["code"] == "invalid_body", body
    reader = sqlite3.connect(server.centre.log.path)
    bodies = [
        msgspec.json.decode(row[0])
        for row in reader.execute("SELECT body FROM events WHERE type='TicketCalled'")
    ]
    reader.close()
    assert [(b["reason"], b["note"]) for b in bodies] == [("chosen", reason)]


async def test_the_counter_shows_its_times_tally_and_absent_citizens(
    server: RunningCentre,
) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk, Api(server.base) as staff:
        for _ in range(3):
            await kiosk.post("/api/v1/tickets", {"service": "HT"})
        await staff.login("lan", counter=1)
        await staff.post("/api/v1/counters/1/open")
        status, called = await staff.post("/api/v1/counters/1/next")
        assert called["ticket"]["called_at"] and called["ticket"]["started_at"] is None
        status, started = await staff.post("/api/v1/counters/1/start")
        assert started["ticket"]["started_at"] >= started["ticket"]["called_at"]
        status, done = await staff.post("/api/v1/counters/1/done")
        assert done["counter"]["served_today"] == 1
        await staff.post("/api/v1/counters/1/next")
        status, absent = await staff.post("/api/v1/counters/1/no-show")
        assert [t["number"] for t in absent["counter"]["absent"]] == ["A002"]
        ticket = absent["counter"]["absent"][0]["id"]
        status, back = await staff.post(f"/api/v1/tickets/{ticket}/reactivate")
        assert status == 200 and back["ticket"]["status"] == "waiting", back
        status, counters = await staff.get("/api/v1/counters")
        mine = next(c for c in counters["counters"] if c["id"] == 1)
        assert (mine["served_today"], mine["absent"]) == (1, [])


async def test_logging_in_at_a_held_counter_names_who_holds_it(tmp_path: Path) -> None:
    people = {"lan": Role.STAFF, "hung": Role.STAFF}
    async with (
        serve_centre(tmp_path, people=people) as server,
        Api(server.base) as lan,
        Api(server.base) as hung,
        Api(server.base) as again,
        Api(server.base) as later,
    ):
        assert (await lan.login("lan", counter=1))["also_here"] == []
        assert (await hung.login("hung", counter=2))["also_here"] == []
        assert (await again.login("hung", counter=1))["also_here"] == ["lan"]
        assert (await lan.post("/api/v1/logout"))[0] == 204
        assert (await later.login("lan", counter=1))["also_here"] == ["hung"]


async def test_supervisors_see_who_is_at_each_counter_and_the_target_wait(
    tmp_path: Path,
) -> None:
    people = {"lan": Role.STAFF, "giamsat": Role.SUPERVISOR}
    async with (
        serve_centre(tmp_path, people=people) as server,
        Api(server.base) as lan,
        Api(server.base) as boss,
    ):
        await lan.login("lan", counter=2)
        await boss.login("giamsat")
        status, body = await boss.get("/api/v1/counters/people")
        assert status == 200, body
        at = {row["counter"]: row["people"] for row in body["counters"]}
        assert at[2] == ["lan"] and at[1] == []
        assert (await lan.get("/api/v1/counters/people"))[0] == 403
        status, centre = await boss.get("/api/v1/centre")
        assert centre["queue"]["target_wait_minutes"] == 20
