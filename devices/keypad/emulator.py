"""Keypads on the far end of a pseudo-terminal, speaking protocol v1 at the wire's pace.

A pty moves bytes instantly, which would hide what the wire costs.  So the emulator
keeps a clock of the wire (of each direction, point-to-point, which is full duplex): a
frame from the host is complete only `len * 10 / baud` seconds after the wire was free
for it, a reply leaves after a turnaround and then takes its own length in byte times;
only then are its bytes written, all at once (the host cannot act on a frame before its
last byte anyway), except that a frame with a payload has its header written when the
header is through.  Keys pressed while a poll is on the wire are in the reply to it, as
on a real keypad.  It runs in its own thread with blocking I/O and tight timers, so that
sub-millisecond pacing is not at the mercy of an event loop's millisecond timers.

Unplug: `unplug()` closes the master end; the host's reader fails exactly as on a
real USB unplug.  Replug: a new `PtyWire` with the same `KeypadDevice` objects, and
the line's symlink moved to the new slave (`link_to`), as udev's by-id links do.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import select
import threading
import time
import tty
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from .frames import HEADER_BYTES, Cmd, Frame, FrameDecoder, byte_time
from .keypad import KeypadDevice


def link_to(target: str, link: str | Path) -> None:
    """Point `link` at `target` atomically (make or move the symlink)."""
    link = Path(link)
    tmp = link.with_name(link.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)


PR_SET_TIMERSLACK = 29


def _tight_timers() -> None:
    """Wake this thread within microseconds of its deadline (Linux: 50 µs late by default).

    A keypad answers 60 µs after a poll; a thread that oversleeps twice per exchange
    would make the emulated wire slower than the real one.  Sleeps still never end
    early, so the emulated wire is never faster than the baud rate either.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0)


