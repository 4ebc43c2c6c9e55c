"""Keypad protocol, version 2: frames, the host's link state machine, the keypad's.

Specified in firmware_notes/keypad-protocol.md; this module is that document in code
and does no I/O.  Bytes go in with `receive_data()`, facts come out of
`events_received()`, and what must go on the wire comes out of `data_to_send()`,
the shape of the `websockets` protocol objects.  Time is passed in where it matters.

Frame (all multi-byte numbers little-endian):

    A5 | ADDR | SEQ | CMD | LEN | PAYLOAD (LEN bytes, <= 32) | CRC lo | CRC hi

The CRC is CRC-16/MODBUS over ADDR..PAYLOAD.  The start byte A5 is the frame layout of
versions 1 and 2; a keypad says its version in its HELLO.  Version 2 adds one thing: a POLL
may carry the keypad's display, so a display change costs its payload on the wire and no
frame of its own.  The host still takes version 1 keypads (they get SHOW frames).
"""

from __future__ import annotations

import contextlib
from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum

from ..crc import crc16_modbus
from ..framing import FrameScanner

SOF = 0xA5
PROTOCOL_VERSION = 2
"""What this code speaks; the host also takes version 1 keypads."""
SUPPORTED_VERSIONS = frozenset({1, 2})
DISPLAY_IN_POLL_VERSION = 2
"""The first version whose keypads take a display inside a POLL."""
WAITING_EVERY_POLLS = 16
"""RS-485: on the whole line, at most one display whose waiting count alone changed rides
on a poll in this many polls (8 bytes in 16 turns of 14: under 4% of the line's time; a
new number or LED is never held back)."""
HEADER_BYTES = 5
OVERHEAD_BYTES = 7
"""Start, address, sequence, command, length and the two CRC bytes."""
MAX_PAYLOAD = 32
MAX_TEXT = 12
"""Longest number shown: a 3-letter prefix and 6 digits fit, with room to spare."""
MAX_ADDRESS = 247
BITS_PER_BYTE = 10
"""8N1 on the wire: a start bit, eight data bits, a stop bit."""


def byte_time(baud: int) -> float:
    """Seconds one byte takes on the wire."""
    return BITS_PER_BYTE / baud


class Cmd(IntEnum):
    # keypad -> host: the keys, then the link's own frames
    NEXT = 0x01
    RECALL = 0x02
    START = 0x03
    DONE = 0x04
    NO_SHOW = 0x05
    TRANSFER = 0x06
    PAUSE = 0x07
    RESUME = 0x08
    IDLE = 0x10
    HELLO = 0x11
    # host -> keypad
    POLL = 0x80
    SHOW = 0x81
    ERROR = 0x82
    SIGNAL = 0x83
    NAK = 0x85


KEYS = frozenset(
    {
        Cmd.NEXT,
        Cmd.RECALL,
        Cmd.START,
        Cmd.DONE,
        Cmd.NO_SHOW,
        Cmd.TRANSFER,
        Cmd.PAUSE,
        Cmd.RESUME,
    }
)
"""The commands a person's key press sends."""


class Led(IntEnum):
    OFF = 0
    ON = 1
    BLINK = 2


class ErrorCode(IntEnum):
    """Shown on the keypad as E-01 ... E-15 for two seconds, with a long beep."""

    COUNTER_CLOSED = 1
    COUNTER_PAUSED = 2
    NOBODY_WAITING = 3
    NO_CURRENT_TICKET = 4
    WRONG_TICKET_STATE = 5
    UNKNOWN_SERVICE = 6
    INVALID_TRANSFER = 7
    CENTRE_CLOSED = 8
    NOT_CONFIGURED = 9
    WRONG_COUNTER_STATE = 10
    SERVER_ERROR = 14
    REJECTED = 15


ERROR_FOR_REJECTION: dict[str, ErrorCode] = {
    "counter_closed": ErrorCode.COUNTER_CLOSED,
    "counter_paused": ErrorCode.COUNTER_PAUSED,
    "nobody_waiting": ErrorCode.NOBODY_WAITING,
    "no_current_ticket": ErrorCode.NO_CURRENT_TICKET,
    "wrong_ticket_state": ErrorCode.WRONG_TICKET_STATE,
    "unknown_service": ErrorCode.UNKNOWN_SERVICE,
    "service_not_served": ErrorCode.UNKNOWN_SERVICE,
    "invalid_transfer": ErrorCode.INVALID_TRANSFER,
    "transfer_to_self": ErrorCode.INVALID_TRANSFER,
    "centre_closed": ErrorCode.CENTRE_CLOSED,
    "day_already_closed": ErrorCode.CENTRE_CLOSED,
    "unknown_counter": ErrorCode.NOT_CONFIGURED,
    "wrong_counter_state": ErrorCode.WRONG_COUNTER_STATE,
}
"""The engine's stable refusal codes, as keypad error numbers (anything else: REJECTED)."""


