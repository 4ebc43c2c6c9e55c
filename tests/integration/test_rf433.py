"""Radio call buttons over a real pty: learn a button through the API, bind it, press it."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest

from devices.rf433.emulator import RfReceiverEmulator
from queue_server.accounts import Role
from queue_server.engine import Actor
from queue_server.engine import commands as c
from queue_server.engine.events import TicketCalled
from queue_server.integrations.lines_config import SerialLine
from tests.support.devices import config_with_lines, serial_of, until
from tests.support.server import Api, Token, serve_centre

STAFF = Actor("staff", "test")


@pytest.mark.parametrize(("protocol", "baud"), [("rf433-sonoff", 19200), ("rf433-fd", 9600)])
async def test_learn_bind_and_press(tmp_path: Path, protocol: str, baud: int) -> None:
    receiver = RfReceiverEmulator(protocol, baud)
    # A repeat window of 0.3 s instead of 1 s keeps the test short; the rule is the same.
    line = SerialLine("radio", receiver.slave_path, protocol, baud=baud, repeat_window_s=0.3)  # type: ignore[arg-type]
    config = config_with_lines(tmp_path, [line])
    try:
        async with (
            serve_centre(tmp_path, config=config, tokens={"admin": Token(Role.ADMIN)}) as server,
            Api(server.base, server.tokens["admin"]) as admin,
        ):
            rf = serial_of(server.centre).rf
            assert rf is not None
            await asyncio.wait_for(rf.lines[0].port.wait_online(), 2)
            dispatcher = server.centre.dispatcher
            await dispatcher.execute(c.OpenCounter(counter=2), STAFF)
            for _ in range(3):
                await dispatcher.execute(
                    c.IssueTicket(service="HT", tracking_code=secrets.token_urlsafe(9)),
                    Actor("kiosk", "test"),
                )

            # Learn: the admin asks, then presses the button (held: several repeats).
            learning = asyncio.create_task(admin.post("/api/v1/devices/rf/learn", {"timeout_s": 5}))
            await until(lambda: bool(rf._learners))
            await receiver.press("A1B2C3", repeats=4)
            status, heard = await learning
            assert status == 200, heard
            assert heard == {"line": "radio", "code": "A1B2C3", "button": None}
            assert not server.centre.engine.counter(2).current  # learning pressed nothing

            status, body = await admin.post(
                "/api/v1/devices/rf/buttons", {"code": "a1b2c3", "counter": 2, "key": "next"}
            )
            assert status == 201, body
            status, body = await admin.get("/api/v1/devices/rf/buttons")
            assert body == {"buttons": [{"code": "A1B2C3", "counter": 2, "key": "next"}]}

            def calls() -> list[TicketCalled]:
                return [
                    e
                    for _, e in server.centre.log.read()
                    if isinstance(e, TicketCalled) and e.actor.kind == "keypad"
                ]

            await asyncio.sleep(0.35)  # a quiet window after the learning press
            await receiver.press("A1B2C3", repeats=5)  # held half a second: one press
            await until(lambda: len(calls()) == 1)
            assert calls()[0].actor == Actor("keypad", "radio:A1B2C3")
            await receiver.press("0F0F01")  # a button nobody bound
            await until(lambda: rf.unknown == 1)
            await asyncio.sleep(0.35)
            await receiver.press("A1B2C3")  # pressed again after a quiet window
            await until(lambda: len(calls()) == 2)
            assert rf.lines[0].repeats >= 7

            status, _ = await admin.request("DELETE", "/api/v1/devices/rf/buttons/A1B2C3")
            assert status == 204
            status, body = await admin.request("DELETE", "/api/v1/devices/rf/buttons/A1B2C3")
            assert (status, body["error"]["code"]) == (404, "unknown_rf_button")
    finally:
        receiver.close()


async def test_learning_hears_nothing_in_time(tmp_path: Path) -> None:
    receiver = RfReceiverEmulator("rf433-fd", 9600)
    line = SerialLine("radio", receiver.slave_path, "rf433-fd", baud=9600)
    config = config_with_lines(tmp_path, [line])
    try:
        async with (
            serve_centre(tmp_path, config=config, tokens={"admin": Token(Role.ADMIN)}) as server,
            Api(server.base, server.tokens["admin"]) as admin,
        ):
            status, _ = await admin.post("/api/v1/devices/rf/learn", {"timeout_s": 0.2})
            assert status == 204
    finally:
        receiver.close()
