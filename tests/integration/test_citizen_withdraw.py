"""A citizen who will not wait after all gives up their ticket from their phone, by the
ticket's tracking code (holding the ticket is the right to), while it still waits.

Before, only a supervisor could cancel a ticket: a citizen who left stayed in the line
until called and marked absent, and every estimate behind them was longer for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from queue_server.accounts import Role
from queue_server.engine import Actor
from queue_server.engine import commands as c
from tests.support.server import Api, RunningCentre, Token, serve_centre

STAFF = Actor("staff", "test")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningCentre]:
    async with serve_centre(tmp_path, tokens={"kiosk": Token(Role.KIOSK)}) as running:
        yield running


async def test_a_waiting_citizen_gives_up_their_ticket(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk"]) as kiosk, Api(server.base) as phone:
        leaving = (await kiosk.post("/api/v1/tickets", {"service": "HT"}))[1]
        staying = (await kiosk.post("/api/v1/tickets", {"service": "HT"}))[1]
        _, other = await phone.get(f"/api/v1/tickets/{staying['tracking_code']}")
        assert other["position"] == 1  # one ahead
        status, body = await phone.post(f"/api/v1/tickets/{leaving['tracking_code']}/withdraw")
        assert (status, body["status"]) == (200, "cancelled"), body
        _, other = await phone.get(f"/api/v1/tickets/{staying['tracking_code']}")
        assert other["position"] == 0  # the one behind moved up

        # Twice is refused in words, with the project's error body.
        status, body = await phone.post(f"/api/v1/tickets/{leaving['tracking_code']}/withdraw")
        assert (status, body["error"]["code"]) == (409, "not_waiting"), body


async def test_once_called_the_ticket_is_the_counters_to_end(server: RunningCentre) -> None:
    await server.centre.dispatcher.execute(c.OpenCounter(counter=1), STAFF)
    async with Api(server.base, server.tokens["kiosk"]) as kiosk, Api(server.base) as phone:
        ticket = (await kiosk.post("/api/v1/tickets", {"service": "HT"}))[1]
        await server.centre.dispatcher.execute(c.CallNext(counter=1), STAFF)
        status, body = await phone.post(f"/api/v1/tickets/{ticket['tracking_code']}/withdraw")
        assert (status, body["error"]["code"]) == (409, "not_waiting"), body
        _, seen = await phone.get(f"/api/v1/tickets/{ticket['tracking_code']}")
        assert seen["status"] == "called"

        status, body = await phone.post("/api/v1/tickets/no-such-code/withdraw")
        assert (status, body["error"]["code"]) == (404, "unknown_ticket"), body
