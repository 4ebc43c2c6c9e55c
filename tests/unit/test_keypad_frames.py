"""Keypad protocol v2 frames: the frames and CRC vectors of
firmware_notes/keypad-protocol.md, read from the document itself, and the decoder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devices.crc import check_crc, crc16_modbus, with_crc
from devices.keypad.frames import (
    Cmd,
    Display,
    Frame,
    FrameDecoder,
    Led,
    encode_frame,
    parse_show,
    show_payload,
)

NOTES = Path(__file__).resolve().parents[2] / "firmware_notes" / "keypad-protocol.md"


def _table(heading: str) -> list[list[str]]:
    """The rows of the markdown table under a heading, as cells (header row dropped)."""
    text = NOTES.read_text(encoding="utf-8")
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not line.startswith("| ---"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows[1:]


def _hex(cell: str) -> bytes:
    return bytes.fromhex(re.sub(r"\(.*?\)", "", cell).replace("`", ""))


FRAMES = _table("## Frames on the wire")
CRC_VECTORS = _table("### CRC test vectors")


def test_the_notes_have_the_vectors() -> None:
    assert len(FRAMES) >= 14
    assert len(CRC_VECTORS) >= 4


@pytest.mark.parametrize("row", FRAMES, ids=[r[0] for r in FRAMES])
def test_frames_from_the_notes_decode_and_encode(row: list[str]) -> None:
    _name, address, seq, command, payload, wire = row
    data = _hex(wire)
    frames = FrameDecoder().feed(data)
    assert frames == [
        Frame(int(address, 16), int(seq, 16), int(command, 16), bytes.fromhex(payload))
    ]
    assert frames[0].encode() == data
    assert check_crc(data[1:])


@pytest.mark.parametrize("row", CRC_VECTORS, ids=[r[0] for r in CRC_VECTORS])
def test_crc_vectors_from_the_notes(row: list[str]) -> None:
    data, crc, wire = _hex(row[0]), int(row[1], 16), _hex(row[2])
    assert crc16_modbus(data) == crc
    assert with_crc(data)[-2:] == wire


def test_show_payload_round_trips() -> None:
    payload = show_payload(8, Display("A023", 5, Led.ON))
    assert payload == bytes.fromhex("08 01 05 00 41 30 32 33")
    assert parse_show(payload) == (8, Display("A023", 5, Led.ON))
    with pytest.raises(ValueError):
        parse_show(b"\x01\x02")


def test_a_frame_is_found_after_noise_and_a_false_start() -> None:
    decoder = FrameDecoder()
    frame = encode_frame(3, 1, Cmd.NEXT)
    noise = bytes.fromhex("00 FF A5 03 01 01 00 00 00 13")  # a false start: bad CRC
    assert decoder.feed(noise + frame) == [Frame(3, 1, Cmd.NEXT)]
    assert decoder.corrupt == 1


def test_a_frame_split_into_single_bytes_is_found() -> None:
    decoder = FrameDecoder()
    frame = encode_frame(3, 4, Cmd.TRANSFER, b"CT")
    found = [f for byte in frame for f in decoder.feed(bytes((byte,)))]
    assert found == [Frame(3, 4, Cmd.TRANSFER, b"CT")]


def test_an_impossible_length_is_corrupt() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(bytes.fromhex("A5 03 00 01 40") + encode_frame(3, 2, Cmd.NEXT)) == [
        Frame(3, 2, Cmd.NEXT)
    ]
    assert decoder.corrupt == 1


def test_the_decoder_says_how_much_of_a_begun_frame_is_missing() -> None:
    decoder = FrameDecoder()
    assert decoder.missing() == 0
    frame = encode_frame(3, 4, Cmd.TRANSFER, b"CT")
    decoder.feed(frame[:3])
    assert decoder.missing() == 7 + 32 - 3  # the length is not known yet: the longest
    decoder.feed(frame[3:6])
    assert decoder.missing() == len(frame) - 6
    assert decoder.feed(frame[6:]) == [Frame(3, 4, Cmd.TRANSFER, b"CT")]
    assert decoder.missing() == 0


def test_expire_drops_a_partial_frame_and_finds_what_was_inside() -> None:
    decoder = FrameDecoder()
    inner = encode_frame(3, 2, Cmd.NEXT)
    assert decoder.feed(bytes.fromhex("A5 03 00 01 20") + inner) == []  # waiting for 32 bytes
    assert decoder.expire() == [Frame(3, 2, Cmd.NEXT)]
    assert decoder.pending == 0
