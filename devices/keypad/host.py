"""The host's end of a keypad line: which presses are new, what each keypad is sent, and
when: the bus schedule (firmware_notes/keypad-protocol.md).

Sans-I/O, in the shape of the `websockets` and `h11` protocol objects, and time is passed
in, so every decision of the line can be tested with no port and no clock.  Bytes go in
with `receive_data(data, now)`, facts come out of `events_received()`, what must go on
the wire comes out of `data_to_send(now)`, and `tick(now)` is called when
`next_deadline()` comes.  The adapter (adapter.py) owns only the port, the clock and the
tasks that run presses.

RS-485 (host-polled, half duplex): the host is the only one that starts talking.  A cycle
polls every online keypad once and waits for each reply, then probes at most one offline
keypad every OFFLINE_PROBE_S (so a dead keypad costs one timeout now and then, not one
per keypad per cycle).  Answers to presses are written in the gap after the reply being
waited for, never while a keypad may talk; a keypad's new display rides on its own poll.
A poll waits for its reply only as long as the wire needs plus a margin, counted from
when what was written is through the wire.

Point-to-point (a keypad alone on a USB-serial port): the keypad speaks when pressed and
the host answers at once; a display is written as soon as it changes or, while the last
frame written is still on the wire, when that one is through (so a burst of changes,
such as tickets issued at a kiosk, is one SHOW, never a backlog in front of an answer).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from .frames import (
    DISPLAY_IN_POLL_VERSION,
    KEYS,
    OVERHEAD_BYTES,
    SUPPORTED_VERSIONS,
    Cmd,
    Display,
    Frame,
    FrameDecoder,
    Led,
    NakReason,
    byte_time,
    encode_frame,
    service_of,
    show_payload,
)

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
IDLE_AFTER_S = 5.0
"""RS-485: a bus that has heard no press and had no display to send for this long is idle."""
IDLE_CYCLE_S = 0.5
"""RS-485: an idle bus starts a poll cycle at most this often (each keypad is asked twice a
second, so the first press after a quiet spell is heard within this), instead of polling
back to back: a bus nobody presses would otherwise cost the host hundreds of polls a
second for nothing.  0: always at full speed."""
RECENT_CYCLES = 1024
WAITING_EVERY_POLLS = 16
"""RS-485: on the whole line, at most one display whose waiting count alone changed rides
on a poll in this many polls (8 bytes in 16 turns of 14: under 4% of the line's time; a
new number or LED is never held back)."""


@dataclass(frozen=True, slots=True)
class Press:
    """A new key press from a keypad (never a retransmission of one already taken)."""

    address: int
    seq: int
    key: Cmd
    service: str | None = None

    @property
    def payload(self) -> bytes:
        """As it came (a transfer's service code, in ASCII), to name the press whole."""
        return self.service.encode("ascii") if self.service else b""


@dataclass(frozen=True, slots=True)
class Heard:
    """Any valid frame from a configured keypad: the answer a poll waits for."""

    address: int
    command: int


@dataclass(frozen=True, slots=True)
class Hello:
    address: int
    version: int
    firmware: int


LinkEvent = Press | Heard | Hello


def reply_timeout_for(baud: int) -> float:
    """How long a poll waits for its reply once the poll is through the wire: the shortest
    reply (7 bytes) and the margin.  A longer reply that has begun by then is given the
    time its length needs, once."""
    return OVERHEAD_BYTES * byte_time(baud) + REPLY_MARGIN_S


_IN_FLIGHT = -1


@dataclass(slots=True)
class KeypadState:
    """What the host remembers about one keypad."""

    address: int
    last_seq: int | None = None
    last_key: int | None = None
    last_payload: bytes = b""
    result: int | None = _IN_FLIGHT
    """Error code of the last press's answer, None for a SHOW, _IN_FLIGHT while executing."""
    display: Display = field(default_factory=Display)
    tag: int = 0
    """Tag of the current display (1-255, cycling); 0 until a display is set."""
    dirty: bool = False
    urgent: bool = False
    """The number or the LED changed (not only the waiting count): send it at once."""
    shown_at: float = float("-inf")
    online: bool = False
    misses: int = 0
    presses: int = 0
    duplicates: int = 0
    firmware: int | None = None
    version: int | None = None
    """From its HELLO; None until one is heard (a keypad keeps running when the host
    restarts), and then taken as 2 until the keypad shows it ignores displays in polls."""
    carried: int = 0
    """The tag of the display that rode on the poll now waiting for this keypad's reply."""


def next_tag(tag: int) -> int:
    return 1 if tag >= 255 else tag + 1


class HostLink:
    """The host's end of one line: which presses are new, what each keypad must be sent,
    and when (the poll schedule, the reply deadlines, the display flushes).

    Duplicate suppression: the host remembers, per address, the SEQ and key of the last
    press it took.  The same press again (the keypad did not hear the answer) is not a
    new press: the host answers it again (the current display, or the same error), or
    says nothing while the first one is still executing.  A HELLO (the keypad restarted)
    forgets the SEQ, since the keypad's counting starts again.
    """

    def __init__(
        self,
        addresses: list[int] | tuple[int, ...],
        offline_after: int = 3,
        waiting_every_polls: int = WAITING_EVERY_POLLS,
        *,
        mode: Mode = "rs485",
        baud: int = 115200,
        reply_timeout_s: float | None = None,
        waiting_refresh_s: float = WAITING_REFRESH_S,
        idle_after_s: float = IDLE_AFTER_S,
        idle_cycle_s: float = IDLE_CYCLE_S,
    ) -> None:
        self.keypads: dict[int, KeypadState] = {a: KeypadState(a) for a in addresses}
        self.decoder = FrameDecoder()
        self.mode: Mode = mode
        self.offline_after = offline_after
        self.waiting_every_polls = waiting_every_polls
        self.waiting_refresh_s = waiting_refresh_s
        self.byte_s = byte_time(baud)
        self.reply_timeout_s = reply_timeout_s or reply_timeout_for(baud)
        """How long a reply may take once the poll is through the wire."""
        self._polls_since_waiting = waiting_every_polls
        self._events: list[LinkEvent] = []
        self._out = bytearray()
        self._held = bytearray()
        """RS-485: what was ready while a keypad may talk; written when its turn is over."""
        self._open = False
        self._now = 0.0
        self._wire_free_at = 0.0
        """When what was taken by `data_to_send` last is through the wire."""
        # RS-485: the cycle and the poll in flight
        self._cycle: deque[int] = deque()
        self._cycle_started: float | None = None
        self._awaiting: int | None = None
        self._reply_by: float | None = None
        """The poll in flight's deadline; None until the poll is taken to be written."""
        self._reply_extended = False
        self._probe_at = 0.0
        self._probe_index = 0
        self.idle_after_s = idle_after_s
        self.idle_cycle_s = idle_cycle_s
        self._active_at = 0.0
        """When the bus last heard a press or a HELLO, or had a display to send."""
        self._cycle_began_at = float("-inf")
        # point-to-point
        self._expire_at: float | None = None
        self._show_wanted = False
        self._running: set[tuple[int, int]] = set()
        """Presses handed out as events and not answered yet (address, seq)."""
        # counters
        self.unknown_address = 0
        self.naks = 0
        self.echoes = 0
        self.polls = 0
        self.timeouts = 0
        self.cycles = 0
        self.last_cycle_s = 0.0
        self.recent_cycles: deque[float] = deque(maxlen=RECENT_CYCLES)
        """The durations of the last cycles, in seconds (the bench reads them)."""

    @property
    def polled(self) -> bool:
        return self.mode == "rs485"

    # -- the line
    def line_opened(self, now: float) -> None:
        """The port is open: every keypad gets its display again; a bus starts a cycle."""
        self._now = now
        self._open = True
        self._wire_free_at = now
        self._active_at = now
        self.resend_all()
        if not self.polled:
            self.send_displays()
            for state in self.keypads.values():
                state.online = True

    def line_closed(self) -> None:
        """What was not written is dropped; displays are sent again on open."""
        self._open = False
        self.decoder.reset()
        self._out.clear()
        self._held.clear()
        self._cycle.clear()
        self._cycle_started = None
        self._awaiting = self._reply_by = self._expire_at = None
        self._show_wanted = False
        for state in self.keypads.values():
            state.online = False
            state.misses = 0

    def keypads_online(self) -> int:
        return sum(1 for k in self.keypads.values() if k.online)

    # -- bytes in
    def receive_data(self, data: bytes | bytearray | memoryview, now: float | None = None) -> None:
        if now is not None:
            self._now = now
        for frame in self.decoder.feed(data):
            self._receive_frame(frame)
        if not self.polled:
            pending = self.decoder.pending
            self._expire_at = self._now + P2P_IDLE_EXPIRE_S if pending else None

    def expire(self) -> None:
        """The line went quiet with a partial frame pending."""
        for frame in self.decoder.expire():
            self._receive_frame(frame)

    def events_received(self) -> list[LinkEvent]:
        events, self._events = self._events, []
        return events

    # -- bytes out
    def data_to_send(self, now: float | None = None) -> bytes:
        """What to write now (at `now`, or the last time the link was told): the wire is
        busy with it from then on, and a poll's reply deadline counts from its end."""
        if now is not None:
            self._now = now
        data = bytes(self._out)
        self._out.clear()
        if data:
            start = max(self._now, self._wire_free_at)
            self._wire_free_at = start + len(data) * self.byte_s
        if self._awaiting is not None and self._reply_by is None:
            self._reply_by = self._wire_free_at + self.reply_timeout_s
        return data

    # -- time
    def next_deadline(self) -> float | None:
        """When `tick` has something to do; None: only bytes in or a change can wake it."""
        if not self._open:
            return None
        due = self._expire_at
        if self.polled:
            poll = self._next_poll_at()
            if poll is not None:
                due = poll if due is None else min(due, poll)
        elif self._show_wanted and not self._running:
            due = self._wire_free_at if due is None else min(due, self._wire_free_at)
        return due

    def tick(self, now: float) -> None:
        """Do what is due at `now`: give up on a reply, poll the next keypad, write the
        displays that changed, drop a partial frame that will never complete."""
        self._now = now
        if not self._open:
            return
        if self._expire_at is not None and now >= self._expire_at:
            self._expire_at = None
            if self.decoder.pending:
                self.expire()
        if self.polled:
            self._keep_polling(now)
        elif self._show_wanted and not self._running and now >= self._wire_free_at:
            self._show_wanted = False
            self.send_displays()

    # -- presses
    def answer(self, address: int, seq: int, error: int | None) -> None:
        """The result of a press: a SHOW of the current display, or an ERROR."""
        self._running.discard((address, seq))
        state = self.keypads[address]
        if state.last_seq == seq:
            state.result = error
        self._answer(state, seq, error)

    def remember_press(self, address: int, seq: int, key: int, payload: bytes = b"") -> None:
        """A press this keypad made that was run before the host restarted (its owner kept
        it): a resend of it is answered with the current display, not run again."""
        state = self.keypads[address]
        state.last_seq, state.last_key, state.last_payload = seq, key, payload
        state.result = None

    def press_failed(self, address: int, seq: int) -> None:
        """A press could not be executed: no answer goes out (the keypad retries), and
        the displays held back for its answer may go."""
        self._running.discard((address, seq))

    # -- displays
    def set_display(self, address: int, display: Display) -> bool:
        """A new display for a keypad; True when it changed (and will be sent)."""
        state = self.keypads[address]
        if state.tag and state.display == display:
            return False
        old = state.display
        state.display = display
        state.tag = next_tag(state.tag)
        state.dirty = True
        state.urgent = state.urgent or old.text != display.text or old.led != display.led
        self._active_at = self._now  # a bus gets back to full speed to carry it
        # Point-to-point it goes when the wire is free; a press being executed carries
        # its keypad's new display in its answer, and the others go right after it.
        self._show_wanted = not self.polled
        return True

    def send_displays(self) -> int:
        """Point-to-point: queue a SHOW for every keypad whose display changed; returns how
        many.  (On a bus a display rides on the keypad's poll instead: see `poll`.)"""
        sent = 0
        for state in self.keypads.values():
            if not (state.dirty and state.tag):
                continue
            self._write(
                encode_frame(state.address, 0, Cmd.SHOW, show_payload(state.tag, state.display))
            )
            state.dirty = state.urgent = False
            sent += 1
        return sent

    def signal(self, address: int, led: Led, beeps: int) -> None:
        self._write(encode_frame(address, 0, Cmd.SIGNAL, bytes((int(led), min(beeps, 255)))))

    def resend_all(self) -> None:
        """After the line reopened: every keypad gets its display again."""
        for state in self.keypads.values():
            state.dirty = state.urgent = bool(state.tag)

    # -- polls, one at a time
    def poll(self, address: int, now: float | None = None, waiting_every_s: float = 0.0) -> None:
        """RS-485: "your turn to talk", with the keypad's display when it must be sent.

        A display goes in the keypad's own slot of the cycle, so the cycle's extra line
        time is spread over it rather than heaped after each call: inside the POLL for a
        version 2 keypad, as a SHOW just before the POLL for a version 1 keypad.  Only to
        a keypad that is online.  A new number or LED goes at once; with `now`, a change
        of the waiting count alone goes at most every `waiting_every_s` per keypad and at
        most once every `waiting_every_polls` polls on the line.  (`tick` polls on the
        schedule; this is one poll, for it and for the tests.)
        """
        self._polls_since_waiting += 1
        state = self.keypads.get(address)
        payload = b""
        if state is not None and self._display_due(state, now, waiting_every_s):
            display = show_payload(state.tag, state.display)
            if state.version is not None and state.version < DISPLAY_IN_POLL_VERSION:
                self._out += encode_frame(address, 0, Cmd.SHOW, display)
            else:
                payload = display
                state.carried = state.tag
            state.dirty = state.urgent = False
            if now is not None:
                state.shown_at = now
        self._out += encode_frame(address, 0, Cmd.POLL, payload)

    def missed(self, address: int) -> None:
        """A poll of this keypad went unanswered."""
        state = self.keypads[address]
        state.carried = 0
        state.misses += 1
        if state.misses >= self.offline_after:
            state.online = False

    # -- the poll schedule (RS-485)
    def _next_poll_at(self) -> float | None:
        if self._awaiting is not None:
            return self._now if self._reply_by is None else self._reply_by
        if self._cycle:
            return self._now
        if self._schedule_size():
            return max(self._now, self._next_cycle_at())
        return self._probe_at if self.keypads else None

    def _next_cycle_at(self) -> float:
        """When a new cycle may start: at once on a busy bus, `idle_cycle_s` after the last
        one began on an idle one."""
        idle = self.idle_cycle_s > 0 and self._now - self._active_at >= self.idle_after_s
        return self._cycle_began_at + self.idle_cycle_s if idle else self._now

    def _schedule_size(self) -> int:
        limit = self.offline_after
        return sum(1 for k in self.keypads.values() if k.online or k.misses < limit)

    def _keep_polling(self, now: float) -> None:
        address = self._awaiting
        if address is not None:
            if self._reply_by is None or now < self._reply_by:
                return
            missing = self.decoder.missing()
            if missing and not self._reply_extended:
                # A reply is on its way (a TRANSFER with a long service code): let it finish.
                self._reply_extended = True
                self._reply_by = now + missing * self.byte_s + REPLY_MARGIN_S
                return
            self.timeouts += 1
            self._end_poll()
            self.missed(address)
            if self.decoder.pending:
                self.expire()
        if not self._cycle:
            if now < self._next_cycle_at():
                return  # an idle bus: the next cycle is not due yet
            self._cycle.extend(self._schedule(now))
            if not self._cycle:
                return  # nobody to poll until the next probe
            self._cycle_started = self._cycle_began_at = now
        address = self._cycle.popleft()
        self.poll(address, now, self.waiting_refresh_s)
        self.polls += 1
        self._awaiting, self._reply_by, self._reply_extended = address, None, False

    def _schedule(self, now: float) -> list[int]:
        """A cycle: every keypad not known to be away (just started, just reopened ones
        too), in address order, then at most one offline keypad, in turn, when its probe
        is due."""
        limit = self.offline_after
        cycle = [a for a, k in self.keypads.items() if k.online or k.misses < limit]
        offline = [a for a, k in self.keypads.items() if not k.online and k.misses >= limit]
        if offline and now >= self._probe_at:
            self._probe_index = (self._probe_index + 1) % len(offline)
            cycle.append(offline[self._probe_index])
            self._probe_at = now + OFFLINE_PROBE_S
        return cycle

    def _end_poll(self) -> None:
        """The keypad's turn is over (it answered, or its time is up): what was held
        back goes out, and a cycle whose last keypad this was is counted."""
        self._awaiting = self._reply_by = None
        self._out += self._held
        self._held.clear()
        if not self._cycle and self._cycle_started is not None:
            self.cycles += 1
            self.last_cycle_s = self._now - self._cycle_started
            self.recent_cycles.append(self.last_cycle_s)
            self._cycle_started = None

    # -- internals
    def _write(self, frame: bytes) -> None:
        if self._awaiting is None:
            self._out += frame
        else:
            self._held += frame  # a keypad may be talking: never write over it

    def _display_due(self, state: KeypadState, now: float | None, waiting_every_s: float) -> bool:
        if not (state.dirty and state.tag and state.online):
            return False
        if state.urgent or now is None:
            return True
        if now - state.shown_at < waiting_every_s:
            return False
        if self._polls_since_waiting < self.waiting_every_polls:
            return False
        self._polls_since_waiting = 0
        return True

    def _answer(self, state: KeypadState, seq: int, error: int | None) -> None:
        if error is None:
            payload = show_payload(state.tag, state.display)
            self._write(encode_frame(state.address, seq, Cmd.SHOW, payload))
            state.dirty = state.urgent = False
        else:
            self._write(encode_frame(state.address, seq, Cmd.ERROR, bytes((error,))))

    def _nak(self, frame: Frame, reason: NakReason) -> None:
        self.naks += 1
        self._write(encode_frame(frame.address, frame.seq, Cmd.NAK, bytes((reason,))))

    def _receive_frame(self, frame: Frame) -> None:
        if frame.command >= 0x80:
            self.echoes += 1  # our own frames (RS-485 local echo) or another master's
            return
        state = self.keypads.get(frame.address)
        if state is None:
            self.unknown_address += 1
            return
        state.online = True
        state.misses = 0
        if frame.address == self._awaiting:
            self._end_poll()  # any frame from the keypad polled is its reply
            # Its reply is in, so what we wrote before it is through the wire: the wire is
            # free now, whatever the baud rate said (replies that come faster than the
            # wire could carry them must not push a later reply's deadline ahead).
            self._wire_free_at = min(self._wire_free_at, self._now)
        carried, state.carried = state.carried, 0
        self._events.append(Heard(frame.address, frame.command))
        command = frame.command
        if command == Cmd.IDLE:
            if state.tag and frame.seq != state.tag:
                state.dirty = True  # the keypad shows something else: send it again
                state.urgent = state.urgent or frame.seq == 0  # it restarted: blank
                self._show_wanted = not self.polled  # point-to-point: a SHOW of its own
                if carried == state.tag and state.version is None:
                    # It answered the poll that carried this display, and shows another:
                    # a version 1 keypad, which ignores a POLL's payload.  SHOW frames.
                    state.version = 1
                    state.urgent = True
            return
        if command == Cmd.HELLO:
            if len(frame.payload) < 1 or frame.payload[0] not in SUPPORTED_VERSIONS:
                self._nak(frame, NakReason.UNSUPPORTED_VERSION)
                return
            state.version = frame.payload[0]
            state.last_seq = None
            state.last_key = None
            state.firmware = frame.payload[1] if len(frame.payload) > 1 else None
            # The answer to a HELLO is the display (blank, tag 0, when there is none yet).
            self._write(
                encode_frame(state.address, 0, Cmd.SHOW, show_payload(state.tag, state.display))
            )
            state.dirty = False
            self._events.append(Hello(frame.address, frame.payload[0], state.firmware or 0))
            self._active_at = self._now
            return
        if command not in KEYS:
            self._nak(frame, NakReason.UNKNOWN_COMMAND)
            return
        service = None
        if command == Cmd.TRANSFER:
            service = service_of(frame.payload)
            if service is None:
                self._nak(frame, NakReason.BAD_PAYLOAD)
                return
        elif frame.payload:
            self._nak(frame, NakReason.BAD_PAYLOAD)
            return
        if (
            state.last_seq == frame.seq
            and state.last_key == command
            and state.last_payload == frame.payload
        ):
            state.duplicates += 1
            if state.result != _IN_FLIGHT:
                self._answer(state, frame.seq, state.result)
            return
        state.last_seq = frame.seq
        state.last_key = command
        state.last_payload = frame.payload
        state.result = _IN_FLIGHT
        state.presses += 1
        self._running.add((frame.address, frame.seq))
        self._events.append(Press(frame.address, frame.seq, Cmd(command), service))
        self._active_at = self._now
