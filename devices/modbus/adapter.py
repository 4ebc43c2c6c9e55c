"""A Modbus RTU line of LED displays: one request at a time, and only what is new.

Displays show state, so the line keeps what each display should show and writes it
until the display has answered with it; a newer text simply replaces an older one that
was not written yet.  A display that does not answer is retried every second, and
everything (its `init` registers too) is written again after the port reopens or the
display comes back.  Between frames the line stays silent for 3.5 characters, as
Modbus RTU requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from ..keypad.frames import byte_time
from ..serial_port import SerialPort
from ..tasks import cancel_and_wait
from .protocol import AnswerDecoder, WriteAnswer, write_registers

log = logging.getLogger(__name__)

RETRY_S = 1.0


@dataclass
class Unit:
    unit: int
    init: list[tuple[int, list[int]]] = field(default_factory=list)
    todo_init: list[tuple[int, list[int]]] = field(default_factory=list)
    wanted: dict[int, list[int]] = field(default_factory=dict)
    """Register -> values still to write (latest wins)."""
    written: dict[int, list[int]] = field(default_factory=dict)
    online: bool = False
    failures: int = 0
    retry_at: float = 0.0
    exceptions: int = 0


class ModbusLine:
    def __init__(
        self, name: str, port: str, baud: int, *, answer_timeout_s: float | None = None
    ) -> None:
        self.name = name
        self.baud = baud
        self.units: dict[int, Unit] = {}
        self.port = SerialPort(port, baud, self._on_data, name=name, on_open=self._on_open)
        self.answer_timeout_s = answer_timeout_s or 0.1
        self.gap_s = max(3.5 * byte_time(baud), 0.00175)
        self._decoder: AnswerDecoder | None = None
        self._answer: asyncio.Future[WriteAnswer] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.requests = 0
        self.timeouts = 0
        self.corrupt = 0

    def add_unit(self, unit: int, init: list[tuple[int, list[int]]]) -> None:
        if unit not in self.units:
            self.units[unit] = Unit(unit, list(init), list(init))

    def write(self, unit: int, register: int, values: list[int]) -> None:
        """Make `unit` show `values` at `register` (sent when the line is free)."""
        state = self.units[unit]
        if register not in state.wanted and state.written.get(register) == values:
            return
        state.wanted[register] = list(values)
        self._wake.set()

    async def start(self) -> None:
        await self.port.start()
        self._task = asyncio.create_task(self._run(), name=f"modbus {self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self.port.stop()

    def units_online(self) -> int:
        return sum(1 for u in self.units.values() if u.online)

    def _on_open(self) -> None:
        for state in self.units.values():
            self._forget(state)
        self._wake.set()

    @staticmethod
    def _forget(state: Unit) -> None:
        """Write everything again: the display may have lost it (power, a new display)."""
        state.todo_init = list(state.init)
        for register, values in state.written.items():
            state.wanted.setdefault(register, values)
        state.written.clear()
        state.online = False
        state.retry_at = 0.0

    def _on_data(self, data: bytes) -> None:
        decoder = self._decoder
        if decoder is None:
            return  # nobody asked: noise, or a late answer
        corrupt = decoder.corrupt
        answers = decoder.feed(data)
        self.corrupt += decoder.corrupt - corrupt
        if answers and self._answer is not None and not self._answer.done():
            self._answer.set_result(answers[0])

    def _next_job(self, now: float) -> tuple[Unit, int, list[int], bool] | None:
        for state in self.units.values():
            if state.retry_at > now:
                continue
            if state.todo_init:
                register, values = state.todo_init[0]
                return state, register, values, True
            if state.wanted:
                register, values = next(iter(state.wanted.items()))
                return state, register, values, False
        return None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.port.wait_online()
            now = loop.time()
            job = self._next_job(now)
            if job is None:
                self._wake.clear()
                waiting = [s.retry_at - now for s in self.units.values() if s.wanted or s.todo_init]
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.01, min(waiting)) if waiting else None):
                        await self._wake.wait()
                continue
            state, register, values, is_init = job
            result = await self._transact(state.unit, register, values)
            if result is None:
                state.failures += 1
                state.retry_at = loop.time() + RETRY_S
                if state.online:
                    log.warning("LED display %d on %s stopped answering", state.unit, self.name)
                    self._forget(state)
                    state.retry_at = loop.time() + RETRY_S
            else:
                state.online = True
                state.failures = 0
                if not result:
                    state.exceptions += 1  # a refused write is not retried: it would fail again
                if is_init:
                    state.todo_init.pop(0)
                elif state.wanted.get(register) == values:
                    del state.wanted[register]
                    state.written[register] = values
            await asyncio.sleep(self.gap_s)

    async def _transact(self, unit: int, register: int, values: list[int]) -> bool | None:
        """Write and wait for the answer: True done, False refused, None no answer."""
        frame = write_registers(unit, register, values)
        self._decoder = AnswerDecoder(unit)
        answer: asyncio.Future[WriteAnswer] = asyncio.get_running_loop().create_future()
        self._answer = answer
        self.requests += 1
        if not self.port.write(frame):
            self._answer = self._decoder = None
            return None
        try:
            async with asyncio.timeout(self.answer_timeout_s + len(frame) * byte_time(self.baud)):
                result = await answer
        except TimeoutError:
            self.timeouts += 1
            return None
        finally:
            self._answer = None
            self._decoder = None
        if not result.ok:
            log.warning(
                "LED display %d on %s refused a write to register %d: exception %s",
                unit,
                self.name,
                register,
                result.exception,
            )
            return False
        return True
