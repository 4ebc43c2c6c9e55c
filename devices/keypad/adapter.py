"""One keypad line on a serial port: polls an RS-485 bus, or listens to a USB keypad.

Every decision of the line, its timing included, is `HostLink`'s (host.py): which
keypad is polled next, how long a reply may take, when a display goes out.  This class
only moves bytes between the port and the link, runs presses as tasks (so a slow commit,
durability "full", never stalls the bus), and wakes the link when `next_deadline()`
comes.  Bytes are fed to the link in the loop turn they are read, and what the link
wants sent is written in that same turn: a reply and the next poll need no task wake-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from ..serial_port import SerialPort
from ..tasks import cancel_and_wait
from .frames import Display
from .host import IDLE_CYCLE_S, HostLink, Mode, Press

log = logging.getLogger(__name__)

PressHandler = Callable[["KeypadLine", Press], Awaitable[int | None]]
"""Runs a press; returns None for success (the keypad is sent its display) or an error code."""


class KeypadLine:
    def __init__(
        self,
        name: str,
        port: str,
        baud: int,
        mode: Mode,
        addresses: list[int],
        on_press: PressHandler,
        *,
        reply_timeout_s: float | None = None,
        offline_after: int = 3,
        idle_cycle_s: float = IDLE_CYCLE_S,
    ) -> None:
        self.name = name
        self.mode = mode
        self.baud = baud
        self.link = HostLink(
            addresses,
            offline_after=offline_after,
            mode=mode,
            baud=baud,
            reply_timeout_s=reply_timeout_s,
            idle_cycle_s=idle_cycle_s,
        )
        self.port = SerialPort(
            port, baud, self._on_data, name=name, on_open=self._on_open, on_close=self._on_close
        )
        self._on_press = on_press
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self.press_errors = 0

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        await self.port.start()

    async def stop(self) -> None:
        self._disarm()
        await self.port.stop()
        for task in list(self._tasks):
            await cancel_and_wait(task)
        self._disarm()

    @property
    def online(self) -> bool:
        return self.port.online

    def keypads_online(self) -> int:
        return self.link.keypads_online()

    # ------------------------------------------------------------------ the link's figures

    @property
    def reply_timeout_s(self) -> float:
        return self.link.reply_timeout_s

    @property
    def polls(self) -> int:
        return self.link.polls

    @property
    def timeouts(self) -> int:
        return self.link.timeouts

    @property
    def cycles(self) -> int:
        return self.link.cycles

    @property
    def last_cycle_s(self) -> float:
        return self.link.last_cycle_s

    @property
    def recent_cycles(self) -> deque[float]:
        """The durations of the last poll cycles, in seconds (the bench reads them)."""
        return self.link.recent_cycles

    # ------------------------------------------------------------------ displays

    def set_display(self, address: int, display: Display) -> None:
        if self.link.set_display(address, display):
            # Not written at once: the changes of this loop turn go out together.
            self._arm()

    # ------------------------------------------------------------------ port events

    def _on_open(self) -> None:
        self.link.line_opened(self._time())
        self._run_link()

    def _on_close(self, reason: str) -> None:
        self.link.line_closed()
        self._disarm()

    def _on_data(self, data: bytes) -> None:
        now = self._time()
        self.link.receive_data(data, now)
        self._run_link(now)

    # ------------------------------------------------------------------ the link

    def _run_link(self, now: float | None = None) -> None:
        """Tick the link if it is due, start the presses it heard, write what it wants
        sent, and sleep until its next deadline."""
        link = self.link
        if now is None:
            now = self._time()
        due = link.next_deadline()
        if due is not None and due <= now:
            link.tick(now)
        for event in link.events_received():
            if isinstance(event, Press):
                task = asyncio.create_task(self._press(event), name=f"press {self.name}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        self._write(now)

    def _write(self, now: float) -> None:
        """Write what the link wants sent, and sleep until its next deadline."""
        data = self.link.data_to_send(now)
        if data:
            self.port.write(data)
        self._arm()

    def _arm(self) -> None:
        due = self.link.next_deadline()
        if due == self._timer_at and self._timer is not None:
            return
        self._disarm()
        if due is not None:
            self._timer_at = due
            self._timer = asyncio.get_running_loop().call_at(due, self._woken)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_at = None

    def _woken(self) -> None:
        # asyncio runs the callbacks of the bytes read in a loop turn before its timers,
        # so a reply read in this turn is in the link before it may give up on it.
        self._timer = self._timer_at = None
        self._run_link()

    @staticmethod
    def _time() -> float:
        return asyncio.get_running_loop().time()

    async def _press(self, press: Press) -> None:
        try:
            error = await self._on_press(self, press)
        except Exception:
            log.exception("keypad %s:%d: press %s failed", self.name, press.address, press.key)
            self.press_errors += 1
            # No answer: the keypad retries, and the retry is answered or fails again.
            self.link.press_failed(press.address, press.seq)
        else:
            self.link.answer(press.address, press.seq, error)
        # Only written: a deadline is for the timer, which runs after this turn's reads.
        self._write(self._time())
