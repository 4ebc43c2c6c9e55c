"""Opt-in timestamps of the hot path and memory snapshots, for the benchmarks (`bench/`).

Off unless the environment asks, and then free: the hooks are chosen once, when the
server is built, and nothing on the hot path tests whether tracing is on.

`QUEUE_SERVER_TRACE=FILE`
    For every call frame the hub sends (TicketCalled, TicketRecalled), record
    `seq`, `counter`, `arrived_ns` (when a serial line's reader had the bytes of the
    press that caused it; null when no serial device did), `applied_ns` (when the engine
    had decided and applied it), `committed_ns` (when its commit was done and delivery
    began), `written_ns` (when the hub had written the
    frames of its batch to every subscriber's transport) and `frames` (how many frames
    that write wrote).  Times are `time.monotonic_ns()`:
    CLOCK_MONOTONIC, the same clock for every process of the machine, so a client
    process can put its own timestamps beside them.  The last 100,000 calls are kept
    and written to FILE as JSON when the server exits.

`QUEUE_SERVER_TRACEMALLOC=PREFIX`
    Trace Python allocations from the start; every SIGUSR1 writes a snapshot to
    `PREFIX.<n>` (`tracemalloc.Snapshot.load` reads it).  Slow: for finding what an
    idle connection costs, never for timing.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import signal
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .engine import Event
from .engine import events as ev

if TYPE_CHECKING:
    from .dispatcher import Listener
    from .live.fanout import Frames, Hub

TRACE_FILE = os.environ.get("QUEUE_SERVER_TRACE") or None
TRACEMALLOC_PREFIX = os.environ.get("QUEUE_SERVER_TRACEMALLOC") or None
KEPT_CALLS = 100_000

_arrived: ContextVar[int | None] = ContextVar("arrived", default=None)
"""When the serial reader had the bytes being handled; tasks started meanwhile inherit it."""
_calls: deque[dict[str, Any]] = deque(maxlen=KEPT_CALLS)


def stamp_arrival(on_data: Callable[[bytes], None]) -> Callable[[bytes], None]:
    """A serial line's data handler that first notes when the bytes arrived (tracing only)."""

    def stamped(data: bytes) -> None:
        _arrived.set(time.monotonic_ns())
        on_data(data)

    return stamped


def traced_hub(hub: Hub) -> Listener:
    """The hub as a dispatcher listener whose calls are timed from delivery to written
    (tracing only).  A call is written by the first `_send` after its delivery began: at
    once, or at the end of the loop turn when the hub joins it with others."""
    pending: list[dict[str, Any]] = []
    send = hub._send

    def traced_send(messages: list[Frames]) -> None:
        frames = hub.delivered_frames
        send(messages)
        if pending:
            written = time.monotonic_ns()
            for call in pending:
                call["written_ns"] = written
                call["frames"] = hub.delivered_frames - frames
            _calls.extend(pending)
            pending.clear()

    hub._send = traced_send  # type: ignore[method-assign]

    def listener(first_seq: int, events: Sequence[Event]) -> Callable[[], None]:
        applied = time.monotonic_ns()
        deliver = hub(first_seq, events)
        calls = [
            (first_seq + i, event.counter)
            for i, event in enumerate(events)
            if isinstance(event, ev.TicketCalled | ev.TicketRecalled)
        ]
        if not calls:
            return deliver
        arrived = _arrived.get()

        def traced() -> None:
            committed = time.monotonic_ns()
            pending.extend(
                {
                    "seq": seq,
                    "counter": counter,
                    "arrived_ns": arrived,
                    "applied_ns": applied,
                    "committed_ns": committed,
                }
                for seq, counter in calls
            )
            deliver()

        return traced

    return listener


def _write_trace() -> None:
    if TRACE_FILE is not None:
        Path(TRACE_FILE).write_text(json.dumps({"calls": list(_calls)}))


_snapshots = itertools.count(1)


def _snapshot(_signum: int, _frame: FrameType | None) -> None:
    if TRACEMALLOC_PREFIX is not None:
        tracemalloc.take_snapshot().dump(f"{TRACEMALLOC_PREFIX}.{next(_snapshots)}")


if TRACE_FILE is not None:
    atexit.register(_write_trace)
if TRACEMALLOC_PREFIX is not None:
    tracemalloc.start(12)
    signal.signal(signal.SIGUSR1, _snapshot)
