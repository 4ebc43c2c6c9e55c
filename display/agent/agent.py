"""`python -m display.agent --url ws://HOST:8080/ws --token qs_... --config agent.toml`

Drives serial LED displays that hang far from the server: it connects to the hub as a
`display` (hall view, or counter view for one counter), keeps each counter's number and
waiting count from the snapshot and the `counter` messages, and writes the displays
with the same drivers the server uses (devices/modbus).  It reconnects with backoff and
says its last `seq`, so it misses nothing while away.

agent.toml:

    url = "ws://192.168.1.10:8080/ws"      # or --url
    token = "qs_..."                        # or --token (a display token)
    view = "hall"                           # "counter" for a single counter's display

    [[display_models]]
    name = "dm56-4"
    text_register = 0

    [[serial_lines]]
    name = "signs"
    port = "/dev/serial/by-id/usb-FTDI_..."
    protocol = "modbus-display"
    baud = 9600
    displays = [{ unit = 1, model = "dm56-4", counter = 1 }]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from devices.modbus.displays import (
    DisplayLine,
    DisplayModel,
    LedDisplays,
    display_problems,
    model_problems,
)
from devices.shown import Shown

log = logging.getLogger("display.agent")

BACKOFF_FIRST_S = 0.2
BACKOFF_MAX_S = 10.0
PING_S = 15.0


class AgentLine(DisplayLine, frozen=True):
    """A line of LED displays, written as the server's `[[devices.serial_lines]]` are."""

    protocol: Literal["modbus-display"] = "modbus-display"


class AgentConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    url: str = ""
    token: str = ""
    view: Literal["hall", "counter"] = "hall"
    serial_lines: list[AgentLine] = []
    display_models: list[DisplayModel] = []


def load_agent_config(path: Path) -> AgentConfig:
    try:
        config = msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), AgentConfig)
    except (OSError, tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise SystemExit(f"{path}: {exc}") from None
    problems = list(model_problems(config.display_models, "display_models"))
    for i, line in enumerate(config.serial_lines):
        where = f"serial_lines[{i}].displays"
        problems += display_problems(line.displays, config.display_models, where)
    if problems:
        raise SystemExit(f"{path}: {'; '.join(problems)}")
    return config


def shown_of(counter: dict[str, Any]) -> Shown:
    current = counter.get("current")
    return Shown(
        number=current["number"] if current else "",
        waiting=int(counter.get("waiting", 0)),
        status=counter.get("status", "closed"),
    )


class Agent:
    def __init__(self, url: str, token: str, view: str, displays: LedDisplays) -> None:
        self.url = url
        self.token = token
        self.view = view
        self.displays = displays
        self.last_seq: int | None = None
        self.shown: dict[int, Shown] = {}
        self.connections = 0
        self.connected = asyncio.Event()

    def hello(self) -> dict[str, Any]:
        counters = self.displays.counters
        hello: dict[str, Any] = {
            "type": "hello",
            "protocol": 1,
            "role": "display",
            "token": self.token,
            "view": self.view,
            "last_seq": self.last_seq,
        }
        if self.view == "counter":
            hello["counter"] = counters[0]
        else:
            hello["counters"] = counters
        return hello

    def receive(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        seq = message.get("seq")
        if kind == "snapshot":
            for counter in message.get("counters", []):
                self._show(counter)
        elif kind == "counter":
            self._show(message["counter"])
        if isinstance(seq, int) and kind in ("snapshot", "counter", "call"):
            self.last_seq = max(seq, self.last_seq or 0)

    def _show(self, counter: dict[str, Any]) -> None:
        shown = shown_of(counter)
        if self.shown.get(counter["id"]) != shown:
            self.shown[counter["id"]] = shown
            self.displays.show(counter["id"], shown)

    async def run(self) -> None:
        delay = BACKOFF_FIRST_S
        while True:
            try:
                async with connect(self.url, open_timeout=10) as ws:
                    await ws.send(json.dumps(self.hello()))
                    self.connections += 1
                    delay = BACKOFF_FIRST_S
                    await self._serve(ws)
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake) as exc:
                log.warning("hub connection lost (%s); again in %.1f s", exc, delay)
            finally:
                self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _serve(self, ws: ClientConnection) -> None:
        async def ping() -> None:
            while True:
                await asyncio.sleep(PING_S)
                await ws.send('{"type": "ping"}')

        pinger = asyncio.create_task(ping())
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "welcome":
                    self.connected.set()
                self.receive(message)
        finally:
            pinger.cancel()


async def run_agent(config: AgentConfig, url: str, token: str) -> None:
    displays = LedDisplays(config.serial_lines, config.display_models)
    if not displays.counters:
        raise SystemExit("the agent's config has no displays")
    agent = Agent(url, token, config.view, displays)
    await displays.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(agent.run())
    try:
        await stop.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await displays.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m display.agent", description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--url", help="the hub, ws://HOST:PORT/ws (default: url in the file)")
    parser.add_argument("--token", help="a display token (default: token in the file)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = load_agent_config(args.config)
    url, token = args.url or config.url, args.token or config.token
    if not url or not token:
        parser.error("give --url and --token, or url and token in the config")
    try:
        asyncio.run(run_agent(config, url, token))
    except InvalidURI as exc:
        print(f"bad --url: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
