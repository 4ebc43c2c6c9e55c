"""The display agent: a websocket client of the hub that drives Modbus LED displays
(pymodbus playing them); it reconnects and resumes from its last seq."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from pathlib import Path

from devices.modbus.displays import LedDisplays
from display.agent.agent import Agent, load_agent_config
from queue_server.accounts import Role
from queue_server.engine import Actor
from queue_server.engine import commands as c
from queue_server.web.keys import HUB
from tests.support.modbus_display import SimDisplays
from tests.support.server import Token, serve_centre

STAFF = Actor("staff", "test")


async def test_agent_shows_calls_and_resumes_after_a_drop(tmp_path: Path) -> None:
    async with (
        SimDisplays({1: 8, 2: 8}, baud=19200) as sim,
        serve_centre(tmp_path, tokens={"signs": Token(Role.DISPLAY)}) as server,
    ):
        toml = tmp_path / "agent.toml"
        toml.write_text(
            f'url = "{server.ws_url}"\ntoken = "{server.tokens["signs"]}"\n'
            '[[display_models]]\nname = "dm56-4"\ntext_register = 0\n'
            f'[[serial_lines]]\nname = "signs"\nport = "{sim.path}"\n'
            'protocol = "modbus-display"\nbaud = 19200\n'
            'displays = [{unit = 1, model = "dm56-4", counter = 1},'
            ' {unit = 2, model = "dm56-4", counter = 2}]\n',
            encoding="utf-8",
        )
        config = load_agent_config(toml)
        displays = LedDisplays(config.serial_lines, config.display_models)
        agent = Agent(config.url, config.token, config.view, displays)
        await displays.start()
        task = asyncio.create_task(agent.run())
        try:
            dispatcher = server.centre.dispatcher
            for counter in (1, 2):
                await dispatcher.execute(c.OpenCounter(counter=counter), STAFF)
            for _ in range(3):
                await dispatcher.execute(
                    c.IssueTicket(service="HT", tracking_code=secrets.token_urlsafe(9)),
                    Actor("kiosk", "test"),
                )
            await asyncio.wait_for(agent.connected.wait(), 5)
            await dispatcher.execute(c.CallNext(counter=1), STAFF)
            await sim.wait(lambda: sim.text(1, 0, 4) == "A001")
            seen = agent.last_seq
            assert seen == server.centre.log.last_seq

            hub = server.app[HUB]
            for subscribers in list(hub._topics.values()):
                for subscriber in list(subscribers):
                    hub._drop(subscriber)  # the network dropped the agent
            await dispatcher.execute(c.CallNext(counter=2), STAFF)  # while it is away
            await sim.wait(lambda: sim.text(2, 0, 4) == "A002", within=5)
            assert agent.connections == 2
            assert agent.last_seq == server.centre.log.last_seq
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await displays.stop()


def test_the_agent_runs_on_the_device_libraries_alone(tmp_path: Path) -> None:
    """A display agent sits on a small box far from the server: it must start with the
    device libraries and a websocket client, none of the server (28 of its modules were
    imported once, for a three-field value)."""
    script = (
        "import runpy, sys\n"
        "sys.argv = ['display.agent', '--help']\n"
        "try:\n"
        "    runpy.run_module('display.agent', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    imported = set(result.stdout.split())
    assert {"display", "devices", "websockets", "serial"} <= imported, imported
    assert not imported & {"queue_server", "aiohttp", "PIL", "escpos", "prometheus_client"}
