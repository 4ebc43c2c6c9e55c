"""One keypad line on a serial port: polls an RS-485 bus, or listens to a USB keypad.

The protocol decisions are `HostLink`'s; this class owns the timing and the port.

RS-485 (host-polled, half duplex): the host is the only one that starts talking.
A cycle polls every online keypad once and waits for each reply, then probes at most
one offline keypad (so a dead keypad costs one timeout per cycle, not one per keypad).
Answers to presses are written in the gap after the reply that is being waited for,
never while a keypad may be talking; a keypad's new display rides on its own poll
(`HostLink.poll`), so it costs its payload in that keypad's slot and no frame of its own.
At 115200 baud a poll (7 bytes) and an idle reply (7 bytes) take 1.2 ms on the wire; the
cycle time is what sets a press's worst-case latency.  A poll waits for its reply only as
long as the wire needs plus a small margin (`reply_timeout_for`), counted from when what
was written is through the wire.

Point-to-point (a keypad alone on a USB-serial port): the keypad speaks when pressed,
and the host answers at once; a display is written as soon as it changes, or, while the
last frame written is still on the wire, when that one is through (so a burst of changes,
such as tickets issued at a kiosk, is one SHOW, never a backlog in front of an answer).

Presses run as tasks, so a slow commit (durability "full") never stalls the bus.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Literal

from queue_server.tasks import cancel_and_wait

from ..serial_port import SerialPort
from .frames import OVERHEAD_BYTES, Display, byte_time
from .host import HostLink, Press

log = logging.getLogger(__name__)

PressHandler = Callable[["KeypadLine", Press], Awaitable[int | None]]
"""Runs a press; returns None for success (the keypad is sent its display) or an error code."""
Mode = Literal["rs485", "p2p"]

OFFLINE_PROBE_S = 0.25
"""How often an offline keypad on a bus is polled to see whether it came back."""
P2P_IDLE_EXPIRE_S = 0.05
"""A partial frame with no more bytes for this long is dead (point-to-point)."""
WAITING_REFRESH_S = 2.0
"""RS-485: a keypad's waiting count alone is refreshed at most this often (every call
changes it on many keypads, and each update costs line time that delays every poll)."""
REPLY_MARGIN_S = 0.010
"""On top of the wire time a reply needs: the keypad's turnaround (at most 1 ms), a USB
adapter's latency (1 ms with its latency timer at 1 ms) and the host's scheduling on a
busy machine (a few ms).  Generous on purpose: a poll given up too early goes out while
the late reply is still on the bus and spoils both, and a keypad that is really away
costs this only once a cycle (it is probed, not polled)."""


def reply_timeout_for(baud: int) -> float:
    """How long a poll waits for its reply once the poll is through the wire: the shortest
    reply (7 bytes) and the margin.  A longer reply that has begun by then is given the
    time its length needs (`KeypadLine._reply_late`)."""
    return OVERHEAD_BYTES * byte_time(baud) + REPLY_MARGIN_S


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
    ) -> None:
        self.name = name
        self.mode = mode
        self.baud = baud
        self.link = HostLink(addresses, offline_after=offline_after)
        self.port = SerialPort(
            port, baud, self._on_data, name=name, on_open=self._on_open, on_close=self._on_close
        )
        self._on_press = on_press
        self.reply_timeout_s = reply_timeout_s or reply_timeout_for(baud)
        """How long a reply may take once the poll is through (`reply_timeout_ms`)."""
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._expecting: int | None = None
        self._reply: asyncio.Future[None] | None = None
        self._reply_timer: asyncio.TimerHandle | None = None
        self._reply_extended = False
        self._flush_soon: asyncio.Handle | None = None
        self._wire_free_at = 0.0
        """When what was written last is through the wire (loop time)."""
        self._expire: asyncio.TimerHandle | None = None
        self._kick = asyncio.Event()
        self.polls = 0
        self.timeouts = 0
        self.cycles = 0
        self.last_cycle_s = 0.0
        self.recent_cycles: deque[float] = deque(maxlen=1024)
        """The durations of the last cycles, in seconds (the bench reads them)."""
        self.press_errors = 0
        self._probe_at = 0.0
        self._probe_index = 0

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        await self.port.start()
        if self.mode == "rs485":
            self._task = asyncio.create_task(self._poll_forever(), name=f"keypads {self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self.port.stop()
        for pending in list(self._tasks):
            pending.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._expire is not None:
            self._expire.cancel()

    @property
    def online(self) -> bool:
        return self.port.online

    def keypads_online(self) -> int:
        if self.mode == "p2p":
            return len(self.link.keypads) if self.port.online else 0
        return sum(1 for k in self.link.keypads.values() if k.online)

    # ------------------------------------------------------------------ displays

    def set_display(self, address: int, display: Display) -> None:
        if self.link.set_display(address, display):
            self._displays_changed()

    def _displays_changed(self) -> None:
        if self.mode == "rs485":
            return  # rides on the keypad's next poll
        if self._tasks:
            # A press is being executed: its answer carries its keypad's new display, and
            # the displays of the others go out right after it (_press).  Sent now, that
            # display would go twice, and keep the wire from the keypad's next frame.
            return
        if self._flush_soon is None:
            loop = asyncio.get_running_loop()
            busy = self._wire_free_at - loop.time()
            if busy > 0:
                self._flush_soon = loop.call_later(busy, self._flush_displays)
            else:
                self._flush_soon = loop.call_soon(self._flush_displays)

    def _flush_displays(self) -> None:
        self._flush_soon = None
        self.link.send_displays()
        self._flush()

    # ------------------------------------------------------------------ bytes

    def _flush(self) -> None:
        data = self.link.data_to_send()
        if data:
            self.port.write(data)
            now = asyncio.get_running_loop().time()
            self._wire_free_at = max(now, self._wire_free_at) + len(data) * byte_time(self.baud)

    def _on_open(self) -> None:
        self.link.resend_all()
        if self.mode == "p2p":
            self.link.send_displays()
            self._flush()
            for state in self.link.keypads.values():
                state.online = True

    def _on_close(self, reason: str) -> None:
        self.link.line_closed()
        self.link.data_to_send()  # what was not written is dropped; displays resend on open
        if self._reply is not None and not self._reply.done():
            self._reply.set_exception(ConnectionError(reason))

    def _on_data(self, data: bytes) -> None:
        link = self.link
        link.receive_data(data)
        self._handle_events()
        if self.mode == "p2p":
            self._flush()
            if link.decoder.pending:
                self._arm_expire()

    def _handle_events(self) -> None:
        for event in self.link.events_received():
            if isinstance(event, Press):
                task = asyncio.create_task(self._press(event), name=f"press {self.name}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            reply = self._reply
            if event.address == self._expecting and reply is not None and not reply.done():
                reply.set_result(None)

    def _arm_expire(self) -> None:
        if self._expire is not None:
            self._expire.cancel()
        self._expire = asyncio.get_running_loop().call_later(P2P_IDLE_EXPIRE_S, self._expired)

    def _expired(self) -> None:
        self._expire = None
        if self.link.decoder.pending:
            self.link.expire()
            self._handle_events()
            self._flush()

    async def _press(self, press: Press) -> None:
        try:
            error = await self._on_press(self, press)
        except Exception:
            log.exception("keypad %s:%d: press %s failed", self.name, press.address, press.key)
            self.press_errors += 1
            # No answer: the keypad retries, and the retry is answered or fails again.
        else:
            self.link.answer(press.address, press.seq, error)
        finally:
            self._tasks.discard(asyncio.current_task())
        if self.mode == "p2p":
            self._flush()  # the answer first, so the wire time below counts it
            self._displays_changed()  # what changed meanwhile for the other keypads
        elif self._expecting is None:
            self._flush()

    # ------------------------------------------------------------------ polling

    async def _poll_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self.port.online:
                await self.port.wait_online()
            started = time.perf_counter()
            polled = 0
            for address in self._schedule(loop.time()):
                if not self.port.online:
                    break
                await self._poll(loop, address)
                polled += 1
            if polled:
                self.cycles += 1
                self.last_cycle_s = time.perf_counter() - started
                self.recent_cycles.append(self.last_cycle_s)
            else:
                # Nobody online and no probe due: wait for the probe.
                self._flush()
                await asyncio.sleep(max(0.0, self._probe_at - loop.time()))

    def _schedule(self, now: float) -> list[int]:
        # Keypads not yet known to be away (just started, just reopened) are polled too.
        limit = self.link.offline_after
        online = [a for a, k in self.link.keypads.items() if k.online or k.misses < limit]
        offline = [a for a, k in self.link.keypads.items() if not k.online and k.misses >= limit]
        if offline and now >= self._probe_at:
            self._probe_index = (self._probe_index + 1) % len(offline)
            online.append(offline[self._probe_index])
            self._probe_at = now + OFFLINE_PROBE_S
        return online

    async def _poll(self, loop: asyncio.AbstractEventLoop, address: int) -> None:
        link = self.link
        link.poll(address, loop.time(), WAITING_REFRESH_S)
        reply: asyncio.Future[None] = loop.create_future()
        self._reply, self._expecting = reply, address
        self.polls += 1
        self._flush()
        # Answers written after the last reply may still be ahead of the poll on the wire.
        wait = self._wire_free_at - loop.time() + self.reply_timeout_s
        self._reply_extended = False
        self._reply_timer = loop.call_later(wait, self._reply_due, reply)
        try:
            await reply
        except TimeoutError:
            self.timeouts += 1
            link.missed(address)
            if link.decoder.pending:
                link.expire()
                self._handle_events()
        except ConnectionError:
            return  # the port closed under the poll; the loop waits for it to reopen
        finally:
            if self._reply_timer is not None:
                self._reply_timer.cancel()
            self._reply, self._expecting, self._reply_timer = None, None, None
        self._flush()  # answers that were ready while the keypad talked

    def _reply_due(self, reply: asyncio.Future[None]) -> None:
        """The reply's time is up; bytes that came in this loop turn are read first."""
        self._reply_timer = None
        if not reply.done():
            asyncio.get_running_loop().call_soon(self._reply_late, reply)

    def _reply_late(self, reply: asyncio.Future[None]) -> None:
        if reply.done():
            return
        missing = self.link.decoder.missing()
        if missing and not self._reply_extended:
            # A reply is on its way (a TRANSFER with a long service code): let it finish.
            self._reply_extended = True
            wait = missing * byte_time(self.baud) + REPLY_MARGIN_S
            self._reply_timer = asyncio.get_running_loop().call_later(wait, self._reply_due, reply)
            return
        reply.set_exception(TimeoutError())
