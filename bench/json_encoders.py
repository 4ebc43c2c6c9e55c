"""msgspec (what the hub uses) against orjson, on the messages the hub encodes per call.

The hub encodes each message once per projection, never per subscriber, so a call
costs a handful of encodings whatever the number of displays.  This prints what
orjson would save per message; it is not part of `make bench` because orjson is not
a dependency (it was tried and not kept: bench/RESULTS.md, "Before/after").

    pip install orjson && python -m bench.json_encoders [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import timeit
from collections.abc import Callable
from typing import Any

import msgspec

from .common import machine_line, out, table

CALL: dict[str, Any] = {
    "type": "call",
    "seq": 123_456,
    "call": {
        "counter": 5,
        "counter_name": {"vi": "Quầy 5", "en": "Counter 5", "ar": "الشباك 5"},
        "number": "A023",
        "service": "HT",
        "service_name": {"vi": "Hộ tịch", "en": "Civil status", "ar": "الأحوال المدنية"},
        "priority": None,
        "recall": 0,
        "at": "2026-11-28T09:15:02+07:00",
    },
}
COUNTER_STATE: dict[str, Any] = {
    "type": "counter",
    "seq": 123_457,
    "counter": {
        "id": 5,
        "status": "open",
        "current": {"number": "A023", "status": "called", "at": "2026-11-28T09:15:02+07:00"},
        "waiting": [{"number": f"A{i:03}", "priority": None} for i in range(24, 44)],
    },
}


def best_us(encode: Callable[[Any], bytes], message: dict[str, Any], n: int = 100_000) -> float:
    """The best of 5 runs: the cost of the code, not of the machine's other work."""
    return min(timeit.repeat(lambda: encode(message), number=n, repeat=5)) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for the smoke test")
    n = 2_000 if parser.parse_args().quick else 100_000
    out(machine_line())
    encode = msgspec.json.Encoder().encode
    try:
        orjson = importlib.import_module("orjson")
    except ImportError:
        out("orjson is not installed: `pip install orjson` to compare")
        return
    rows = []
    for name, message in (("call", CALL), ("counter state", COUNTER_STATE)):
        if msgspec.json.decode(encode(message)) != orjson.loads(orjson.dumps(message)):
            raise SystemExit(f"{name}: the two encoders disagree")
        ours, theirs = best_us(encode, message, n), best_us(orjson.dumps, message, n)
        rows.append([name, f"{len(encode(message))}", f"{ours:.2f}", f"{theirs:.2f}"])
    out(f"msgspec {msgspec.__version__}, orjson {orjson.__version__}; us per message")
    out(table(("message", "bytes", "msgspec", "orjson"), rows))


if __name__ == "__main__":
    main()
