"""Before/after: the centre's own figures with the city link off, then on (issue 19).

A PostgreSQL of its own with the city's schema, on the load's CPUs (bench/server.py:
in a city it is another machine); then `bench.next_to_display` and `bench.api_issue`
run as `make bench` runs them, alternately without and with QUEUE_BENCH_CITY_DSN, which
gives their server a `[city]` section: its shipper sends every committed event to this
PostgreSQL on its own task and connection.  Each log ships as a centre id of its own,
so the link logs in as the cluster's superuser, which row-level security does not
check (the city's cost per row, not the centre's).  Rounds alternate off/on so that a
change of load on the machine falls on both.  Not in `make bench`: it reruns those two.

    python -m bench.city_before_after [--quick] [--rounds N] [--wait-load LOAD]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import psycopg

from queue_server.city.cluster import Cluster
from queue_server.city.schema import migrate

from .common import REPO, Figure, machine_line, out, read_summary, table
from .run_all import wait_for_load
from .server import LOAD_CPUS, PIN_CPUS

BENCHES = ("bench.next_to_display", "bench.api_issue")


def pin_to_load_cpus(cluster: Cluster) -> None:
    """The postmaster and its children so far; the backends it forks later inherit it."""
    if not PIN_CPUS:
        return
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == postmaster:
            pids.append(int(stat.parent.name))
    for pid in pids:
        with contextlib.suppress(OSError):  # gone meanwhile
            os.sched_setaffinity(pid, LOAD_CPUS)


class Ran(NamedTuple):
    figures: list[Figure]
    cpu_per_ticket: dict[str, float]
    """bench.api_issue's "server us/ticket" per run ("process 10 keep-alive"): the server's
    CPU time, the shipper's included, which other work on the machine moves far less
    than it moves wall times."""


_CPU_ROW = re.compile(
    r"^\s+(process|full)\s+(\d+)\s+(keep-alive|per-request)\s+(?:[\d,.]+\s+){5}\d+%\s+([\d,]+)\s",
    re.MULTILINE,
)


def cpu_per_ticket(output: str) -> dict[str, float]:
    return {
        f"{durability} {clients} {connection}": float(us.replace(",", ""))
        for durability, clients, connection, us in _CPU_ROW.findall(output)
    }


def run(module: str, quick: bool, city_dsn: str | None, work: Path) -> Ran:
    summary = work / f"{module}-{time.monotonic_ns()}.json"
    env = dict(os.environ)
    env.pop("QUEUE_BENCH_CITY_DSN", None)
    if city_dsn:
        env["QUEUE_BENCH_CITY_DSN"] = city_dsn
    command = [sys.executable, "-m", module, "--summary", str(summary)]
    result = subprocess.run(
        [*command, *(["--quick"] if quick else [])],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{module} failed:\n{result.stdout}\n{result.stderr}")
    return Ran(read_summary(summary), cpu_per_ticket(result.stdout))


Results = dict[tuple[str, bool], list[Ran]]
"""(benchmark, link on) -> each round's figures."""


def run_rounds(rounds: int, quick: bool, wait_load: float | None, city_dsn: str) -> Results:
    results: Results = {}
    with tempfile.TemporaryDirectory() as work:
        for round_ in range(rounds):
            for city in (False, True):
                for module in BENCHES:
                    if wait_load is not None:
                        wait_for_load(wait_load)
                    link, load = "on" if city else "off", os.getloadavg()[0]
                    out(f"round {round_ + 1}: {module}, city link {link} (load {load:.2f})")
                    ran = run(module, quick, city_dsn if city else None, Path(work))
                    results.setdefault((module, city), []).append(ran)
    return results


def shipped(dsn: str) -> tuple[int, int]:
    """Centre ids and rows the city holds: the link was really on."""
    with psycopg.connect(dsn) as db:
        row = db.execute("SELECT count(DISTINCT centre_id), count(*) FROM city.events").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the benches at their tiny size")
    parser.add_argument("--rounds", type=int, default=1, help="off/on pairs (default 1)")
    parser.add_argument(
        "--wait-load", type=float, metavar="LOAD", help="wait for a lower load before each run"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop PostgreSQL on the way out
    out(machine_line())
    out(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    folder = Path(tempfile.mkdtemp(prefix="queue-city-before-after-"))
    try:
        cluster = Cluster(folder)
        cluster.start()
        try:
            pin_to_load_cpus(cluster)
            migrate(cluster.dsn())
            results = run_rounds(args.rounds, args.quick, args.wait_load, cluster.dsn())
            centres, rows = shipped(cluster.dsn())
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out()
    out(f"the link on: {rows:,} events of {centres} logs reached PostgreSQL")
    report(results)


_RATE = re.compile(r"[\d,]+(?:\.\d+)?(?=/s| tickets/s)")


def _rate_both_ways(off: str, on: str) -> str:
    """A figure's name, its rate shown as off -> on ("6,033 -> 5,990 tickets/s")."""
    rate = _RATE.search(on)
    return _RATE.sub(lambda m: f"{m.group(0)} -> {rate.group(0)}", off, 1) if rate else off


def report(results: Results) -> None:
    """One row per figure and round: median and p99 off, then on."""
    out("median / p99, ms, city link off and on (a rate in a figure's name: off -> on)")
    rows = []
    for module in BENCHES:
        for round_, (off, on) in enumerate(
            zip(results[(module, False)], results[(module, True)], strict=True)
        ):
            for before, after in zip(off.figures, on.figures, strict=True):
                rows.append(
                    [
                        f"{before.benchmark}: {_rate_both_ways(before.figure, after.figure)}",
                        round_ + 1,
                        before.median or 0.0,
                        after.median or 0.0,
                        before.p99 or 0.0,
                        after.p99 or 0.0,
                    ]
                )
    out(table(("figure", "round", "off median", "on median", "off p99", "on p99"), rows))
    out()
    out("bench.api_issue: the server's CPU per ticket, us (the shipper runs in the server)")
    cpu_rows = []
    for round_, (off, on) in enumerate(
        zip(results[("bench.api_issue", False)], results[("bench.api_issue", True)], strict=True)
    ):
        for run_name, us_off in off.cpu_per_ticket.items():
            us_on = on.cpu_per_ticket.get(run_name, 0.0)
            cpu_rows.append([run_name, round_ + 1, us_off, us_on, f"{us_on / us_off - 1:+.0%}"])
    out(table(("run", "round", "off", "on", "change"), cpu_rows))


if __name__ == "__main__":
    main()
