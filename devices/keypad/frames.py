"""Keypad protocol, version 2: the frame on the wire, its codec and its payloads.

Specified in firmware_notes/keypad-protocol.md; the host's end of a line is `host.py`,
the keypad's own end is `keypad.py`.  No I/O and no clock here.

Frame (all multi-byte numbers little-endian):

    A5 | ADDR | SEQ | CMD | LEN | PAYLOAD (LEN bytes, <= 32) | CRC lo | CRC hi

The CRC is CRC-16/MODBUS over ADDR..PAYLOAD.  The start byte A5 is the frame layout of
versions 1 and 2; a keypad says its version in its HELLO.  Version 2 adds one thing: a POLL
may carry the keypad's display, so a display change costs its payload on the wire and no
frame of its own.  The host still takes version 1 keypads (they get SHOW frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from ..crc import crc16_modbus
from ..framing import FrameScanner

SOF = 0xA5
PROTOCOL_VERSION = 2
"""What this code speaks; the host also takes version 1 keypads."""
SUPPORTED_VERSIONS = frozenset({1, 2})
DISPLAY_IN_POLL_VERSION = 2
"""The first version whose keypads take a display inside a POLL."""
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
    JUST_CALLED = 11
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
    "nobody_there_to_call": ErrorCode.INVALID_TRANSFER,
    "centre_closed": ErrorCode.CENTRE_CLOSED,
    "day_already_closed": ErrorCode.CENTRE_CLOSED,
    "unknown_counter": ErrorCode.NOT_CONFIGURED,
    "wrong_counter_state": ErrorCode.WRONG_COUNTER_STATE,
    "just_called": ErrorCode.JUST_CALLED,
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


def service_of(payload: bytes) -> str | None:
    """The service code of a TRANSFER payload; None when it is not one."""
    if not 1 <= len(payload) <= 16:
        return None
    try:
        text = payload.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not all(c.isalnum() or c in "-_" for c in text):
        return None
    return text
