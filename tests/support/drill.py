"""How hard the reliability tests push: a few minutes in `make test`, far more in `make drill`.

`make drill` sets QUEUE_DRILL=1: the kill -9 loops run 50 cycles instead of 5 and the
seeded decoder fuzzers 10^6 streams each instead of 10^5, the property-based API run ten
times the examples (docs/reliability.md).
"""

from __future__ import annotations

import os

DRILL = os.environ.get("QUEUE_DRILL") == "1"
KILL_CYCLES = 50 if DRILL else 5
"""Server processes killed with SIGKILL mid-stream, per kill -9 test."""
FUZZ_STREAMS = 10**6 if DRILL else 10**5
"""Seeded random byte streams fed to each device decoder."""
API_EXAMPLES = 250 if DRILL else 25
"""Requests generated from the OpenAPI document per operation (tests/integration/test_api_properties.py)."""
FUZZ_SEED = int(os.environ.get("QUEUE_FUZZ_SEED", "2026"))
"""A failure names its seed and stream: the same run reproduces it."""
