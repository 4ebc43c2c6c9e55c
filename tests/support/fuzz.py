"""Many byte streams from one hypothesis example, so 10^5 streams run in seconds.

Generating an example costs hypothesis most of a millisecond however small it is, so
each example is one blob (at least 400 bytes) cut into STREAMS independent streams: a
length byte (0-39), that many bytes, and so on.  Hypothesis still shrinks a failure.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

STREAMS = 10
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
blobs = st.binary(min_size=STREAMS * 40, max_size=STREAMS * 60)


def streams(blob: bytes) -> list[bytes]:
    """STREAMS streams cut from `blob` (which is long enough), each 0-39 bytes."""
    found: list[bytes] = []
    position = 0
    while position < len(blob) and len(found) < STREAMS:
        length = blob[position] % 40
        found.append(blob[position + 1 : position + 1 + length])
        position += 1 + length
    return found


def chunked(stream: bytes, cut: int) -> list[bytes]:
    """A stream as the reads that bring it, `cut` bytes at a time."""
    return [stream[i : i + cut] for i in range(0, len(stream), cut)] or [b""]
