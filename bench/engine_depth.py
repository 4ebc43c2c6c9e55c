"""Call-next cost inside the engine as the queue grows: it should stay flat.

Lines are sorted lists keyed by order, so calling the next ticket should cost
about the same with 100 or 1,000,000 people waiting (goal: medians within
±20%).  The waiting state is built by applying `TicketIssued` events directly
(deciding each one would only be slower); then every timed call-next at an open
counter is followed by one timed re-issue of a ticket like the one called, so
the depth and the priority mix stay constant.

    python -m bench.engine_depth [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Sequence
from typing import NamedTuple

from queue_server.config import CentreConfig
from queue_server.engine import Engine
from queue_server.engine.commands import CallNext, IssueTicket, OpenCounter

from .common import (
    KIOSK,
    STAFF,
    Figure,
    Summary,
    add_summary_option,
    bench_config,
    figure_of,
    issued_events,
    local_timestamp,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)

COUNTER = 1
START = "2025-09-08 07:30"


class Result(NamedTuple):
    depth: int
    build_s: float
    call: Summary
    issue: Summary


def build(config: CentreConfig, depth: int, at: float) -> Engine:
    """A day opened, one counter open, `depth` tickets waiting."""
    engine = Engine(config.queue_setup())
    engine.apply_all(engine.housekeeping(at))
    engine.apply_all(engine.decide(OpenCounter(counter=COUNTER), at, STAFF))
    assert engine.state.day is not None
    engine.apply_all(issued_events(config, depth, at, engine.state.day))
    return engine


def measure(engine: Engine, calls: int, at: float, tag: str) -> tuple[list[float], list[float]]:
    """Per-operation µs of call-next and of the re-issue that follows each call."""
    decide, apply_all, clock = engine.decide, engine.apply_all, time.perf_counter_ns
    state = engine.state
    call = CallNext(counter=COUNTER)
    call_us: list[float] = []
    issue_us: list[float] = []
    for k in range(calls):
        at += 0.001
        t0 = clock()
        apply_all(decide(call, at, STAFF))
        t1 = clock()
        current = state.counters[COUNTER].current
        assert current is not None
        called = state.tickets[current]
        again = IssueTicket(
            service=called.service, tracking_code=f"{tag}{k}", priority=called.priority
        )
        t2 = clock()
        apply_all(decide(again, at, KIOSK))
        t3 = clock()
        call_us.append((t1 - t0) / 1000)
        issue_us.append((t3 - t2) / 1000)
    return call_us, issue_us


def run(config: CentreConfig, depths: Sequence[int], rounds: int, block: int) -> list[Result]:
    """Build every depth, then time them in interleaved rounds (the first is warm-up)."""
    at = local_timestamp(config, START)
    engines: dict[int, Engine] = {}
    build_s: dict[int, float] = {}
    for depth in depths:
        started = time.perf_counter()
        engines[depth] = build(config, depth, at)
        build_s[depth] = time.perf_counter() - started
    gc.collect()
    calls: dict[int, list[float]] = {depth: [] for depth in depths}
    issues: dict[int, list[float]] = {depth: [] for depth in depths}
    for n in range(rounds + 1):
        for depth, engine in engines.items():
            call_us, issue_us = measure(engine, block, at + 10.0 * (n + 1), f"r{n}-")
            if n > 0:
                calls[depth] += call_us
                issues[depth] += issue_us
            assert len(engine.state.lines.ticket_at) == depth
    return [Result(d, build_s[d], summarize(calls[d]), summarize(issues[d])) for d in depths]


GOAL_SPREAD = 20.0
"""Flat: median call-next cost within this many percent from the smallest to the largest depth."""


def report(results: list[Result]) -> list[Figure]:
    first, last = results[0].depth, results[-1].depth
    for name, unit, field in (("call-next", "call", "call"), ("issue-ticket", "ticket", "issue")):
        base: Summary = getattr(results[0], field)
        rows = []
        for result in results:
            s: Summary = getattr(result, field)
            change = f"{(s.median / base.median - 1) * 100:+.0f}%"
            rows.append((result.depth, result.build_s, s.median, s.p99, s.mean, change))
        out()
        out(f"{name} (decide + apply), us per {unit}")
        out(table(("waiting", "build s", "median", "p99", "mean", f"vs {first}"), rows))
    out()
    spreads = {}
    for name, field in (("call-next", "call"), ("issue-ticket", "issue")):
        medians = [getattr(result, field).median for result in results]
        spreads[name] = spread = (max(medians) / min(medians) - 1) * 100
        out(
            f"spread of median {name} cost, {first:,} to {last:,} waiting: "
            f"{spread:.0f}% (goal: within ±{GOAL_SPREAD:.0f}%)"
        )
    flat = spreads["call-next"] <= GOAL_SPREAD
    return [
        figure_of("Depth", f"call-next, {results[0].depth:,} waiting", "us", results[0].call),
        figure_of(
            "Depth",
            f"call-next, {last:,} waiting",
            "us",
            results[-1].call,
            f"median within ±{GOAL_SPREAD:.0f}% of {first:,}'s",
            flat,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    add_summary_option(parser)
    args = parser.parse_args()
    depths = (100, 1_000) if args.quick else (100, 10_000, 1_000_000)
    rounds, block = (4, 500) if args.quick else (10, 2_000)
    config = bench_config()
    out(machine_line())
    out(
        f"engine depth: {len(config.services)} services, {len(config.counters)} counters, "
        f"1/4 priority; timed at counter {COUNTER} "
        f"({', '.join(config.counters[COUNTER - 1].services)}); gc on"
    )
    out(
        f"depths interleaved: {rounds} rounds x {block:,} calls, after a warm-up round, "
        "so machine noise hits every depth alike"
    )
    write_summary(args.summary, report(run(config, depths, rounds, block)))


if __name__ == "__main__":
    main()
