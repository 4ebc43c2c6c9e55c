"""Restart: from starting `queue-server run` on a full event log to serving requests.

The log is the realistic mix of bench/event_log.py's `Simulation` (issues, calls,
recalls, no-shows, transfers, day rollovers, decided by the engine itself) with
100,000 and 1,000,000 events, written before the clock starts.  Each restart spawns
the server process on a chosen loopback port and polls it every 2 ms: the figures are
the time from spawning to the first `GET /healthz` answered 200, and to the first
`GET /api/v1/services` answered 200.  "replay" is the server's own figure for opening
the log and replaying it (its log line), and an empty log shows what starting Python
and importing the server costs alone.  Goal: serving within 1 s at 100,000 events.

    python -m bench.restart [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from queue_server.config import load_config
from queue_server.store import EventLog

from .common import (
    BENCH_DIR,
    REPO,
    Figure,
    Summary,
    add_summary_option,
    figure_of,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)
from .event_log import Simulation
from .server import run_command, write_config

GOAL_S = 1.0
GOAL_EVENTS = 100_000
POLL_S = 0.002
_REPLAYED = re.compile(r"replayed (\d+) events from .* in ([\d.]+) s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def answered(port: int, path: str) -> bool:
    """One GET; True if it was answered 200, False if nobody listens yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class Start(NamedTuple):
    healthz_s: float
    services_s: float
    replay_s: float
    events: int


def start_once(config: Path, db: Path, log: Path) -> Start:
    port = free_port()
    command = run_command(config, db, port)
    with log.open("wb") as stderr:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = started + 120
        while not answered(port, "/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not serve:\n{log.read_text()}")
            time.sleep(POLL_S)
        healthz = time.monotonic() - started
        while not answered(port, "/api/v1/services"):
            time.sleep(POLL_S)
        services = time.monotonic() - started
    finally:
        process.terminate()
        code = process.wait(30)
    if code != 0:
        raise RuntimeError(f"the server exited with {code}:\n{log.read_text()}")
    match = _REPLAYED.search(log.read_text())
    if match is None:
        raise RuntimeError(f"no replay line in the server's log:\n{log.read_text()}")
    return Start(healthz, services, float(match.group(2)), int(match.group(1)))


class Result(NamedTuple):
    events: int
    db_mb: float
    generate_s: float
    healthz: Summary
    services: Summary
    replay: Summary


def bench_size(work: Path, size: int, repeats: int) -> Result:
    work.mkdir()
    config, db = write_config(work)
    started = time.perf_counter()
    if size:
        centre = load_config(config)
        log = EventLog(db, centre.centre.id, centre.store.durability)
        Simulation(centre, log).run(size)
        log.close()
    generate_s = time.perf_counter() - started
    db_mb = sum(p.stat().st_size for p in work.glob(db.name + "*")) / 1e6
    starts = [start_once(config, db, work / f"server-{n}.log") for n in range(repeats)]
    return Result(
        events=starts[0].events,
        db_mb=db_mb,
        generate_s=generate_s,
        healthz=summarize([s.healthz_s for s in starts]),
        services=summarize([s.services_s for s in starts]),
        replay=summarize([s.replay_s for s in starts]),
    )


def report(results: Sequence[Result], repeats: Sequence[int]) -> list[Figure]:
    out("restart: spawn `queue-server run` -> first answer, s (median of the runs; max)")
    rows = [
        [
            r.events,
            n,
            f"{r.db_mb:.1f}",
            f"{r.generate_s:.2f}",
            *(f"{v:.3f}" for v in (r.replay.median, r.healthz.median, r.healthz.max)),
            *(f"{v:.3f}" for v in (r.services.median, r.services.max)),
        ]
        for r, n in zip(results, repeats, strict=True)
    ]
    headers = ("events", "runs", "db MB", "generate s", "replay", "healthz", "max")
    out(table((*headers, "services", "max"), rows))
    out("  replay: the server's own time to open and replay the log (from its log line)")
    out("  healthz / services: spawn -> first GET /healthz, GET /api/v1/services answered 200")
    out()
    figures = []
    for r in results:
        judged = r.events >= GOAL_EVENTS and r.events < 10 * GOAL_EVENTS
        met = r.healthz.max <= GOAL_S if judged else None
        figures.append(
            figure_of(
                "Restart",
                f"{r.events:,} events: start -> /healthz",
                "s",
                r.healthz,
                f"<= {GOAL_S:.0f} s at 100,000" if judged else "",
                met,
            )
        )
        if judged:
            out(
                f"goal: serving within {GOAL_S:.0f} s at {GOAL_EVENTS:,} events: "
                f"measured {r.healthz.median:.3f} s (max {r.healthz.max:.3f} s): "
                f"{'met' if met else 'not met'}"
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small logs, for the smoke test")
    add_summary_option(parser)
    args = parser.parse_args()
    plan = ((0, 1), (2_000, 1)) if args.quick else ((0, 3), (100_000, 3), (1_000_000, 2))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out(machine_line())
    out(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    out()
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        results = [bench_size(Path(tmp) / str(size), size, n) for size, n in plan]
    figures = report(results, [n for _, n in plan])
    write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
