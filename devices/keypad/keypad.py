"""A keypad's own end of the line, as its firmware runs it (the emulator drives it).

Sans-I/O like the host's end (`host.py`): frames in with `receive_frame()`, frames out
from `reply_to_poll()` (RS-485) or `due()` (point-to-point), time passed in.
"""

from __future__ import annotations

import contextlib
from collections import deque
from dataclasses import dataclass

from .frames import (
    DISPLAY_IN_POLL_VERSION,
    PROTOCOL_VERSION,
    Cmd,
    Display,
    Frame,
    NakReason,
    parse_show,
    transfer_payload,
)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a keypad heard back for one of its presses."""

    seq: int
    key: Cmd
    error: int | None
    display: Display | None


class KeypadDevice:
    """The keypad's end, as its firmware runs it (used by the emulator and the tests).

    Presses queue; the first one goes out (on the next poll, or at once point-to-point)
    and is sent again with the same SEQ until its answer comes.  SEQ counts 1..255
    and starts again at 1 after the HELLO that follows power-up.
    """

    def __init__(
        self,
        address: int,
        *,
        polled: bool,
        retry_s: float = 0.3,
        heartbeat_s: float = 5.0,
        firmware: int = 1,
        version: int = PROTOCOL_VERSION,
    ) -> None:
        self.address = address
        self.polled = polled
        self.version = version
        """1: an old keypad, which takes no display from a POLL (or a keypad of version 2
        that a version 1 host refused)."""
        self.retry_s = retry_s
        self.heartbeat_s = heartbeat_s
        self.firmware = firmware
        self.seq = 0
        self.queue: deque[tuple[Cmd, bytes]] = deque()
        self.pending: Frame | None = None
        self.sent_at: float | None = None
        self.sends = 0
        self.hello_pending = True
        self.hello_sent_at: float | None = None
        self.last_sent_at = 0.0
        self.display = Display()
        self.tag = 0
        self.error: int | None = None
        self.nak: int | None = None
        self.signals: list[tuple[int, int]] = []
        self.answers: list[Answer] = []
        self.frames_heard = 0

    def press(self, key: Cmd, service: str | None = None) -> None:
        payload = transfer_payload(service) if key == Cmd.TRANSFER and service else b""
        self.queue.append((key, payload))

    @property
    def busy(self) -> bool:
        return self.pending is not None or bool(self.queue) or self.hello_pending

    def _next_pending(self) -> Frame | None:
        if self.pending is None and self.queue and not self.hello_pending:
            key, payload = self.queue.popleft()
            self.seq = 1 if self.seq >= 255 else self.seq + 1
            self.pending = Frame(self.address, self.seq, key, payload)
            self.sends = 0
        return self.pending

    def _hello(self) -> Frame:
        return Frame(self.address, 0, Cmd.HELLO, bytes((self.version, self.firmware)))

    def reply_to_poll(self, now: float) -> Frame:
        """RS-485: what the keypad answers when polled."""
        self.last_sent_at = now
        if self.hello_pending:
            return self._hello()
        pending = self._next_pending()
        if pending is not None:
            self.sends += 1
            self.sent_at = now
            return pending
        return Frame(self.address, self.tag, Cmd.IDLE)

    def due(self, now: float) -> Frame | None:
        """Point-to-point: a frame to send now, if any (first send, retry or heartbeat)."""
        if self.polled:
            return None
        if self.hello_pending:
            if self.hello_sent_at is None or now - self.hello_sent_at >= self.retry_s:
                self.hello_sent_at = now
                self.last_sent_at = now
                return self._hello()
            return None
        pending = self._next_pending()
        if pending is not None:
            if self.sent_at is None or self.sends == 0 or now - self.sent_at >= self.retry_s:
                self.sends += 1
                self.sent_at = now
                self.last_sent_at = now
                return pending
            return None
        if now - self.last_sent_at >= self.heartbeat_s:
            self.last_sent_at = now
            return Frame(self.address, self.tag, Cmd.IDLE)
        return None

    def next_deadline(self, now: float) -> float | None:
        """Point-to-point: when `due()` may next have something to send."""
        if self.polled:
            return None
        if self.hello_pending:
            return now if self.hello_sent_at is None else self.hello_sent_at + self.retry_s
        if self.pending is not None and self.sent_at is not None and self.sends:
            return self.sent_at + self.retry_s
        if self.queue:
            return now
        return self.last_sent_at + self.heartbeat_s

    def receive_frame(self, frame: Frame) -> None:
        """A frame from the host addressed to this keypad."""
        if frame.address != self.address:
            return
        self.frames_heard += 1
        command = frame.command
        if command == Cmd.POLL:
            # A display in a poll is a SHOW with SEQ 0 (but not the answer to a HELLO);
            # the emulator then calls `reply_to_poll`.
            if frame.payload and self.version >= DISPLAY_IN_POLL_VERSION:
                with contextlib.suppress(ValueError):
                    self.tag, self.display = parse_show(frame.payload)
                    self.error = None
        elif command == Cmd.SHOW:
            try:
                tag, display = parse_show(frame.payload)
            except ValueError:
                return
            self.hello_pending = False
            self.display, self.tag, self.error = display, tag, None
            self._settle(frame.seq, None, display)
        elif command == Cmd.ERROR and frame.payload:
            self.hello_pending = False
            self.error = frame.payload[0]
            self._settle(frame.seq, frame.payload[0], None)
        elif command == Cmd.NAK and frame.payload:
            self.nak = frame.payload[0]
            if self.pending is not None and frame.seq == self.pending.seq:
                self.pending = None  # never retransmit what the host cannot take
            if (
                frame.payload[0] == NakReason.UNSUPPORTED_VERSION
                and self.hello_pending
                and self.version > 1
            ):
                self.version = 1  # a version 1 host: speak version 1 (the same, less one thing)
                self.hello_sent_at = None
        elif command == Cmd.SIGNAL and len(frame.payload) >= 2:
            self.signals.append((frame.payload[0], frame.payload[1]))

    def _settle(self, seq: int, error: int | None, display: Display | None) -> None:
        pending = self.pending
        if pending is not None and seq == pending.seq and seq != 0:
            self.answers.append(Answer(seq, Cmd(pending.command), error, display))
            self.pending = None
            self.sent_at = None

    def power_cycle(self) -> None:
        """Lose everything not acknowledged, as a keypad whose power went does."""
        self.queue.clear()
        self.pending = None
        self.seq = 0
        self.hello_pending = True
        self.hello_sent_at = None
        self.display, self.tag, self.error = Display(), 0, None
