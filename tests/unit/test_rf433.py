"""Radio call buttons: the receivers' frames (firmware_notes/rf433.md) and the repeat filter."""

from __future__ import annotations

import pytest

from devices.rf433.protocol import (
    FdDecoder,
    RepeatFilter,
    RfFrame,
    SonoffDecoder,
    fd_frame,
    sonoff_frame,
)

# Real frames, as in the notes: a Sonoff RF Bridge hearing code A1B2C3, and FD boards.
SONOFF = bytes.fromhex("AA A4 1F 7C 01 18 03 3E A1 B2 C3 55")
FD6 = bytes.fromhex("FD A1 B2 C3 28 DF")
FD5 = bytes.fromhex("FD A1 B2 C3 DF")


def test_sonoff_frame() -> None:
    assert sonoff_frame("A1B2C3", (8060, 280, 830)) == SONOFF
    assert SonoffDecoder().feed(SONOFF) == [RfFrame("A1B2C3", (8060, 280, 830))]


def test_sonoff_skips_other_bridge_messages_and_noise() -> None:
    decoder = SonoffDecoder()
    ack = bytes.fromhex("AA A0 55")
    noise = bytes.fromhex("00 AA A4 01 02 03")  # a start cut short by the real frame
    assert [f.code for f in decoder.feed(ack + noise + SONOFF)] == ["A1B2C3"]
    assert decoder.corrupt == 1


def test_sonoff_code_bytes_may_look_like_markers() -> None:
    frame = sonoff_frame("55AA55")
    assert [f.code for f in SonoffDecoder().feed(frame + frame)] == ["55AA55", "55AA55"]


@pytest.mark.parametrize(("length", "frame"), [(6, FD6), (5, FD5)])
def test_fd_frames(length: int, frame: bytes) -> None:
    assert fd_frame("A1B2C3", length) == frame
    decoder = FdDecoder(length)
    found = [f for byte in b"\x00\xfd\x11" + frame for f in decoder.feed(bytes((byte,)))]
    assert found == [RfFrame("A1B2C3")]


def test_fd_width_byte_is_not_part_of_the_code() -> None:
    frames = fd_frame("0F0F01", 6, 0x27) + fd_frame("0F0F01", 6, 0x29)
    assert [f.code for f in FdDecoder(6).feed(frames)] == ["0F0F01", "0F0F01"]


def test_a_held_button_counts_once_and_a_pause_makes_a_new_press() -> None:
    repeats = RepeatFilter(1.0)
    heard = [repeats.accept("A1B2C3", t / 10) for t in range(0, 25)]  # held 2.5 s
    assert heard.count(True) == 1
    assert repeats.accept("A1B2C3", 3.5)  # a second of quiet, then pressed again
    assert repeats.accept("D4E5F6", 3.6)  # another button is another press
    assert not repeats.accept("A1B2C3", 4.0)
