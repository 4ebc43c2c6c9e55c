"""`make bench`: every benchmark at its standard size, one summary table, bench/RESULTS.md.

Each benchmark runs as its own process (`python -m bench.<name> --summary FILE`), its
output shown as it comes; its key figures come back as JSON for the summary table
(benchmark, figure, median, p99, max, goal, met?).  RESULTS.md gets the machine (CPU
count and model, Python, date, load average), the summary, and one section per
benchmark with its exact command and its whole output.  The file's "Before/after"
part, below the marker line, is written by hand and kept when this rewrites the file.

Other work on the machine moves the figures: each section says the load average when
its benchmark started.  `--wait-load 1.0` waits (up to 3 minutes each) until the
1-minute load average is below 1.0 before each benchmark.

    python -m bench.run_all [--quick] [--only NAME ...] [--wait-load LOAD] [--results FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from .common import REPO, Figure, out, read_summary

RESULTS = REPO / "bench" / "RESULTS.md"
KEPT_MARKER = (
    "<!-- Before/after: written by hand; `make bench` keeps everything below this line. -->"
)


class Bench(NamedTuple):
    name: str
    module: str
    item: str
    """What it measures, in the issue's words."""
    summary: bool = True
    """False: it prints figures but has no --summary (its output still goes in RESULTS.md)."""


BENCHMARKS = (
    Bench("next_to_display", "bench.next_to_display", "1. NEXT on a keypad -> every hall display"),
    Bench("api_issue", "bench.api_issue", "2. Ticket issue over HTTP"),
    Bench("fanout", "bench.fanout", "3. Fan-out of one call to 1,000 and 10,000 displays"),
    Bench("engine_depth", "bench.engine_depth", "4. Call-next cost with 100 to 1,000,000 waiting"),
    Bench("restart", "bench.restart", "5. Restart of the server process on a full log"),
    Bench("printing", "bench.printing", "6. Printing: render + encode per ticket"),
    Bench("event_log", "bench.event_log", "The event log: commits, group commit, replay"),
    Bench("report", "bench.report", "The day's report on a log of 120 days"),
    Bench("booking", "bench.booking", "Booking ahead: 1,000 citizens race for a day's slots"),
    Bench("finder", "bench.finder", "The procedure finder: one search over the example catalogue"),
    Bench("city", "bench.city", "The city link: 126 centres ship into one PostgreSQL"),
    Bench("idle_cpu", "bench.idle_cpu", "An idle centre: the demo's CPU when nobody presses"),
    Bench(
        "keypad_latency",
        "bench.keypad_latency",
        "Keypad lines at 115200 and 9600 baud (the keypad's own benchmark)",
        summary=False,
    ),
)


class Ran(NamedTuple):
    bench: Bench
    command: str
    seconds: float
    load: float
    output: str
    figures: list[Figure]
    failed: str


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def wait_for_load(limit: float, longest_s: float = 180.0) -> None:
    deadline = time.monotonic() + longest_s
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)


def run_one(bench: Bench, quick: bool, work: Path) -> Ran:
    summary = work / f"{bench.name}.json"
    args = [sys.executable, "-m", bench.module]
    if quick:
        args.append("--quick")
    if bench.summary:
        args += ["--summary", str(summary)]
    shown = " ".join(["python", "-m", bench.module, *(["--quick"] if quick else [])])
    load = os.getloadavg()[0]
    out(f"=== {bench.item}: {shown} (load {load:.2f})")
    started = time.monotonic()
    process = subprocess.Popen(
        args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    code = process.wait()
    seconds = time.monotonic() - started
    failed = f"exit {code}" if code else ""
    figures = read_summary(summary) if bench.summary and summary.exists() and not code else []
    if bench.summary and not figures and not failed:
        failed = "no figures"
    out(f"=== {bench.name}: {seconds:.0f} s{f', FAILED ({failed})' if failed else ''}")
    out()
    return Ran(bench, shown, seconds, load, "".join(lines), figures, failed)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def summary_rows(runs: Sequence[Ran]) -> list[list[str]]:
    rows = []
    for ran in runs:
        if ran.failed:
            rows.append([ran.bench.name, f"FAILED ({ran.failed})", "", "", "", "", "", ""])
        for f in ran.figures:
            met = "" if f.met is None else "yes" if f.met else "NO"
            rows.append(
                [
                    f.benchmark,
                    f.figure,
                    f.unit,
                    _number(f.median),
                    _number(f.p99),
                    _number(f.max),
                    f.goal,
                    met,
                ]
            )
    return rows


HEADERS = ("benchmark", "figure", "unit", "median", "p99", "max", "goal", "met?")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Names left, numbers right."""
    cells = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    left = {0, 1, 2, 6, 7}
    return "\n".join(
        "  "
        + "  ".join(
            v.ljust(w) if i in left else v.rjust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    )


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(path: Path, runs: Sequence[Ran], started: datetime, wall_s: float) -> None:
    kept = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if KEPT_MARKER in text:
            kept = text[text.index(KEPT_MARKER) + len(KEPT_MARKER) :].lstrip("\n")
    load = os.getloadavg()
    parts = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench.run_all`); every figure below comes from "
        "the command shown in its section.  Timings are never asserted in tests; "
        "`make test` runs each benchmark once at a tiny size so that they cannot rot.",
        "",
        f"- machine: {os.cpu_count()} CPUs, {cpu_model()}, {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- date: {started.isoformat(timespec='seconds')}",
        f"- load average (1, 5, 15 min) at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f};"
        " at each benchmark's start: in its section",
        f"- wall time of the whole run: {wall_s / 60:.1f} min",
        "",
        "## Summary",
        "",
        markdown_table(HEADERS, summary_rows(runs)),
        "",
    ]
    for ran in runs:
        parts += [
            f"## {ran.bench.item}",
            "",
            f"`{ran.command}` — {ran.seconds:.0f} s, load average {ran.load:.2f} at its start"
            + (f", **FAILED ({ran.failed})**" if ran.failed else ""),
            "",
            "```",
            ran.output.rstrip(),
            "```",
            "",
        ]
    parts += [KEPT_MARKER, "", kept.rstrip() or "## Before/after", ""]
    path.write_text("\n".join(parts), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="every benchmark at a tiny size")
    parser.add_argument(
        "--only", action="append", choices=[b.name for b in BENCHMARKS], help="run only these"
    )
    parser.add_argument(
        "--wait-load", type=float, metavar="LOAD", help="wait for a lower load before each one"
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="write the results here (default: bench/RESULTS.md; --quick: none)",
    )
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    started, clock = datetime.now().astimezone(), time.monotonic()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for bench in chosen:
            if args.wait_load is not None:
                wait_for_load(args.wait_load)
            runs.append(run_one(bench, args.quick, Path(tmp)))
    wall_s = time.monotonic() - clock
    out(
        f"summary ({os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.2f}; {wall_s / 60:.1f} min)"
    )
    out(text_table(HEADERS, summary_rows(runs)))
    results = args.results or (None if args.quick else RESULTS)
    if results is not None:
        write_results(results, runs, started, wall_s)
        out(f"\nwritten: {results.relative_to(REPO) if results.is_relative_to(REPO) else results}")
    if any(ran.failed for ran in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
