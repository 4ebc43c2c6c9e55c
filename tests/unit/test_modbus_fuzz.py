"""Random bytes at the Modbus answer decoder: nothing escapes, answers survive the noise
(20,000 of the device decoders' 10^5 streams, 10 per example)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.crc import with_crc
from devices.modbus.protocol import AnswerDecoder, WriteAnswer
from tests.support.fuzz import FUZZ, blobs, streams


@settings(FUZZ, max_examples=1_500)
@given(blobs, st.integers(1, 247))
def test_random_streams_never_raise(blob: bytes, unit: int) -> None:
    for stream in streams(blob):
        for answer in AnswerDecoder(unit).feed(stream):
            assert answer.unit == unit


@settings(FUZZ, max_examples=500)
@given(blobs, st.integers(1, 247), st.integers(0, 65535), st.integers(1, 123))
def test_an_answer_after_noise_is_found(blob: bytes, unit: int, address: int, count: int) -> None:
    answer = with_crc(bytes((unit, 0x10)) + address.to_bytes(2, "big") + count.to_bytes(2, "big"))
    for noise in streams(blob):
        quiet = bytes(b for b in noise if b != unit)
        assert AnswerDecoder(unit).feed(quiet + answer) == [WriteAnswer(unit, address, count)]
