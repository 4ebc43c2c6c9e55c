"""126 centres ship their logs into one PostgreSQL: ingest, lag, catch-up, history.

A PostgreSQL 15 cluster of its own (queue_server/city/cluster.py; fsync on, as a city
runs it) gets the city's schema (`queue-server city migrate`) and one login role per
centre (`city.register_centre`).  Worker processes (`city_worker.py`) each run a share
of the centres: a real SQLite event log per centre, fed a busy centre's commands as
the engine decides them (`city_feed.py`) at a peak rate with 10x bursts, and a real
`Shipper` per centre, with its own connection as its own role.

(a) Steady state: the events/s ingested and, per event, the lag from its commit in
    SQLite to PostgreSQL's answer to the INSERT that holds it.  Goal: p99 <= 1 s.
(b) An outage: PostgreSQL is stopped; the centres keep committing an outage's worth
    of events at the peak rate (with bursts), compressed in time: written as fast as
    the centres can, not over the outage's wall time; then PostgreSQL starts, the feed
    goes on, and the catch-up is the time from PostgreSQL accepting connections to
    every centre's backlog visible.  Goal: 10 minutes' worth within 30 s.
    Then every centre's rows are checked against its log: 0 lost, 0 duplicated.
(c) History: 30 days of all centres (city_history.py, SQL), on which the dashboard's
    query (queue_server/city/dashboard.py, when it is there) is timed.

    python -m bench.city [--quick | --full] [--centres N] [--processes N] [--steady S]
                         [--peak EVENTS_PER_S] [--outage-minutes M] [--history-days D]
                         [--history-per-day N] [--summary FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import multiprocessing
import os
import shutil
import tempfile
import time
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

import psycopg

from queue_server.city.cluster import Cluster
from queue_server.city.schema import migrate

from . import city_worker
from .city_history import History, generate
from .city_worker import CentreSpec, Feed
from .common import (
    BENCH_DIR,
    Figure,
    add_summary_option,
    bench_config,
    figure_of,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)

GOAL_LAG_S = 1.0
GOAL_CATCH_UP_S = 30.0
GOAL_DASHBOARD_MS = 200.0
DASHBOARD_RUNS = 20


class Plan(NamedTuple):
    centres: int
    processes: int
    steady_s: float
    warm_up_s: float
    outage_s: float
    history_days: int
    history_per_day: int


QUICK = Plan(6, 2, 6.0, 1.0, 10.0, 2, 40)
STANDARD = Plan(126, 4, 60.0, 10.0, 600.0, 30, 100)
"""`make bench`: the history is kept small enough to build in about a minute (the read
model folds each event as it arrives); `--history-per-day` or `--full` for more."""
FULL = Plan(126, 4, 300.0, 30.0, 600.0, 30, 2_500)
FEED = Feed(peak=1.0, burst_s=10.0, burst_every_s=120.0)
"""A busy ward centre issues about 1,000 tickets a day, some 5 events each: 0.15 events/s
over its 9.5 hours, perhaps 0.5 at its busiest hour; 1/s with bursts of 10/s is more."""


def options() -> tuple[Plan, Feed, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    size.add_argument("--full", action="store_true", help="5 minutes steady, full history")
    parser.add_argument("--centres", type=int)
    parser.add_argument("--processes", type=int)
    parser.add_argument("--steady", type=float, metavar="S", help="seconds of steady feed")
    parser.add_argument("--peak", type=float, default=FEED.peak, help="events/s per centre")
    parser.add_argument("--outage-minutes", type=float)
    parser.add_argument("--history-days", type=int)
    parser.add_argument("--history-per-day", type=int, metavar="N", help="events per centre-day")
    add_summary_option(parser)
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL if args.full else STANDARD
    plan = plan._replace(
        centres=args.centres or plan.centres,
        processes=args.processes or plan.processes,
        steady_s=args.steady or plan.steady_s,
        outage_s=args.outage_minutes * 60 if args.outage_minutes else plan.outage_s,
        history_days=args.history_days or plan.history_days,
        history_per_day=args.history_per_day or plan.history_per_day,
    )
    plan = plan._replace(warm_up_s=min(plan.warm_up_s, plan.steady_s / 4))
    return plan, Feed(args.peak, FEED.burst_s, FEED.burst_every_s), args


# ---------------------------------------------------------------- the city's side


def centre_ids(count: int) -> list[str]:
    return [f"hn-{k:03d}" for k in range(1, count + 1)]


def city_database(cluster: Cluster, name: str) -> str:
    with psycopg.connect(cluster.dsn(), autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    dsn = cluster.dsn(name)
    migrate(dsn)
    return dsn


def register(cluster: Cluster, admin: str, database: str, ids: list[str]) -> list[CentreSpec]:
    """A login role per centre, as docs/city.md says; each centre ships as its own."""
    specs = []
    with psycopg.connect(admin, autocommit=True) as db:
        for k, centre_id in enumerate(ids):
            role = "centre_" + centre_id.replace("-", "_")
            db.execute(f"CREATE ROLE {role} LOGIN")
            db.execute("SELECT city.register_centre(%s, %s)", (role, centre_id))
            specs.append(CentreSpec(centre_id, cluster.dsn(database, role), seed=k))
    return specs


def held(admin: str) -> dict[str, tuple[int, int, int, int]]:
    """Per centre: rows, distinct seqs, lowest and highest seq."""
    with psycopg.connect(admin) as db:
        rows = db.execute(
            "SELECT centre_id, count(*), count(DISTINCT seq), min(seq), max(seq)"
            " FROM city.events GROUP BY centre_id"
        ).fetchall()
    return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}


# ---------------------------------------------------------------- the centres' side


class Workers:
    """The worker processes and their pipes: every phase is asked of all at once."""

    def __init__(self, specs: list[CentreSpec], processes: int, folder: Path, feed: Feed) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for i in range(processes):
            ours, theirs = context.Pipe()
            share = specs[i::processes]
            process = context.Process(
                target=city_worker.run, args=(share, folder, feed, theirs), daemon=True
            )
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        self.answers("ready")

    def ask(self, command: str, argument: object) -> list[Any]:
        for pipe in self.pipes:
            pipe.send((command, argument))
        return self.answers(command)

    def answers(self, command: str) -> list[Any]:
        answers = []
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            while not pipe.poll(1.0):
                if not process.is_alive():
                    raise SystemExit(f"a worker died (exit {process.exitcode}) during {command}")
            said, answer = pipe.recv()
            assert said == command, (said, command)
            answers.append(answer)
        return answers

    def stop(self) -> dict[str, int]:
        """Each centre's last seq, once its shipper and log are closed."""
        for pipe in self.pipes:
            pipe.send(("stop", None))
        last: dict[str, int] = {}
        for answer in self.answers("stopped"):
            last.update(answer)
        return last

    def end(self) -> None:
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.terminate()


