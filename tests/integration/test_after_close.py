"""After the day's close: a citizen's page still says how their ticket ended, and someone
served at 23:59 may still rate the service, for `[queue] after_close_hours`.

The dispatcher's clock is moved across midnight, as time would move it; the server and
its clients are real (HTTP, /ws, the log file).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from queue_server.accounts import Role
from queue_server.engine import Actor
from queue_server.engine import commands as c
from queue_server.engine import errors as err
from queue_server.reports import day_report
from tests.support.server import Api, RunningCentre, Token, serve_centre

STAFF = Actor("staff", "test")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningCentre]:
    async with serve_centre(tmp_path, tokens={"kiosk": Token(Role.KIOSK)}) as running:
        yield running


@dataclass
class ClosedDay:
    served: dict[str, Any]
    waiting: dict[str, Any]
    midnight: float
    clock: list[float]


async def a_day_that_ends(server: RunningCentre) -> ClosedDay:
    """At 23:58 one citizen is served and one still waits; then midnight closes the day."""
    dispatcher = server.centre.dispatcher
    midnight = server.centre.engine.state.day_ends_at
    clock = [midnight - 120.0]
    dispatcher._clock = lambda: clock[0]
    await dispatcher.execute(c.OpenCounter(counter=1), STAFF)
    async with Api(server.base, server.tokens["kiosk"]) as kiosk:
        served = (await kiosk.post("/api/v1/tickets", {"service": "HT"}))[1]
        waiting = (await kiosk.post("/api/v1/tickets", {"service": "HT"}))[1]
    await dispatcher.execute(c.CallNext(counter=1), STAFF)
    await dispatcher.execute(c.StartService(counter=1), STAFF)
    await dispatcher.execute(c.Finish(counter=1), STAFF)
    clock[0] = midnight + 60.0
    await dispatcher.housekeep()  # as the server's timer does: the day closes
    return ClosedDay(served, waiting, midnight, clock)


async def test_the_page_says_how_the_ticket_ended_and_a_late_rating_counts(
    server: RunningCentre,
) -> None:
    day = await a_day_that_ends(server)
    async with Api(server.base) as phone:
        status, body = await phone.get(f"/api/v1/tickets/{day.waiting['tracking_code']}")
        assert (status, body["status"], body["number"]) == (200, "expired", day.waiting["number"])
        status, body = await phone.get(f"/api/v1/tickets/{day.served['tracking_code']}")
        assert (status, body["status"]) == (200, "done")
        path = f"/api/v1/tickets/{day.served['tracking_code']}/rating"
        status, body = await phone.post(path, {"rating": "very_satisfied"})
        assert (status, body["rating"]) == (200, "very_satisfied")
        status, body = await phone.post(path, {"rating": "dissatisfied"})
        assert (status, body["error"]["code"]) == (409, "already_rated")
    closed_day = day.served["issued_at"][:10]
    report = day_report(server.centre.log.path, server.centre.config, closed_day)
    assert report.result()["satisfaction"]["very_satisfied"] == 1  # rated on the next day


async def test_the_citizens_live_page_follows_a_closed_days_ticket(server: RunningCentre) -> None:
    day = await a_day_that_ends(server)
    async with connect(server.ws_url) as ws:
        hello = {"type": "hello", "protocol": 1, "role": "citizen"}
        await ws.send(json.dumps({**hello, "tracking_code": day.served["tracking_code"]}))
        while (message := json.loads(await ws.recv()))["type"] != "snapshot":
            pass
    assert (message["ticket"]["status"], message["ticket"]["number"]) == (
        "done",
        day.served["number"],
    )


async def test_after_the_grace_the_ticket_is_gone_and_ratings_are_closed(
    server: RunningCentre,
) -> None:
    day = await a_day_that_ends(server)
    day.clock[0] = day.midnight + server.centre.config.queue.after_close_hours * 3600 + 60
    async with Api(server.base) as phone:
        status, body = await phone.get(f"/api/v1/tickets/{day.waiting['tracking_code']}")
        assert (status, body["error"]["code"]) == (404, "unknown_ticket")
        path = f"/api/v1/tickets/{day.served['tracking_code']}/rating"
        status, body = await phone.post(path, {"rating": "satisfied"})
        assert (status, body["error"]["code"]) == (404, "unknown_ticket")
    late = c.RateService(ticket=day.served["id"], rating="satisfied")
    with pytest.raises(err.RatingClosed):
        server.centre.engine.decide(late, day.clock[0], Actor("citizen"))
