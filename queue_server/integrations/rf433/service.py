"""Radio call buttons: receivers on serial lines, button codes bound to counter keys.

A code heard (once per press, see `RepeatFilter`) is looked up in the bindings
(bindings.py) and becomes that key's command at that counter, by the actor
`keypad:<line>:<code>`.  Learn mode: an admin asks for "the next code heard" (the API's
`POST /api/v1/devices/rf/learn`), presses the button, and binds the code it gets back.
While someone is learning, a heard code is handed to them and presses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from devices.rf433.protocol import FdDecoder, RepeatFilter, SonoffDecoder, decoder_for
from devices.serial_port import SerialPort

from ...dispatcher import Dispatcher
from ...engine import Actor
from ..counters import press
from ..lines_config import SerialLine
from .bindings import RfBindings, RfButton

log = logging.getLogger(__name__)

RF_PROTOCOLS = ("rf433-sonoff", "rf433-fd")


@dataclass(frozen=True, slots=True)
class HeardCode:
    line: str
    code: str
    button: RfButton | None
    """What the code is bound to now, if anything."""


class RfLine:
    """One receiver: its port, its decoder and its repeat filter."""

    def __init__(self, config: SerialLine, on_code: Any) -> None:
        self.name = config.name
        self.protocol = config.protocol
        self.decoder: SonoffDecoder | FdDecoder = decoder_for(config.protocol, config.frame_length)
        self.filter = RepeatFilter(config.repeat_window_s)
        self._on_code = on_code
        self.port = SerialPort(
            config.port,
            config.baud,
            self._on_data,
            name=config.name,
            on_close=lambda _reason: self.decoder.reset(),
        )
        self.codes = 0
        self.repeats = 0

    def _on_data(self, data: bytes) -> None:
        now = time.monotonic()
        for frame in self.decoder.feed(data):
            if self.filter.accept(frame.code, now):
                self.codes += 1
                self._on_code(self, frame.code)
            else:
                self.repeats += 1


class RfService:
    def __init__(
        self, dispatcher: Dispatcher, bindings: RfBindings, lines: list[SerialLine]
    ) -> None:
        self.dispatcher = dispatcher
        self.bindings = bindings
        self.lines = [RfLine(line, self._heard) for line in lines if line.protocol in RF_PROTOCOLS]
        self._learners: list[asyncio.Future[HeardCode]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.presses = 0
        self.refused = 0
        self.unknown = 0
        self.last_unknown: HeardCode | None = None

    async def start(self) -> None:
        for line in self.lines:
            await line.port.start()

    async def stop(self) -> None:
        for line in self.lines:
            await line.port.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for learner in self._learners:
            learner.cancel()

    async def learn(self, timeout_s: float) -> HeardCode | None:
        """The next code any receiver hears within `timeout_s`, or None."""
        future: asyncio.Future[HeardCode] = asyncio.get_running_loop().create_future()
        self._learners.append(future)
        try:
            async with asyncio.timeout(timeout_s):
                return await future
        except TimeoutError:
            return None
        finally:
            with contextlib.suppress(ValueError):
                self._learners.remove(future)

    def _heard(self, line: RfLine, code: str) -> None:
        button = self.bindings.button(code)
        learners = [f for f in self._learners if not f.done()]
        if learners:
            for learner in learners:
                learner.set_result(HeardCode(line.name, code, button))
            return
        if button is None:
            self.unknown += 1
            self.last_unknown = HeardCode(line.name, code, None)
            log.info("radio line %s: code %s is not bound to a counter", line.name, code)
            return
        task = asyncio.create_task(self._press(line, button), name=f"rf {code}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _press(self, line: RfLine, button: RfButton) -> None:
        actor = Actor("keypad", f"{line.name}:{button.code}")
        refused = await press(self.dispatcher, button.key, button.counter, actor)
        if refused is None:
            self.presses += 1
        else:
            self.refused += 1
            log.info(
                "radio button %s (%s at counter %d) refused: %s",
                button.code,
                button.key,
                button.counter,
                refused,
            )

    def device_states(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f"line:{line.name}",
                "kind": "rf-receiver",
                "line": line.name,
                "protocol": line.protocol,
                "port": line.port.port,
                "up": line.port.online,
                "online": line.port.online,
                "reconnects": max(0, line.port.opened - 1),
                "codes": line.codes,
                "repeats": line.repeats,
                "corrupt_frames": line.decoder.corrupt,
            }
            for line in self.lines
        ]
