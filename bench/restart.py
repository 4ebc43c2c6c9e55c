"""Restart: from starting `queue-server run` on a full event log to serving requests.

The log is the realistic mix of bench/event_log.py's `Simulation` (issues, calls,
recalls, no-shows, transfers, day rollovers, decided by the engine itself) with
100,000 and 1,000,000 events, written before the clock starts.  Each restart spawns
the server process on a chosen loopback port and polls it every 2 ms: the figures are
the time from spawning to the first `GET /healthz` answered 200, and to the first
`GET /api/v1/services` answered 200.  "replay" is the server's own figure for opening
the log and replaying it (its log line), and an empty log shows what starting Python
and importing the server costs alone.  Goal: serving within 1 s at 100,000 events.

Each size is started twice over: "whole log", with the state saved at the last close
of a day removed first (a first start, or one after the configuration changed: the
goal is judged here), then "resumed", from that saved state (engine/resume.py), which
replays only what followed that close.

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
    forget_saved_state,
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
    """Events replayed."""


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
    start: str
    """"whole log" or "resumed"."""
    replayed: int
    db_mb: float
    generate_s: float
    healthz: Summary
    services: Summary
    replay: Summary


def bench_size(work: Path, size: int, repeats: int) -> list[Result]:
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
    whole = []
    for n in range(repeats):
        forget_saved_state(db)
        whole.append(start_once(config, db, work / f"whole-{n}.log"))
    resumed = [start_once(config, db, work / f"resumed-{n}.log") for n in range(repeats)]
    return [
        Result(
            events=whole[0].events,
            start=kind,
            replayed=starts[0].events,
            db_mb=db_mb,
            generate_s=generate_s,
            healthz=summarize([s.healthz_s for s in starts]),
            services=summarize([s.services_s for s in starts]),
            replay=summarize([s.replay_s for s in starts]),
        )
        for kind, starts in (("whole log", whole), ("resumed", resumed))
    ]


def report(results: Sequence[Result], repeats: Sequence[int]) -> list[Figure]:
    out("restart: spawn `queue-server run` -> first answer, s (median of the runs; max)")
    rows = [
        [
            r.events,
            r.start,
            r.replayed,
            n,
            f"{r.db_mb:.1f}",
            f"{r.generate_s:.2f}",
            *(f"{v:.3f}" for v in (r.replay.median, r.healthz.median, r.healthz.max)),
            *(f"{v:.3f}" for v in (r.services.median, r.services.max)),
        ]
        for r, n in zip(results, repeats, strict=True)
    ]
    headers = ("events", "start", "replayed", "runs", "db MB", "generate s", "replay")
    out(table((*headers, "healthz", "max", "services", "max"), rows))
    out("  replay: the server's own time to open and replay the log (from its log line)")
    out("  healthz / services: spawn -> first GET /healthz, GET /api/v1/services answered 200")
    out("  whole log: no saved state (first start, changed configuration); resumed: from the")
    out("  state saved at the last close of a day, replaying what followed it: little here,")
    out("  as the first start closed the simulated day (its clock is today); a restart in")
    out("  the middle of a busy day replays that day's ~5,000 events")
    out()
    figures = []
    for r in results:
        if r.start != "whole log" and not r.events:
            continue
        judged = r.start == "whole log" and GOAL_EVENTS <= r.events < 10 * GOAL_EVENTS
        met = r.healthz.max <= GOAL_S if judged else None
        label = f"{r.events:,} events: start -> /healthz"
        figures.append(
            figure_of(
                "Restart",
                label if r.start == "whole log" else f"{label}, resumed",
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
        results = [r for size, n in plan for r in bench_size(Path(tmp) / str(size), size, n)]
    figures = report(results, [n for _, n in plan for _ in range(2)])
    write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