# ---------------------------------------------------------------- the phases


class Measured(NamedTuple):
    events: int
    lags_s: list[float]
    backlog: int
    written_s: float
    first_batch_s: float
    caught_up_s: float
    lost: int
    doubled: int
    centres_right: int


def run_link(plan: Plan, feed: Feed, cluster: Cluster, folder: Path) -> Measured:
    admin = city_database(cluster, "city")
    specs = register(cluster, admin, "city", centre_ids(plan.centres))
    workers = Workers(specs, plan.processes, folder, feed)
    try:
        out(
            f"(a) steady state: {plan.steady_s:.0f} s (the first {plan.warm_up_s:.0f} s not counted)"
        )
        steady = workers.ask("steady", (plan.steady_s, plan.warm_up_s))
        lags = [lag for answer in steady for lag in answer["lags"]]
        if not all(answer["caught_up"] for answer in steady):
            out("  NOT caught up 60 s after the feed stopped")

        per_centre = round(plan.outage_s * feed.mean)
        cluster.stop()
        written = workers.ask("outage", per_centre)
        cluster.start(server_settings(plan))
        up = time.time()
        caught = workers.ask("catch_up", up)
        last = workers.stop()
    finally:
        workers.end()
    done = [at for answer in caught for at in answer["done"].values()]
    firsts = [answer["first"] for answer in caught if answer["first"] is not None]
    rows = held(admin)
    lost = sum(max(0, seq - rows.get(c, (0, 0, 0, 0))[1]) for c, seq in last.items())
    doubled = sum(count - distinct for count, distinct, _, _ in rows.values())
    right = sum(
        1
        for c, seq in last.items()
        if rows.get(c) == (seq, seq, 1, seq) or (seq == 0 and c not in rows)
    )
    return Measured(
        events=len(lags),
        lags_s=lags,
        backlog=sum(answer["backlog"] for answer in written),
        written_s=max(answer["seconds"] for answer in written),
        first_batch_s=(min(firsts) - up) if firsts else float("nan"),
        caught_up_s=(max(done) - up) if len(done) == plan.centres else float("inf"),
        lost=lost,
        doubled=doubled,
        centres_right=right,
    )


def server_settings(plan: Plan) -> dict[str, str]:
    return {"max_connections": str(plan.centres + 30)}


def run_history(plan: Plan, cluster: Cluster) -> tuple[History, list[float] | None]:
    dsn = city_database(cluster, "city_history")
    history = generate(
        dsn,
        bench_config(),
        centre_ids(plan.centres),
        plan.history_days,
        plan.history_per_day,
        date.today(),
    )
    return history, asyncio.run(time_dashboard(dsn, history.last_day))


async def time_dashboard(dsn: str, day: date) -> list[float] | None:
    """The dashboard's query on the history's last day, DASHBOARD_RUNS times; None while
    queue_server/city/dashboard.py is not there."""
    try:
        dashboard: Any = importlib.import_module("queue_server.city.dashboard")
    except ModuleNotFoundError:
        return None
    times = []
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as db:
        for _ in range(DASHBOARD_RUNS):
            started = time.perf_counter()
            await dashboard.centre_rows(db, day)
            times.append((time.perf_counter() - started) * 1000)
    return times


# ---------------------------------------------------------------- main


