"""433 MHz call buttons through a serial receiver: frame decoders and the repeat filter.

Pure: bytes in, button codes out.  Two receivers are common (firmware_notes/rf433.md):

* Sonoff RF Bridge (stock EFM8BB1 firmware), 19200 baud, 12-byte frames:
  `AA A4 <Tsyn 2> <Tlow 2> <Thigh 2> <code 3> 55`.  The bridge also sends `AA A0 55`
  (an acknowledgement) and other `AA xx ... 55` frames, which are not codes.
* "FD ... DF" decoder boards (EV1527/PT2262 decoders, 9600 baud by default):
  `FD <code 3> [<pulse width 1>] DF`, 5 or 6 bytes by model, repeated while the button
  is held.  The pulse-width byte drifts a little between repeats and is ignored.

A code is the button's 24 bits as six hex digits ("A1B2C3").  Buttons repeat their
code while held (every ~100 ms); `RepeatFilter` turns a burst into one press.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..framing import FrameScanner

SONOFF_START = 0xAA
SONOFF_RECEIVED = 0xA4
SONOFF_END = 0x55
SONOFF_LENGTH = 12
FD_START = 0xFD
FD_END = 0xDF


@dataclass(frozen=True, slots=True)
class RfFrame:
    code: str
    """24-bit code, six upper-case hex digits."""
    timings: tuple[int, int, int] | None = None
    """Sonoff: sync, low and high pulse lengths in µs."""


def sonoff_frame(code: str, timings: tuple[int, int, int] = (8060, 280, 830)) -> bytes:
    """The bytes a Sonoff RF Bridge sends when it hears `code`."""
    body = b"".join(t.to_bytes(2, "big") for t in timings) + bytes.fromhex(code)
    return bytes((SONOFF_START, SONOFF_RECEIVED)) + body + bytes((SONOFF_END,))


def fd_frame(code: str, length: int = 6, width: int = 0x28) -> bytes:
    """The bytes an FD...DF decoder board sends when it hears `code`."""
    middle = bytes.fromhex(code) + (bytes((width,)) if length == 6 else b"")
    return bytes((FD_START,)) + middle + bytes((FD_END,))


class SonoffDecoder(FrameScanner[RfFrame]):
    """`AA A4 ... 55` frames in any byte stream; anything else is skipped."""

    __slots__ = ()

    def _parse(self) -> list[RfFrame]:
        buf = self._buffer
        found: list[RfFrame] = []
        while self._sync(SONOFF_START):
            if len(buf) < 2:
                break
            if buf[1] != SONOFF_RECEIVED:
                # Another bridge message (AA A0 55 ...) or noise: not a code.
                self._skip(1)
                continue
            if len(buf) < SONOFF_LENGTH:
                break
            if buf[SONOFF_LENGTH - 1] != SONOFF_END:
                self._reject()
                continue
            timings = (
                int.from_bytes(buf[2:4], "big"),
                int.from_bytes(buf[4:6], "big"),
                int.from_bytes(buf[6:8], "big"),
            )
            found.append(RfFrame(bytes(buf[8:11]).hex().upper(), timings))
            self._take(SONOFF_LENGTH)
        return found


class FdDecoder(FrameScanner[RfFrame]):
    """`FD <code 3> [<width>] DF` frames; `length` is 5 or 6 by the board's model."""

    __slots__ = ("length",)

    def __init__(self, length: int = 6) -> None:
        super().__init__()
        if length not in (5, 6):
            raise ValueError("FD...DF frames are 5 or 6 bytes")
        self.length = length

    def _parse(self) -> list[RfFrame]:
        buf = self._buffer
        length = self.length
        found: list[RfFrame] = []
        while self._sync(FD_START):
            if len(buf) < length:
                break
            if buf[length - 1] != FD_END:
                self._reject()
                continue
            found.append(RfFrame(bytes(buf[1:4]).hex().upper()))
            self._take(length)
        return found


def decoder_for(protocol: str, frame_length: int = 6) -> SonoffDecoder | FdDecoder:
    if protocol == "rf433-sonoff":
        return SonoffDecoder()
    if protocol == "rf433-fd":
        return FdDecoder(frame_length)
    raise ValueError(f"not a radio receiver protocol: {protocol!r}")


class RepeatFilter:
    """A held button repeats its code: the same code again within `window_s` of the last
    time it was heard is the same press.  The window slides, so however long a button is
    held it counts once; two presses count twice only with a quiet second between them.
    """

    __slots__ = ("_heard", "window_s")

    def __init__(self, window_s: float = 1.0) -> None:
        self.window_s = window_s
        self._heard: dict[str, float] = {}

    def accept(self, code: str, now: float) -> bool:
        last = self._heard.get(code)
        self._heard[code] = now
        if len(self._heard) > 1024:  # forget buttons not heard for a while
            self._heard = {c: t for c, t in self._heard.items() if now - t < self.window_s}
            self._heard[code] = now
        return last is None or now - last >= self.window_s
