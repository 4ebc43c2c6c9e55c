"""The keypad sketch's frame code (C, built here with gcc) agrees with the Python host
byte for byte: the notes' frames and CRC vectors, every payload length, corrupt frames,
and seeded random streams of frames, noise and false starts, cut anyhow.

The sketch feeds its decoder one byte at a time; the host reads whatever chunks the
line brings.  Both must find the same frames and count the same corrupt candidates and
discarded bytes, or a keypad and the server would disagree about what was on the wire.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.crc import crc16_modbus
from devices.keypad.frames import MAX_PAYLOAD, SOF, Frame, FrameDecoder, encode_frame
from tests.support.sketch import SKETCH, build_frames_harness, run_harness
from tests.unit.test_keypad_frames import CRC_VECTORS, FRAMES, _hex


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_frames_harness(tmp_path_factory.mktemp("sketch"))


def written(frames: list[Frame]) -> str:
    """Frames as the harness writes them."""
    if not frames:
        return "-"
    return " ".join(
        f"{f.address:02x},{f.seq:02x},{f.command:02x},{f.payload.hex() or '-'}" for f in frames
    )


def counters(decoder: FrameDecoder) -> str:
    return f"{decoder.frames} {decoder.corrupt} {decoder.discarded} {decoder.pending}"


def test_the_limits_are_the_protocols() -> None:
    header = (SKETCH / "keypad_frames.h").read_text(encoding="utf-8")
    assert re.search(r"#define KP_SOF 0x([0-9A-F]{2})", header)[1] == f"{SOF:02X}"  # type: ignore[index]
    assert int(re.search(r"#define KP_MAX_PAYLOAD (\d+)", header)[1]) == MAX_PAYLOAD  # type: ignore[index]


def test_the_notes_frames_decode_and_encode_the_same(harness: Path) -> None:
    commands, expected = [], []
    for _name, address, seq, command, payload, wire in FRAMES:
        data = _hex(wire)
        commands += [
            "I",
            f"F {data.hex()}",
            f"E {address} {seq} {command} {payload.replace(' ', '') or '-'}",
        ]
        expected += ["ok", written(FrameDecoder().feed(data)), data.hex()]
    assert run_harness(harness, commands) == expected


def test_the_notes_crc_vectors(harness: Path) -> None:
    commands = [f"R {_hex(row[0]).hex()}" for row in CRC_VECTORS]
    assert run_harness(harness, commands) == [f"{int(row[1], 16):04x}" for row in CRC_VECTORS]


def test_every_payload_length_and_none_past_the_limit(harness: Path) -> None:
    rng = random.Random(18)
    commands, expected = [], []
    for length in range(MAX_PAYLOAD + 1):
        payload = rng.randbytes(length)
        wire = encode_frame(7, length, 0x81, payload)
        commands += [f"E 7 {length:x} 81 {payload.hex() or '-'}", "I", f"F {wire.hex()}"]
        expected += [wire.hex(), "ok", written([Frame(7, length, 0x81, payload)])]
    for length in (MAX_PAYLOAD + 1, 64, 255):  # LEN beyond the protocol: no frame, either side
        commands.append(f"E 7 1 81 {'41' * length}")
        expected.append("-")
        body = bytes((7, 1, 0x81, length)) + bytes(length)
        stream = bytes((SOF,)) + body + crc16_modbus(body).to_bytes(2, "little")
        decoder = FrameDecoder()
        commands += ["I", f"F {stream.hex()}", "X", "N"]
        expected += [
            "ok",
            written(decoder.feed(stream)),
            written(decoder.expire()),
            counters(decoder),
        ]
    assert run_harness(harness, commands) == expected


def test_every_corrupted_byte_is_caught_the_same(harness: Path) -> None:
    wire = encode_frame(3, 1, 0x81, bytes.fromhex("0801050041303233"))
    commands, expected = [], []
    for position in range(len(wire)):
        for flip in (0x01, 0x80, 0xFF):
            bad = bytearray(wire)
            bad[position] ^= flip
            stream = bytes(bad) + wire  # the good copy after it must still be found
            decoder = FrameDecoder()
            commands += ["I", f"F {stream.hex()}", "X", "N"]
            expected += ["ok", written(decoder.feed(stream))]
            expected += [written(decoder.expire()), counters(decoder)]
    assert run_harness(harness, commands) == expected


def random_stream(rng: random.Random) -> Iterator[bytes]:
    """Frames, and what a real line adds to them: noise, stray A5s, frames cut short,
    impossible lengths, bad CRCs."""
    for _ in range(rng.randrange(1, 12)):
        payload = rng.randbytes(rng.choice((0, 0, 1, 2, 8, rng.randrange(MAX_PAYLOAD + 1))))
        frame = encode_frame(rng.randrange(1, 248), rng.randrange(256), rng.randrange(256), payload)
        kind = rng.randrange(7)
        if kind == 0:
            yield rng.randbytes(rng.randrange(1, 20))
        elif kind == 1:
            yield bytes((SOF,)) + rng.randbytes(rng.randrange(8))
        elif kind == 2:
            yield frame[: rng.randrange(1, len(frame))]
        elif kind == 3:
            yield bytes((SOF, 3, 0, 1, rng.randrange(MAX_PAYLOAD + 1, 256)))
        elif kind == 4:
            bad = bytearray(frame)
            bad[rng.randrange(len(bad))] ^= 1 << rng.randrange(8)
            yield bytes(bad)
        yield frame


def cut(stream: bytes, rng: random.Random) -> Iterator[bytes]:
    """The reads a host might get the stream in."""
    position = 0
    while position < len(stream):
        size = rng.choice((1, 2, 3, 7, 16, 64, len(stream)))
        yield stream[position : position + size]
        position += size


@pytest.mark.parametrize("seed", range(4))
def test_random_streams_give_the_same_frames_and_counts(harness: Path, seed: int) -> None:
    rng = random.Random(seed)
    commands, expected = [], []
    for _ in range(500):
        stream = b"".join(random_stream(rng))
        decoder = FrameDecoder()
        found = [frame for chunk in cut(stream, rng) for frame in decoder.feed(chunk)]
        commands += ["I", f"F {stream.hex()}", "N", "X", "N"]
        expected += ["ok", written(found), counters(decoder)]
        expected += [written(decoder.expire()), counters(decoder)]
    assert run_harness(harness, commands) == expected


def test_frames_the_sketch_encodes_are_what_the_host_decodes(harness: Path) -> None:
    rng = random.Random(64)
    frames = [
        Frame(rng.randrange(1, 248), rng.randrange(256), rng.randrange(256), rng.randbytes(n))
        for n in [rng.randrange(MAX_PAYLOAD + 1) for _ in range(300)]
    ]
    commands = [f"E {f.address:x} {f.seq:x} {f.command:x} {f.payload.hex() or '-'}" for f in frames]
    answers = run_harness(harness, commands)
    decoder = FrameDecoder()
    assert [found for answer in answers for found in decoder.feed(bytes.fromhex(answer))] == frames
    assert decoder.corrupt == decoder.discarded == 0