class NakReason(IntEnum):
    BAD_PAYLOAD = 1
    UNKNOWN_COMMAND = 2
    UNSUPPORTED_VERSION = 3


# ---------------------------------------------------------------------- frames


@dataclass(frozen=True, slots=True)
class Frame:
    address: int
    seq: int
    command: int
    payload: bytes = b""

    def encode(self) -> bytes:
        return encode_frame(self.address, self.seq, self.command, self.payload)

    @property
    def wire_bytes(self) -> int:
        return OVERHEAD_BYTES + len(self.payload)


def encode_frame(address: int, seq: int, command: int, payload: bytes = b"") -> bytes:
    if not 0 <= address <= 255 or not 0 <= seq <= 255 or not 0 <= command <= 255:
        raise ValueError("address, seq and command are single bytes")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes; at most {MAX_PAYLOAD}")
    body = bytes((address, seq, command, len(payload))) + payload
    return bytes((SOF,)) + body + crc16_modbus(body).to_bytes(2, "little")


class FrameDecoder(FrameScanner[Frame]):
    """Finds frames in a byte stream, whatever the noise around them.

    A frame starts at an A5 whose length byte is possible and whose CRC checks.  When a
    candidate fails, the decoder moves one byte on and looks again, so a frame that
    starts inside garbage is still found.  `expire()` says the line went quiet: a
    partial frame at the head will never complete, so drop its start and rescan.
    """

    __slots__ = ("max_payload",)

    def __init__(self, max_payload: int = MAX_PAYLOAD) -> None:
        super().__init__()
        self.max_payload = max_payload

    def missing(self) -> int:
        """How many more bytes the frame begun at the head needs; 0 when none has begun."""
        buf = self._buffer
        if not buf:
            return 0
        if len(buf) < HEADER_BYTES:
            return OVERHEAD_BYTES + self.max_payload - len(buf)
        return max(0, OVERHEAD_BYTES + buf[4] - len(buf))

    def expire(self) -> list[Frame]:
        """The line is idle: whatever partial frame waits at the head is dead."""
        found: list[Frame] = []
        while self._buffer:
            self._reject()
            found += self._parse()
        return found

    def _parse(self) -> list[Frame]:
        buf = self._buffer
        found: list[Frame] = []
        while self._sync(SOF):
            if len(buf) < HEADER_BYTES:
                break
            length = buf[4]
            if length > self.max_payload:
                self._reject()
                continue
            end = HEADER_BYTES + length
            if len(buf) < end + 2:
                break
            if crc16_modbus(memoryview(buf)[1:end]) != buf[end] | (buf[end + 1] << 8):
                self._reject()
                continue
            found.append(Frame(buf[1], buf[2], buf[3], bytes(buf[HEADER_BYTES:end])))
            self._take(end + 2)
        return found


# ---------------------------------------------------------------------- payloads


@dataclass(frozen=True, slots=True)
class Display:
    """What a keypad shows: the number at its counter, how many wait, the LED."""

    text: str = ""
    waiting: int = 0
    led: Led = Led.OFF


def show_payload(tag: int, display: Display) -> bytes:
    text = display.text.encode("ascii", "replace")[-MAX_TEXT:]
    waiting = max(0, min(display.waiting, 0xFFFF))
    return bytes((tag, int(display.led))) + waiting.to_bytes(2, "little") + text


def parse_show(payload: bytes) -> tuple[int, Display]:
    """(tag, display) from a SHOW payload; ValueError when malformed."""
    if len(payload) < 4 or len(payload) > 4 + MAX_TEXT:
        raise ValueError("SHOW payload is tag, led, waiting (2 bytes) and up to 12 characters")
    text = payload[4:].decode("ascii", "replace")
    led = Led(payload[1]) if payload[1] in (0, 1, 2) else Led.OFF
    return payload[0], Display(text, int.from_bytes(payload[2:4], "little"), led)


def transfer_payload(service: str) -> bytes:
    data = service.encode("ascii")
    if not 1 <= len(data) <= 16:
        raise ValueError("a service code is 1-16 ASCII characters")
    return data


def _service_of(payload: bytes) -> str | None:
    if not 1 <= len(payload) <= 16:
        return None
    try:
        text = payload.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not all(c.isalnum() or c in "-_" for c in text):
        return None
    return text


# ---------------------------------------------------------------------- host side


