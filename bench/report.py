"""The day's report on a log of many days: how long the head waits for it.

Builds a log of `days` business days through the engine (each day: a person signs in
at each counter, counters open, `tickets` issued over the morning, each called, served
and finished, three in five rated, then the night's close), then times, on the log file
as the server would:

* opening the log for reports (finding where each day starts),
* the report of the latest day and of the first (the first sits at the log's start,
  the latest at its end: the time must not grow with the days before it),
* the CSV rows of the latest day.

    python -m bench.report [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from queue_server.config import CentreConfig
from queue_server.engine import Actor, CommandRejected, Engine
from queue_server.engine import commands as c
from queue_server.engine.events import RATINGS, Event
from queue_server.reports import day_report
from queue_server.store import EventLog
from queue_server.store.days import DayReader

from .common import (
    BENCH_DIR,
    KIOSK,
    STAFF,
    Figure,
    add_summary_option,
    bench_config,
    figure_of,
    local_timestamp,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)

FIRST_DAY = "2025-09-08 07:30"
CITIZEN = Actor("citizen")


def build_log(config: CentreConfig, path: Path, days: int, tickets: int) -> int:
    """Write `days` days of `tickets` each; returns the number of events."""
    engine, log = Engine(config.queue_setup()), EventLog(path, config.centre.id)
    counters = [k.id for k in config.counters]
    written = 0
    start = local_timestamp(config, FIRST_DAY)
    for day in range(days):
        at = start + day * 86_400.0
        batch: list[Event] = []

        def do(command: c.Command, actor: Actor, when: float, into: list[Event] = batch) -> Any:
            events = engine.handle(command, when, actor)
            into.extend(events)
            return events

        for counter in counters:  # a person at each counter: the per-person figures too
            do(c.SignIn(counter=counter, staff=f"staff-{counter}"), STAFF, at)
            do(c.OpenCounter(counter=counter), STAFF, at)
        for i in range(tickets):
            service = config.services[i % len(config.services)].code
            do(c.IssueTicket(service=service, tracking_code=f"d{day}t{i}"), KIOSK, at + i * 20.0)
        served = 0
        for round_ in range(tickets):
            counter = counters[round_ % len(counters)]
            when = at + 600.0 + round_ * 25.0
            try:
                called = do(c.CallNext(counter=counter), STAFF, when)[-1]
            except CommandRejected:  # nobody waits for this counter's services
                continue
            do(c.Finish(counter=counter), STAFF, when + 20.0)
            served += 1
            if served % 5 < 3:
                rating = RATINGS[served % len(RATINGS)]
                do(c.RateService(ticket=called.ticket, rating=rating), CITIZEN, when + 30.0)
        do(c.CloseDay(), STAFF, at + 12 * 3600.0)
        log.append(batch)
        written += len(batch)
    log.close()
    return written


def timed(run: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    add_summary_option(parser)
    args = parser.parse_args()
    days, tickets, repeats = (3, 40, 3) if args.quick else (120, 800, 7)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as work:
        path = Path(work) / "centre.sqlite3"
        config = bench_config(path)
        out(machine_line())
        started = time.perf_counter()
        events = build_log(config, path, days, tickets)
        out(
            f"report: a log of {days} days x {tickets} tickets ({events:,} events), "
            f"built through the engine in {time.perf_counter() - started:.1f} s; "
            f"{repeats} runs each"
        )
        reader = DayReader(path, config.centre.id)
        first, latest = reader.days()[-1], reader.days()[0]
        reader.close()

        def opening() -> None:
            DayReader(path, config.centre.id).close()

        def rows() -> None:
            day_report(path, config, latest).rows()

        measured = {
            "open the log (find the days)": summarize(timed(opening, repeats)),
            f"report of the latest day ({latest})": summarize(
                timed(lambda: day_report(path, config, latest).result(), repeats)
            ),
            f"report of the first day ({first})": summarize(
                timed(lambda: day_report(path, config, first).result(), repeats)
            ),
            "CSV rows of the latest day": summarize(timed(rows, repeats)),
        }
    out()
    out("ms")
    out(
        table(
            ("what", "median", "p99", "max"),
            [(name, s.median, s.p99, s.max) for name, s in measured.items()],
        )
    )
    figures: list[Figure] = [
        figure_of("Report", f"latest of {days} days, {tickets} tickets a day", "ms", summary)
        for name, summary in measured.items()
        if name.startswith("report of the latest")
    ]
    write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
