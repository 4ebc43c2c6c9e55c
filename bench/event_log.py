"""What the event log costs: a commit per event, a command end to end, a restart.

(a) `EventLog.append` of one event per commit, durability "process" and "full".
(b) `Dispatcher.execute(IssueTicket)` through a real `Centre`, one at a time and,
    in "full" mode, 64 tasks at once: group commit should share fsyncs.
(c) Restart: `Centre(config, db_path)` opens the log and replays it to a ready
    engine.  The log is a realistic mix decided by the engine itself (issue,
    call, recall, start, finish, no-shows, transfers, day rollovers).  Goal:
    ready within 1 s at 100,000 events.

Files go under the repo's var/bench/, not /tmp, which may be a tmpfs that hides
the cost of fsync.

    python -m bench.event_log [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from queue_server.app import Centre
from queue_server.config import CentreConfig, Durability
from queue_server.engine import CommandRejected, Engine, Event
from queue_server.engine import commands as c
from queue_server.engine.state import TicketStatus
from queue_server.store import EventLog
from queue_server.store.eventlog import Row

from .common import (
    BENCH_DIR,
    KIOSK,
    STAFF,
    Figure,
    Summary,
    add_summary_option,
    bench_config,
    figure_of,
    forget_saved_state,
    issued_events,
    local_timestamp,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)


def filesystem(path: Path) -> str:
    """The file system type and device that hold `path`, from /proc/self/mounts."""
    real = os.path.realpath(path)
    best = ("", "unknown file system", "?")
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return best[1]
    for line in mounts:
        device, mount, fstype, *_ = line.split()
        mount = mount.replace("\\040", " ")
        inside = real == mount or real.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best[0]):
            best = (mount, fstype, device)
    return f"{best[1]} on {best[2]} (mounted at {best[0]})"


def count_commits(log: EventLog) -> list[int]:
    """Count write transactions by wrapping the log's writer: the bench's one intrusion."""
    count = [0]
    write = log.write_rows

    def counted(rows: Sequence[Row]) -> None:
        count[0] += 1
        write(rows)

    log.write_rows = counted  # type: ignore[method-assign]
    return count


# ---------------------------------------------------------------- (a) append


def bench_append(config: CentreConfig, path: Path, durability: Durability, n: int) -> list[object]:
    """One event per `append`, as the dispatcher commits a one-event command."""
    log = EventLog(path, config.centre.id, durability)
    events = list(issued_events(config, n, time.time(), "2025-09-08"))
    times: list[float] = []
    started = time.perf_counter()
    for event in events:
        t0 = time.perf_counter_ns()
        log.append([event])
        times.append((time.perf_counter_ns() - t0) / 1000)
    elapsed = time.perf_counter() - started
    log.close()
    s = summarize(times)
    return [durability, n, s.median, s.p99, s.max, round(n / elapsed)]


# ---------------------------------------------------------------- (b) dispatcher


async def bench_dispatch(
    config: CentreConfig, tasks: int, per_task: int
) -> tuple[Summary, float, int]:
    """`tasks` coroutines each issuing `per_task` tickets: latencies, commands/s, commits."""
    centre = Centre(config)
    await centre.start()
    dispatcher, codes = centre.dispatcher, config.service_codes
    for k in range(20):  # warm-up, not timed
        await dispatcher.execute(
            c.IssueTicket(service=codes[k % len(codes)], tracking_code=f"w{k}"), KIOSK
        )
    commits = count_commits(centre.log)
    latencies: list[float] = []

    async def issue(task: int) -> None:
        for k in range(per_task):
            command = c.IssueTicket(
                service=codes[(task + k) % len(codes)], tracking_code=f"{task}-{k}"
            )
            t0 = time.perf_counter_ns()
            await dispatcher.execute(command, KIOSK)
            latencies.append((time.perf_counter_ns() - t0) / 1000)

    started = time.perf_counter()
    await asyncio.gather(*(issue(task) for task in range(tasks)))
    elapsed = time.perf_counter() - started
    await centre.stop()
    return summarize(latencies), len(latencies) / elapsed, commits[0]


# ---------------------------------------------------------------- (c) replay


class Simulation:
    """Days of a busy ward centre, decided by the engine, written to a log in big batches.

    Every minute of a 07:30-16:00 day: 0.9 arrivals on average (1/4 priority;
    services in proportion to the counter time they get, so lines stay short), and
    each counter moves on: call the next, start or (5%) mark a no-show or (3%)
    recall, finish after about the service's expected minutes, or (5%)
    transfer to another service or counter.  Counters close at the end of the
    day; the next day's housekeeping expires whoever still waits.
    """

    def __init__(self, config: CentreConfig, log: EventLog, seed: int = 1) -> None:
        self.config, self.log = config, log
        self.engine = Engine(config.queue_setup())
        self.rng = random.Random(seed)
        self.pending: list[Event] = []
        self.written = self.tickets = self.days = 0
        self._expected = {s.code: s.expected_minutes for s in config.services}
        self._classes = [p.code for p in config.priority_classes]
        capacity = dict.fromkeys(config.service_codes, 0.0)
        for counter in config.counters:
            for code in counter.services:
                capacity[code] += 1 / len(counter.services) / self._expected[code]
        self._codes, self._weights = list(capacity), list(capacity.values())

    def run(self, target: int) -> None:
        """Simulate until at least `target` events are in the log (it stops mid-day)."""
        day = date(2025, 1, 6)  # a Monday
        while self.written + len(self.pending) < target:
            if day.weekday() != 6:
                self._day(local_timestamp(self.config, f"{day} 07:30"), target)
                self.days += 1
            day += timedelta(days=1)
        self._flush()

    def _day(self, opening: float, target: int) -> None:
        counters = [k.id for k in self.config.counters]
        for counter in counters:
            self._do(c.OpenCounter(counter=counter), opening)
        for minute in range(1, 8 * 60 + 30):
            at = opening + minute * 60.0
            arrivals = (self.rng.random() < 0.55) + (self.rng.random() < 0.35)
            for _ in range(arrivals):
                self._issue(at)
            for counter in counters:
                self._step(counter, at + counter)
            if len(self.pending) >= 20_000:
                self._flush()
            if self.written + len(self.pending) >= target:
                return
        for counter in counters:
            self._do(c.CloseCounter(counter=counter), opening + 9 * 3600.0)

    def _issue(self, at: float) -> None:
        rng = self.rng
        priority = rng.choice(self._classes) if rng.random() < 0.25 else None
        service = rng.choices(self._codes, self._weights)[0]
        issue = c.IssueTicket(service=service, tracking_code=f"t{self.tickets}", priority=priority)
        self.tickets += self._do(issue, at)

    def _step(self, counter: int, at: float) -> None:
        rng, state = self.rng, self.engine.state
        current = state.counters[counter].current
        if current is None:
            self._do(c.CallNext(counter=counter), at)
            return
        ticket = state.tickets[current]
        if ticket.status is TicketStatus.CALLED:
            roll = rng.random()
            if roll < 0.05:
                self._do(c.MarkNoShow(counter=counter), at)
            elif roll < 0.08:
                self._do(c.Recall(counter=counter), at)
            else:
                self._do(c.StartService(counter=counter), at)
        elif rng.random() < 1 / self._expected[ticket.service]:
            roll = rng.random()
            if roll < 0.04:
                others = [s for s in self.config.service_codes if s != ticket.service]
                self._do(c.Transfer(counter=counter, to_service=rng.choice(others)), at)
            elif roll < 0.05:
                to = rng.choice([k.id for k in self.config.counters if k.id != counter])
                self._do(c.Transfer(counter=counter, to_counter=to), at)
            else:
                self._do(c.Finish(counter=counter), at)

    def _do(self, command: c.Command, at: float) -> bool:
        """Handle a command; a refusal (nobody waiting, a band used up) is skipped, as staff would."""
        due = self.engine.housekeeping(at)  # as the dispatcher does: kept even if refused
        self.engine.apply_all(due)
        self.pending += due
        try:
            decided = self.engine.decide(command, at, STAFF)
        except CommandRejected:
            return False
        self.engine.apply_all(decided)
        self.pending += decided
        return True

    def _flush(self) -> None:
        if self.pending:
            self.log.append(self.pending)
            self.written += len(self.pending)
            self.pending = []


def bench_replay(config: CentreConfig, path: Path, target: int, repeats: int) -> list[object]:
    """Generate `target` events, then time restarts: Centre() = open + replay to ready."""
    started = time.perf_counter()
    log = EventLog(path, config.centre.id, config.store.durability)
    sim = Simulation(config, log)
    sim.run(target)
    log.close()
    generate_s = time.perf_counter() - started
    size_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6

    log = EventLog(path, config.centre.id)
    started = time.perf_counter()
    decoded = sum(1 for _ in log.read())
    decode_s = time.perf_counter() - started
    log.close()

    restarts: list[float] = []
    for _ in range(repeats):
        forget_saved_state(path)  # the whole log each time, not from the day's close
        started = time.perf_counter()
        centre = Centre(config, path)
        restarts.append(time.perf_counter() - started)
        assert centre.replayed_events == decoded == sim.written
        asyncio.run(centre.stop())
        del centre
    restart = summarize(restarts).median
    return [
        sim.written,
        sim.days,
        sim.tickets,
        size_mb,
        generate_s,
        decode_s,
        restart,
        round(sim.written / restart),
    ]


# ---------------------------------------------------------------- main


def part_append(config: CentreConfig, work: Path, quick: bool) -> None:
    out("(a) EventLog.append, one event per commit, us")
    runs: tuple[tuple[Durability, int], ...] = (
        ("process", 300 if quick else 5_000),
        ("full", 50 if quick else 1_000),
    )
    rows = [bench_append(config, work / f"append-{d}.sqlite3", d, n) for d, n in runs]
    out(table(("durability", "events", "median", "p99", "max", "events/s"), rows))


def part_dispatch(work: Path, quick: bool) -> list[Figure]:
    out("(b) Dispatcher.execute(IssueTicket) end to end, us per command")
    runs: tuple[tuple[Durability, int, int], ...] = (
        ("process", 1, 300 if quick else 5_000),
        ("full", 1, 50 if quick else 1_000),
        ("full", 64, 2 if quick else 20),
    )
    rows: list[list[object]] = []
    figures = []
    for durability, tasks, each in runs:
        config = bench_config(work / f"dispatch-{durability}-{tasks}.sqlite3", durability)
        s, rate, commits = asyncio.run(bench_dispatch(config, tasks, each))
        rows.append([durability, tasks, s.n, s.median, s.p99, round(rate), commits, s.n / commits])
        name = f"execute(IssueTicket), {durability}, {tasks} at once: {rate:,.0f}/s"
        figures.append(figure_of("Event log", name, "us", s))
    headers = ("durability", "tasks", "commands", "median", "p99", "commands/s", "commits")
    out(table((*headers, "per commit"), rows))
    return figures


def part_replay(work: Path, quick: bool) -> list[Figure]:
    out("(c) restart: Centre(config, db_path) = open + replay to ready")
    out("    restart s is the median of 3 runs up to 100,000 events, one run above")
    rows = []
    for size in (2_000,) if quick else (100_000, 1_000_000):
        config = bench_config(work / f"replay-{size}.sqlite3")
        path = Path(config.store.path)
        rows.append(bench_replay(config, path, size, 3 if size <= 100_000 else 1))
    headers = ("events", "days", "tickets", "db MB", "generate s", "decode s", "restart s")
    out(table((*headers, "events/s"), rows))
    out()
    events, restart_s = rows[0][0], rows[0][6]
    out(f"restart-to-serving at {events:,} events: {restart_s:.3f} s (goal: <= 1 s at 100,000)")
    figures = []
    for row in rows:
        events, restart = row[0], row[6]
        assert isinstance(events, int)
        assert isinstance(restart, float)
        figures.append(Figure("Event log", f"Centre() replay, {events:,} events", "s", restart))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    add_summary_option(parser)
    args = parser.parse_args()
    quick: bool = args.quick
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out(machine_line())
    out(f"event log files in {BENCH_DIR}: {filesystem(BENCH_DIR)}")
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        work = Path(tmp)
        out()
        part_append(bench_config(), work, quick)
        out()
        figures = part_dispatch(work, quick)
        out()
        figures += part_replay(work, quick)
    write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