@dataclass(frozen=True, slots=True)
class Press:
    """A new key press from a keypad (never a retransmission of one already taken)."""

    address: int
    seq: int
    key: Cmd
    service: str | None = None


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
    """The host's end of one line: which presses are new, what each keypad must be sent.

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
    ) -> None:
        self.keypads: dict[int, KeypadState] = {a: KeypadState(a) for a in addresses}
        self.decoder = FrameDecoder()
        self.offline_after = offline_after
        self.waiting_every_polls = waiting_every_polls
        self._polls_since_waiting = waiting_every_polls
        self._events: list[LinkEvent] = []
        self._out = bytearray()
        self.unknown_address = 0
        self.naks = 0
        self.echoes = 0

    # -- bytes in
    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        for frame in self.decoder.feed(data):
            self._receive_frame(frame)

    def expire(self) -> None:
        """The line went quiet with a partial frame pending."""
        for frame in self.decoder.expire():
            self._receive_frame(frame)

    def events_received(self) -> list[LinkEvent]:
        events, self._events = self._events, []
        return events

    # -- bytes out
    def data_to_send(self) -> bytes:
        data = bytes(self._out)
        self._out.clear()
        return data

    def poll(self, address: int, now: float | None = None, waiting_every_s: float = 0.0) -> None:
        """RS-485: "your turn to talk", with the keypad's display when it must be sent.

        A display goes in the keypad's own slot of the cycle, so the cycle's extra line
        time is spread over it rather than heaped after each call: inside the POLL for a
        version 2 keypad, as a SHOW just before the POLL for a version 1 keypad.  Only to
        a keypad that is online.  A new number or LED goes at once; with `now`, a change
        of the waiting count alone goes at most every `waiting_every_s` per keypad and at
        most once every `waiting_every_polls` polls on the line.
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

    def answer(self, address: int, seq: int, error: int | None) -> None:
        """The result of a press: a SHOW of the current display, or an ERROR."""
        state = self.keypads[address]
        if state.last_seq == seq:
            state.result = error
        self._answer(state, seq, error)

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
        return True

    def send_displays(self) -> int:
        """Point-to-point: queue a SHOW for every keypad whose display changed; returns how
        many.  (On a bus a display rides on the keypad's poll instead: see `poll`.)"""
        sent = 0
        for state in self.keypads.values():
            if not (state.dirty and state.tag):
                continue
            self._out += encode_frame(
                state.address, 0, Cmd.SHOW, show_payload(state.tag, state.display)
            )
            state.dirty = state.urgent = False
            sent += 1
        return sent

    def signal(self, address: int, led: Led, beeps: int) -> None:
        self._out += encode_frame(address, 0, Cmd.SIGNAL, bytes((int(led), min(beeps, 255))))

    def resend_all(self) -> None:
        """After the line reopened: every keypad gets its display again."""
        for state in self.keypads.values():
            state.dirty = state.urgent = bool(state.tag)

    # -- polling bookkeeping
    def missed(self, address: int) -> None:
        state = self.keypads[address]
        state.carried = 0
        state.misses += 1
        if state.misses >= self.offline_after:
            state.online = False

    def line_closed(self) -> None:
        self.decoder.reset()
        for state in self.keypads.values():
            state.online = False
            state.misses = 0

    # -- internals
    def _answer(self, state: KeypadState, seq: int, error: int | None) -> None:
        if error is None:
            payload = show_payload(state.tag, state.display)
            self._out += encode_frame(state.address, seq, Cmd.SHOW, payload)
            state.dirty = state.urgent = False
        else:
            self._out += encode_frame(state.address, seq, Cmd.ERROR, bytes((error,)))

    def _nak(self, frame: Frame, reason: NakReason) -> None:
        self.naks += 1
        self._out += encode_frame(frame.address, frame.seq, Cmd.NAK, bytes((reason,)))

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
        carried, state.carried = state.carried, 0
        self._events.append(Heard(frame.address, frame.command))
        command = frame.command
        if command == Cmd.IDLE:
            if state.tag and frame.seq != state.tag:
                state.dirty = True  # the keypad shows something else: send it again
                state.urgent = state.urgent or frame.seq == 0  # it restarted: blank
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
            self._out += encode_frame(
                state.address, 0, Cmd.SHOW, show_payload(state.tag, state.display)
            )
            state.dirty = False
            self._events.append(Hello(frame.address, frame.payload[0], state.firmware or 0))
            return
        if command not in KEYS:
            self._nak(frame, NakReason.UNKNOWN_COMMAND)
            return
        service = None
        if command == Cmd.TRANSFER:
            service = _service_of(frame.payload)
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
        self._events.append(Press(frame.address, frame.seq, Cmd(command), service))


# ---------------------------------------------------------------------- keypad side


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
