"""Random bytes at the radio receivers' decoders: nothing escapes, codes survive the noise
(30,000 of the device decoders' 10^5 streams, 10 per example)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.rf433.protocol import FdDecoder, SonoffDecoder, fd_frame, sonoff_frame
from tests.support.fuzz import FUZZ, blobs, streams

codes = st.binary(min_size=3, max_size=3).map(lambda b: b.hex().upper())


@settings(FUZZ, max_examples=1_000)
@given(blobs, codes)
def test_sonoff_noise_then_a_frame(blob: bytes, code: str) -> None:
    for stream in streams(blob):
        decoder = SonoffDecoder()
        for frame in decoder.feed(stream):
            assert len(frame.code) == 6
        decoder.reset()  # the line was quiet
        assert [f.code for f in decoder.feed(sonoff_frame(code))] == [code]
        quiet = bytes(b for b in stream if b != 0xAA)
        assert [f.code for f in SonoffDecoder().feed(quiet + sonoff_frame(code))] == [code]


@settings(FUZZ, max_examples=1_000)
@given(blobs, codes)
def test_fd6_noise_then_a_frame(blob: bytes, code: str) -> None:
    _fd(blob, code, 6)


@settings(FUZZ, max_examples=1_000)
@given(blobs, codes)
def test_fd5_noise_then_a_frame(blob: bytes, code: str) -> None:
    _fd(blob, code, 5)


def _fd(blob: bytes, code: str, length: int) -> None:
    for stream in streams(blob):
        decoder = FdDecoder(length)
        for frame in decoder.feed(stream):
            assert len(frame.code) == 6
        decoder.reset()
        assert [f.code for f in decoder.feed(fd_frame(code, length))] == [code]
        quiet = bytes(b for b in stream if b != 0xFD)
        assert [f.code for f in FdDecoder(length).feed(quiet + fd_frame(code, length))] == [code]