class PtyWire:
    """One pty with keypads behind it: a multi-drop bus (polled) or one keypad (p2p)."""

    def __init__(
        self,
        devices: Iterable[KeypadDevice],
        baud: int,
        *,
        turnaround_s: float = 100e-6,
        on_change: Callable[[KeypadDevice], None] | None = None,
        on_press_sent: Callable[[KeypadDevice, Frame, float], None] | None = None,
    ) -> None:
        self.devices = {d.address: d for d in devices}
        self.baud = baud
        self.byte_s = byte_time(baud)
        self.turnaround_s = turnaround_s
        self.on_change = on_change
        self.on_press_sent = on_press_sent
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(slave)
        self._slave = slave
        self.slave_path = os.ttyname(slave)
        self._wake_r, self._wake_w = os.pipe()
        self._lock = threading.Lock()
        self._requests: list[Callable[[], None]] = []
        self._decoder = FrameDecoder()
        self._wire_free = 0.0
        """When the wire towards the keypads is free (on a bus: the one wire, both ways)."""
        self._back_free = 0.0
        """Point-to-point is full duplex: when the wire towards the host is free."""
        self._arriving: deque[tuple[float, KeypadDevice, Frame]] = deque()
        """Point-to-point: frames from the host on their way, with when each is through."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames_in = 0
        self.frames_out = 0
        self.corrupt_in = 0
        self.tap: list[bytes] = []
        """Every chunk written to the host, when `record` is on (tests read real frames)."""
        self.record = False
        self.garbage: bytes = b""
        """Sent before each frame (noise on the line)."""
        self.deaf = False
        """Hear nothing from the host (its answers are lost on the way)."""

    # -- control, from any thread
    def start(self) -> PtyWire:
        self._thread = threading.Thread(target=self._run, name="keypad-emulator", daemon=True)
        self._thread.start()
        return self

    def call(self, fn: Callable[[], None]) -> None:
        """Run `fn` in the emulator's thread (device state is touched only there)."""
        with self._lock:
            self._requests.append(fn)
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def press(self, address: int, key: Cmd, service: str | None = None) -> None:
        device = self.devices[address]
        self.call(lambda: device.press(key, service))

    def inject(self, data: bytes) -> None:
        """Put raw bytes on the wire towards the host (noise, hand-made frames)."""

        def send() -> None:
            self._write(data)

        self.call(send)

    def unplug(self) -> None:
        """Close the master end: the host sees the same error as a real unplug."""
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        for fd in (self.master, self._slave, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    # -- the thread
    def _run(self) -> None:
        _tight_timers()
        with contextlib.suppress(OSError):  # the master was closed under us: unplugged
            self._loop()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            now = time.monotonic()
            timeout = 0.1
            for device in self.devices.values():
                deadline = device.next_deadline(now)
                if deadline is not None:
                    timeout = min(timeout, max(0.0, deadline - now))
            if self._arriving:
                timeout = min(timeout, max(0.0, self._arriving[0][0] - now))
            readable, _, _ = select.select([self.master, self._wake_r], [], [], timeout)
            if self._stopping.is_set():
                return
            if self._wake_r in readable:
                os.read(self._wake_r, 4096)
                self._run_requests()
            if self.master in readable:
                arrived = time.monotonic()
                data = os.read(self.master, 4096)
                if not data:
                    return
                corrupt = self._decoder.corrupt
                for frame in self._decoder.feed(data):
                    self._from_host(frame, arrived)
                self.corrupt_in += self._decoder.corrupt - corrupt
            self._deliver_arrived()
            self._send_due()

    def _run_requests(self) -> None:
        with self._lock:
            requests, self._requests = self._requests, []
        for request in requests:
            request()
            self._changed_all()

    def _from_host(self, frame: Frame, arrived: float) -> None:
        self.frames_in += 1
        # The frame occupies the wire for its length once the wire is free.
        self._wire_free = max(self._wire_free, arrived) + frame.wire_bytes * self.byte_s
        device = self.devices.get(frame.address)
        if device is None or self.deaf:
            return
        if not device.polled:
            # Point-to-point: the keypad may talk while this frame comes in.
            self._arriving.append((self._wire_free, device, frame))
            return
        if frame.command == Cmd.POLL:
            _sleep_until(self._wire_free + self.turnaround_s)
            # A key pressed while the poll was on the wire is in the reply, as on a real
            # keypad, which scans its keys while its UART receives.
            self._run_requests()
            device.receive_frame(frame)  # a display the poll carries
            reply = device.reply_to_poll(time.monotonic())
            self._send(device, reply)
            if frame.payload and self.on_change is not None:
                self.on_change(device)
            return
        _sleep_until(self._wire_free)
        device.receive_frame(frame)
        if self.on_change is not None:
            self.on_change(device)

    def _deliver_arrived(self) -> None:
        while self._arriving and self._arriving[0][0] <= time.monotonic():
            _, device, frame = self._arriving.popleft()
            device.receive_frame(frame)
            if self.on_change is not None:
                self.on_change(device)

    def _send_due(self) -> None:
        for device in self.devices.values():
            if device.polled:
                continue
            frame = device.due(time.monotonic())
            if frame is not None:
                self._send(device, frame)

    def _send(self, device: KeypadDevice, frame: Frame) -> None:
        started = max(time.monotonic(), self._wire_free if device.polled else self._back_free)
        if self.on_press_sent is not None and frame.command < Cmd.IDLE:
            self.on_press_sent(device, frame, started)
        data = self.garbage + frame.encode()
        done = started + len(data) * self.byte_s
        if device.polled:
            self._wire_free = done
        else:
            self._back_free = done
        if frame.payload:
            # The host has the header (and so the length) before the rest, as over a
            # real adapter: it waits for a long reply that has begun.
            head = len(self.garbage) + HEADER_BYTES
            _sleep_until(started + head * self.byte_s)
            self._write(data[:head])
            data = data[head:]
        _sleep_until(done)
        self._write(data)
        self.frames_out += 1

    def _write(self, data: bytes) -> None:
        if self.record:
            self.tap.append(data)
        view = memoryview(data)
        while view:
            written = os.write(self.master, view)
            view = view[written:]

    def _changed_all(self) -> None:
        if self.on_change is not None:
            for device in self.devices.values():
                self.on_change(device)


class Watcher:
    """Lets asyncio code wait for a condition on emulated keypads, without polling.

    The emulator's thread calls `changed()` after each change; waiters whose predicate
    now holds are woken on their own event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: list[
            tuple[asyncio.AbstractEventLoop, asyncio.Future[None], Callable[[], bool]]
        ] = []

    def changed(self, _device: KeypadDevice | None = None) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, future, predicate in waiters:
            try:
                ready = predicate()
            except Exception:  # a predicate reading half-updated state: look again later
                ready = False
            if ready:
                loop.call_soon_threadsafe(_resolve, future)

    async def wait(self, predicate: Callable[[], bool], within: float) -> None:
        """Return once `predicate()` holds; TimeoutError after `within` seconds."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (loop, future, predicate)
        with self._lock:
            self._waiters.append(entry)
        try:
            if predicate():
                return
            async with asyncio.timeout(within):
                await future
        finally:
            with self._lock:
                self._waiters.remove(entry)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
