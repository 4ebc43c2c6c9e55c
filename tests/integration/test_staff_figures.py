"""Each civil servant's figures, end to end: a person logs in at a counter over real HTTP,
their console follows it over the websocket, the counter's keypad (emulated behind a
pty) calls the next citizen, and the day's report and CSV count the press for them."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from yarl import URL

from devices.keypad.emulator import PtyWire, Watcher, link_to
from devices.keypad.frames import Cmd
from devices.keypad.keypad import KeypadDevice
from queue_server.accounts import Role
from queue_server.engine import Actor
from queue_server.engine import commands as c
from queue_server.engine.events import StaffSignedIn, StaffSignedOut, TicketCalled
from queue_server.integrations.lines_config import Keypad, SerialLine
from tests.support.devices import config_with_lines, serial_of, until
from tests.support.server import Api, RunningCentre, serve_centre

PEOPLE = {"lan": Role.STAFF, "binh": Role.STAFF, "giamsat": Role.SUPERVISOR}


@dataclass
class Bench:
    server: RunningCentre
    wire: PtyWire
    keypad: KeypadDevice
    watcher: Watcher


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    """One keypad, at counter 1, on a pty at 115200 baud."""
    watcher = Watcher()
    keypad = KeypadDevice(1, polled=True)
    wire = PtyWire([keypad], 115200, on_change=watcher.changed).start()
    link = tmp_path / "ttyKEYPAD"
    link_to(wire.slave_path, link)
    line = SerialLine("desk", str(link), "keypad-rs485", keypads=[Keypad(address=1, counter=1)])
    config = config_with_lines(tmp_path, [line])
    try:
        async with serve_centre(tmp_path, config=config, people=PEOPLE) as server:
            port = serial_of(server.centre).keypads.lines[0].port  # type: ignore[union-attr]
            await asyncio.wait_for(port.wait_online(), 2)
            await watcher.wait(lambda: not keypad.hello_pending, 2)
            yield Bench(server, wire, keypad, watcher)
    finally:
        wire.stop()


async def staff_console(server: RunningCentre, api: Api) -> ClientConnection:
    """The console's websocket, opened with the login's session cookie, past its snapshot."""
    cookie = api.session.cookie_jar.filter_cookies(URL(server.base))["qs_session"].value
    ws = await connect(server.ws_url, additional_headers={"Cookie": f"qs_session={cookie}"})
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "staff"}))
    async with asyncio.timeout(5):
        while json.loads(await ws.recv())["type"] != "snapshot":
            pass
    return ws


async def next_call(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(2):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == "call":
                return message


async def issue(server: RunningCentre) -> None:
    await server.centre.dispatcher.execute(
        c.IssueTicket(service="HT", tracking_code=secrets.token_urlsafe(9)), Actor("kiosk", "k")
    )


def staff_events(server: RunningCentre) -> list[tuple[str, int, str]]:
    return [
        (type(e).__name__, e.counter, e.staff)
        for _, e in server.centre.log.read()
        if isinstance(e, StaffSignedIn | StaffSignedOut)
    ]


async def test_a_keypad_press_counts_for_the_person_logged_in_at_its_counter(
    bench: Bench,
) -> None:
    server = bench.server
    async with Api(server.base) as lan, Api(server.base) as binh, Api(server.base) as head:
        await lan.login("lan", counter=1)
        await head.login("giamsat")
        assert staff_events(server) == [("StaffSignedIn", 1, "lan")]
        assert server.centre.engine.counter(1).staff == "lan"
        assert (await lan.post("/api/v1/counters/1/open"))[0] == 200
        await issue(server)
        await issue(server)
        console = await staff_console(server, lan)
        try:
            bench.wire.press(1, Cmd.NEXT)
            call = await next_call(console)  # the keypad's call, seen on lan's console
            assert (call["counter"], call["number"]) == (1, "A001")
        finally:
            await console.close()
        (press,) = [e for _, e in server.centre.log.read() if isinstance(e, TicketCalled)]
        assert press.actor.kind == "keypad"

        status, day = await head.get("/api/v1/reports/daily")
        assert status == 200, day
        (row,) = day["staff"]
        assert (row["staff"], row["counters"], row["called"]) == ("lan", [1], 1)

        await binh.login("binh", counter=1)  # takes the counter over
        await bench.watcher.wait(lambda: len(bench.keypad.answers) == 1, 2)
        bench.wire.press(1, Cmd.DONE)
        await bench.watcher.wait(lambda: len(bench.keypad.answers) == 2, 2)
        assert bench.keypad.answers[1].error is None
        assert (await lan.post("/api/v1/logout"))[0] == 204  # no longer theirs: no event
        assert (await binh.post("/api/v1/logout"))[0] == 204
        assert staff_events(server) == [
            ("StaffSignedIn", 1, "lan"),
            ("StaffSignedOut", 1, "lan"),
            ("StaffSignedIn", 1, "binh"),
            ("StaffSignedOut", 1, "binh"),
        ]
        assert server.centre.engine.counter(1).staff is None

        _, day = await head.get("/api/v1/reports/daily")
        rows = {r["staff"]: r for r in day["staff"]}
        assert (rows["lan"]["called"], rows["lan"]["served"]) == (1, 0)
        assert (rows["binh"]["called"], rows["binh"]["served"]) == (0, 1)

        status, text = await head.get("/api/v1/reports/daily.csv?lang=en&rows=staff")
        assert status == 200, text
        table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert [(r["Staff"], r["Counters"], r["Called"], r["Served"]) for r in table] == [
            ("binh", "1", "0", "1"),
            ("lan", "1", "1", "0"),
        ]
        status, text = await head.get("/api/v1/reports/daily.csv?lang=en")
        (ticket,) = [r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if r["Called"]]
        assert (ticket["Number"], ticket["Staff"]) == ("A001", "binh"), "binh finished it"
        status, body = await head.get("/api/v1/reports/daily.csv?rows=people")
        assert (status, body["error"]["code"]) == (400, "invalid_rows")


async def test_a_session_that_lapses_gives_the_counter_up(bench: Bench) -> None:
    """Twelve hours after the login, or once the account is disabled, the session ends
    without a logout: the counter is no longer that person's, and what it does after
    counts for nobody (nor for them)."""
    server = bench.server
    async with Api(server.base) as lan:
        await lan.login("lan", counter=1)
        assert server.centre.engine.counter(1).staff == "lan"
        with sqlite3.connect(server.centre.accounts.path) as db:  # its 12 hours run out
            db.execute("UPDATE sessions SET expires_at = ?", (time.time() + 0.5,))
        await until(lambda: server.centre.engine.counter(1).staff is None, timeout=5)
        signed_out = [e for _, e in server.centre.log.read() if isinstance(e, StaffSignedOut)]
        assert [(e.counter, e.staff, e.reason) for e in signed_out] == [(1, "lan", "session_ended")]
