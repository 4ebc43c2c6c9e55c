"""10^5 seeded random streams at each device decoder (10^6 in `make drill`).

Hypothesis (test_*_fuzz.py) shrinks a failure to its smallest form but spends most of a
millisecond generating each example; these loops spend microseconds, so every decoder
meets a hundred thousand streams in `make test`: noise, broken and truncated frames,
start bytes, then a good frame after the line went quiet, which must be found. A
failure names its seed and stream number (QUEUE_FUZZ_SEED reproduces the run).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from devices.crc import with_crc
from devices.keypad.frames import SOF, FrameDecoder, encode_frame
from devices.modbus.protocol import AnswerDecoder, WriteAnswer
from devices.rf433.protocol import FdDecoder, SonoffDecoder, fd_frame, sonoff_frame
from tests.support.drill import FUZZ_SEED, FUZZ_STREAMS


def noise(rng: random.Random, good: Callable[[], bytes], start: int) -> bytes:
    """0-60 bytes of what a bad line carries: random bytes, start bytes, good frames cut
    short, good frames with one byte changed."""
    parts: list[bytes] = []
    for _ in range(rng.randrange(4)):
        kind = rng.randrange(4)
        if kind == 0:
            parts.append(rng.randbytes(rng.randrange(16)))
        elif kind == 1:
            parts.append(bytes((start,)) * rng.randrange(1, 4))
        elif kind == 2:
            frame = good()
            parts.append(frame[: rng.randrange(1, len(frame))])
        else:
            changed = bytearray(good())
            changed[rng.randrange(len(changed))] ^= rng.randrange(1, 256)
            parts.append(bytes(changed))
    return b"".join(parts)


def cuts(rng: random.Random, data: bytes) -> Iterator[bytes]:
    """The reads that bring `data`: 1 to 16 bytes at a time."""
    at = 0
    while at < len(data):
        step = rng.randrange(1, 17)
        yield data[at : at + step]
        at += step


def seeded(name: str) -> random.Random:
    return random.Random(f"{FUZZ_SEED}:{name}")


def test_keypad_frames() -> None:
    rng = seeded("keypad")

    def good() -> bytes:
        return encode_frame(
            rng.randrange(1, 248),
            rng.randrange(256),
            rng.randrange(256),
            rng.randbytes(rng.randrange(33)),
        )

    for n in range(FUZZ_STREAMS):
        wanted = good()
        decoder = FrameDecoder()
        for chunk in cuts(rng, noise(rng, good, SOF)):
            for frame in decoder.feed(chunk):
                assert frame.encode(), (FUZZ_SEED, n)  # a found frame is well formed
        decoder.expire()  # the line went quiet
        assert decoder.pending == 0, (FUZZ_SEED, n)
        found = [f for chunk in cuts(rng, wanted) for f in decoder.feed(chunk)]
        assert [f.encode() for f in found] == [wanted], (FUZZ_SEED, n)


def test_modbus_answers() -> None:
    rng = seeded("modbus")
    unit = 7

    def good() -> bytes:
        head = bytes((unit, 0x10)) + rng.randrange(65536).to_bytes(2, "big")
        return with_crc(head + rng.randrange(1, 124).to_bytes(2, "big"))

    for n in range(FUZZ_STREAMS):
        wanted = good()
        decoder = AnswerDecoder(unit)
        for chunk in cuts(rng, noise(rng, good, unit)):
            for answer in decoder.feed(chunk):
                assert answer.unit == unit, (FUZZ_SEED, n)
        decoder.reset()  # the line went quiet
        expected = WriteAnswer(unit, int.from_bytes(wanted[2:4]), int.from_bytes(wanted[4:6]))
        found = [a for chunk in cuts(rng, wanted) for a in decoder.feed(chunk)]
        assert found == [expected], (FUZZ_SEED, n)


@pytest.mark.parametrize("kind", ["sonoff", "fd5", "fd6"])
def test_radio_receivers(kind: str) -> None:
    rng = seeded(kind)
    if kind == "sonoff":
        make: Callable[[str], bytes] = sonoff_frame
        new: Callable[[], SonoffDecoder | FdDecoder] = SonoffDecoder
        start = 0xAA
    else:
        length = int(kind[2])
        make = lambda code: fd_frame(code, length)  # noqa: E731
        new = lambda: FdDecoder(length)  # noqa: E731
        start = 0xFD

    def good() -> bytes:
        return make(rng.randbytes(3).hex().upper())

    for n in range(FUZZ_STREAMS):
        code = rng.randbytes(3).hex().upper()
        decoder = new()
        for chunk in cuts(rng, noise(rng, good, start)):
            for frame in decoder.feed(chunk):
                assert len(frame.code) == 6, (FUZZ_SEED, n)
        decoder.reset()
        found = [f.code for chunk in cuts(rng, make(code)) for f in decoder.feed(chunk)]
        assert found == [code], (FUZZ_SEED, n)
