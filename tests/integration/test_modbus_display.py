"""Modbus LED displays driven by the server, checked against pymodbus playing the displays."""

from __future__ import annotations

import secrets
from pathlib import Path

from devices.modbus.displays import DisplayModel, LedDisplay, RegisterWrite
from queue_server.engine import Actor
from queue_server.engine import commands as c
from queue_server.integrations.lines_config import SerialLine
from tests.support.devices import config_with_lines, serial_of, until
from tests.support.modbus_display import SimDisplays
from tests.support.server import serve_centre

STAFF = Actor("staff", "test")
MODELS = [
    DisplayModel("dm56-4", text_register=0, text_length=4, init=[RegisterWrite(32, [3])]),
    DisplayModel("text-8", text_register=16, text_length=8, chars_per_register=1),
]


async def test_displays_follow_their_counters(tmp_path: Path) -> None:
    async with SimDisplays({1: 40, 2: 40}, baud=19200) as sim:
        line = SerialLine(
            "signs",
            sim.path,
            "modbus-display",
            baud=19200,
            displays=[
                LedDisplay(unit=1, model="dm56-4", counter=1),
                LedDisplay(unit=2, model="text-8", counter=2, format="{number} {counter:>2}"),
            ],
        )
        config = config_with_lines(tmp_path, [line], MODELS)
        async with serve_centre(tmp_path, config=config) as server:
            dispatcher = server.centre.dispatcher
            await sim.wait(lambda: sim.registers[1].get(32) == 3)  # brightness, on first contact
            await sim.wait(lambda: sim.text(1, 0, 4) == "    ")
            for counter in (1, 2):
                await dispatcher.execute(c.OpenCounter(counter=counter), STAFF)
            for service in ("HT", "HT", "CT"):
                await dispatcher.execute(
                    c.IssueTicket(service=service, tracking_code=secrets.token_urlsafe(9)),
                    Actor("kiosk", "test"),
                )
            await dispatcher.execute(c.CallNext(counter=1), STAFF)
            await sim.wait(lambda: sim.text(1, 0, 4) == "A001")
            await dispatcher.execute(c.CallNext(counter=2), STAFF)
            await sim.wait(lambda: sim.text(2, 16, 8, per_register=1) == " A002  2")
            await dispatcher.execute(c.Finish(counter=1), STAFF)
            await sim.wait(lambda: sim.text(1, 0, 4) == "    ")
            displays = serial_of(server.centre).displays
            assert displays is not None
            (state,) = displays.device_states()
            assert state["online"] and state["displays_online"] == 2


async def test_a_refused_write_is_not_repeated(tmp_path: Path) -> None:
    async with SimDisplays({1: 4}, baud=19200) as sim:
        models = [DisplayModel("wrong-map", text_register=100, text_length=4)]
        line = SerialLine(
            "signs",
            sim.path,
            "modbus-display",
            baud=19200,
            displays=[LedDisplay(unit=1, model="wrong-map", counter=1)],
        )
        async with serve_centre(
            tmp_path, config=config_with_lines(tmp_path, [line], models)
        ) as server:
            displays = serial_of(server.centre).displays
            assert displays is not None
            unit = displays.displays.lines[0].units[1]
            await until(lambda: unit.exceptions == 1)
            assert unit.online and not unit.wanted
