"""Finding frames in a noisy byte stream: the part every serial decoder shares.

A decoder keeps the bytes it has not understood yet, jumps to the next start
byte, and when a candidate frame turns out wrong (bad CRC, bad end byte) moves
one byte on and looks again, so a good frame that begins inside garbage is
still found.  It counts what it throws away, for the line's metrics.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class FrameScanner(Generic[T]):
    """Buffer and counters; subclasses write `_parse` with `_sync`, `_reject` and `_take`."""

    __slots__ = ("_buffer", "corrupt", "discarded", "frames")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.frames = 0
        self.corrupt = 0
        """Candidate frames dropped: a bad CRC, an impossible length, a wrong end byte."""
        self.discarded = 0
        """Bytes outside any frame (noise, or the rest of a corrupt frame)."""

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> list[T]:
        self._buffer += data
        return self._parse()

    def reset(self) -> None:
        """Forget a partial frame (the port was reopened)."""
        self._skip(len(self._buffer))

    def _parse(self) -> list[T]:
        raise NotImplementedError

    def _sync(self, start: int) -> bool:
        """Drop what comes before the next `start` byte; False when there is none yet."""
        at = self._buffer.find(start)
        if at < 0:
            self._skip(len(self._buffer))
            return False
        if at:
            self._skip(at)
        return True

    def _skip(self, count: int) -> None:
        self.discarded += count
        del self._buffer[:count]

    def _reject(self) -> None:
        """The candidate at the head is not a frame: count it, look one byte further."""
        self.corrupt += 1
        self._skip(1)

    def _take(self, size: int) -> None:
        """A frame of `size` bytes was read from the head."""
        self.frames += 1
        del self._buffer[:size]
