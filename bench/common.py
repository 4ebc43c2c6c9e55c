"""Shared helpers for the benchmarks: one config, one summary, one table style.

Benchmarks print figures for people to read; they never assert timings, since
those depend on the machine.  The first line always says which machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import msgspec

from queue_server.config import CentreConfig, Devices, Durability, load_config
from queue_server.engine import Actor
from queue_server.engine.events import TicketIssued
from queue_server.engine.numbering import format_number
from queue_server.engine.setup import ServiceSetup

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "ward-center.toml"
BENCH_DIR = REPO / "var" / "bench"
"""On the repo's disk, not /tmp: a tmpfs would hide the cost of fsync."""
KIOSK = Actor("kiosk", "bench")
STAFF = Actor("staff", "bench")


class Summary(msgspec.Struct, frozen=True):
    n: int
    median: float
    p99: float
    mean: float
    max: float


def summarize(samples: Sequence[float]) -> Summary:
    """Median, p99 (nearest rank), mean and max of a non-empty list of timings."""
    ordered = sorted(samples)
    n = len(ordered)
    p99 = ordered[min(n - 1, max(0, -(-99 * n // 100) - 1))]
    mid = n // 2
    median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return Summary(n=n, median=median, p99=p99, mean=sum(ordered) / n, max=ordered[-1])


class Figure(msgspec.Struct, frozen=True):
    """One line of `make bench`'s summary table (bench/run_all.py)."""

    benchmark: str
    figure: str
    unit: str
    median: float | None = None
    p99: float | None = None
    max: float | None = None
    goal: str = ""
    met: bool | None = None
    """None: no goal, or nothing to judge it by."""


def figure_of(
    benchmark: str, name: str, unit: str, s: Summary, goal: str = "", met: bool | None = None
) -> Figure:
    return Figure(benchmark, name, unit, s.median, s.p99, s.max, goal, met)


def add_summary_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--summary", type=Path, metavar="FILE", help="also write the key figures as JSON (run_all)"
    )


def write_summary(path: Path | None, figures: Sequence[Figure]) -> None:
    if path is not None:
        path.write_bytes(msgspec.json.encode(list(figures)))


def read_summary(path: Path) -> list[Figure]:
    return msgspec.json.decode(path.read_bytes(), type=list[Figure])


def machine_line() -> str:
    return (
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.platform()}"
    )


def bench_config(
    store_path: str | Path | None = None, durability: Durability | None = None
) -> CentreConfig:
    """The example ward centre with opening hours not enforced, so any time is open, and
    no devices: the benchmarks time the queue, not a printer that is not there."""
    config = load_config(EXAMPLE)
    store = config.store
    if store_path is not None:
        store = msgspec.structs.replace(store, path=str(store_path))
    if durability is not None:
        store = msgspec.structs.replace(store, durability=durability)
    hours = msgspec.structs.replace(config.hours, enforce=False)
    # The benchmarks press NEXT as fast as the bus allows: the guard against a double
    # press (queue.next_guard_seconds) would refuse most of them.
    queue = msgspec.structs.replace(config.queue, next_guard_seconds=0.0)
    return msgspec.structs.replace(config, hours=hours, store=store, devices=Devices(), queue=queue)


def local_timestamp(config: CentreConfig, text: str) -> float:
    """A local time of the centre ("2025-09-08 07:30") as a Unix timestamp."""
    return datetime.fromisoformat(text).replace(tzinfo=config.zone).timestamp()


def issued_events(config: CentreConfig, count: int, at: float, day: str) -> Iterator[TicketIssued]:
    """`count` tickets issued at `at`: round-robin over the services, every 4th one priority.

    Made directly rather than decided, to build big queues fast.
    """
    services = config.queue_setup().services
    classes = [p.code for p in config.priority_classes]
    serials = dict.fromkeys((s.code for s in services), 0)
    for i in range(count):
        service = services[i % len(services)]
        serials[service.code] += 1
        serial = serials[service.code]
        yield TicketIssued(
            at=at,
            actor=KIOSK,
            ticket=i + 1,
            number=_number(service, serial),
            service=service.code,
            priority=classes[(i // 4) % len(classes)] if i % 4 == 3 else None,
            day=day,
            serial=serial,
            order=i + 1,
            tracking_code=f"trk{i:09d}",
            lang="vi",
        )


def _number(service: ServiceSetup, serial: int) -> str:
    """The printed number; a band service just counts on past its band (no limit here)."""
    if service.band is None:
        return format_number(service, serial)
    return str(service.band[0] + serial - 1)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: numbers right-aligned, a first column of names left-aligned."""
    cells = [list(headers), *([_cell(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    names_first = all(isinstance(row[0], str) for row in rows)
    lines = []
    for row in cells:
        parts = [v.rjust(w) for v, w in zip(row, widths, strict=True)]
        if names_first:
            parts[0] = row[0].ljust(widths[0])
        lines.append("  " + "  ".join(parts).rstrip())
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def out(text: str = "") -> None:
    """Print and flush, so progress shows while a long benchmark runs."""
    print(text, flush=True)


def forget_saved_state(db: Path) -> None:
    """Remove the state saved at the last close, so that the next start replays it all."""
    if not db.exists():
        return  # no log yet: the server makes it
    connection = sqlite3.connect(db)
    try:
        with connection:
            connection.execute("DELETE FROM resume_points")
    finally:
        connection.close()