def main() -> None:
    plan, feed, args = options()
    out(machine_line())
    out(
        f"city link: {plan.centres} centres in {plan.processes} processes, each a real SQLite "
        "log and a real Shipper with its own role, into one PostgreSQL (fsync on) here"
    )
    out(
        f"feed per centre: {feed.peak:g} events/s, bursts of {city_worker.BURST:g}x for "
        f"{feed.burst_s:g} s every {feed.burst_every_s:g} s: {feed.mean:.2f} events/s mean, "
        f"{feed.mean * plan.centres:,.0f}/s for the city"
    )
    out(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    started = time.perf_counter()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="queue-city-bench-"))
    try:
        cluster = Cluster(folder)
        cluster.start(server_settings(plan))
        try:
            with tempfile.TemporaryDirectory(dir=BENCH_DIR) as logs:
                measured = run_link(plan, feed, cluster, Path(logs))
            figures = report_link(plan, feed, measured)
            out()
            history, dashboard = run_history(plan, cluster)
            figures += report_history(plan, history, dashboard)
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_summary(args.summary, figures)
    out()
    out(f"bench time {time.perf_counter() - started:.1f} s")


def report_link(plan: Plan, feed: Feed, m: Measured) -> list[Figure]:
    counted_s = plan.steady_s - plan.warm_up_s
    rate = m.events / counted_s
    lags_ms = [lag * 1000 for lag in m.lags_s]
    s = summarize(lags_ms)
    out("  lag from the commit in SQLite to the row in PostgreSQL, ms")
    out(
        table(
            ("events", "events/s", "median", "p99", "max"),
            [[m.events, round(rate), s.median, s.p99, s.max]],
        )
    )
    lag_met = s.p99 <= GOAL_LAG_S * 1000
    out(f"goal: lag p99 <= 1 s: {'met' if lag_met else 'NOT met'}")
    out()
    minutes = plan.outage_s / 60
    out(
        f"(b) PostgreSQL stopped for an outage of {minutes:.3g} minutes: its "
        f"{m.backlog:,} events (at least {round(plan.outage_s * feed.mean):,} per centre at the peak "
        f"rate with bursts) committed meanwhile, compressed into {m.written_s:.1f} s; then "
        "started, the feed going on"
    )
    ingest = m.backlog / m.caught_up_s if m.caught_up_s > 0 else 0.0
    out(
        table(
            ("backlog", "first batch s", "caught up s", "events/s"),
            [[m.backlog, m.first_batch_s, m.caught_up_s, round(ingest)]],
        )
    )
    out("  (seconds from PostgreSQL accepting connections again; the first batch waits for")
    out("  the shippers' next retry, up to 5 s apart after a long outage)")
    catch_met = m.caught_up_s * 10 / minutes <= GOAL_CATCH_UP_S
    out(
        f"goal: 10 minutes caught up within 30 s: {'met' if catch_met else 'NOT met'}"
        + ("" if minutes == 10 else f" (scaled from {minutes:.3g} minutes)")
    )
    out(
        f"check: {m.centres_right}/{plan.centres} centres hold exactly their log's seqs in "
        f"PostgreSQL; {m.lost} lost, {m.doubled} duplicated"
    )
    return [
        figure_of(
            "City link",
            f"{plan.centres} centres, {rate:,.0f} events/s: commit -> PostgreSQL",
            "ms",
            s,
            "p99 <= 1 s",
            lag_met,
        ),
        Figure(
            "City link",
            f"catch-up of a {minutes:.3g}-minute outage ({m.backlog:,} events, "
            f"{ingest:,.0f} events/s), {m.lost} lost, {m.doubled} duplicated",
            "s",
            max=m.caught_up_s,
            goal="10 minutes <= 30 s",
            met=catch_met and m.lost == 0 and m.doubled == 0,
        ),
    ]


def report_history(plan: Plan, history: History, dashboard: list[float] | None) -> list[Figure]:
    out(
        f"(c) history: {plan.history_days} days ({history.first_day} to {history.last_day}) x "
        f"{plan.centres} centres x {plan.history_per_day:,} events a day = {history.rows:,} "
        f"rows in {history.seconds:.1f} s ({history.rows / history.seconds:,.0f} rows/s)"
    )
    out(
        f"    city.events with its indexes: {history.bytes / 1e6:,.0f} MB, "
        f"{history.bytes / max(1, history.rows):,.0f} bytes a row"
    )
    figures = [
        Figure(
            "City link",
            f"history: {history.rows:,} rows ({plan.history_days} days x {plan.centres} centres)",
            "s",
            max=history.seconds,
        )
    ]
    if dashboard is None:
        out("dashboard refresh: not measured yet (queue_server/city/dashboard.py is not there)")
        return figures
    s = summarize(dashboard)
    out("  dashboard.centre_rows(day) on the last day, ms")
    out(table(("runs", "median", "p99", "max"), [[s.n, s.median, s.p99, s.max]]))
    met = s.p99 <= GOAL_DASHBOARD_MS
    out(f"goal: dashboard refresh <= 200 ms: {'met' if met else 'NOT met'}")
    figures.append(
        figure_of("City link", "dashboard refresh on the history", "ms", s, "<= 200 ms", met)
    )
    return figures


if __name__ == "__main__":
    main()
