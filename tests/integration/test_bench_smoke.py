"""The benchmarks still run and still print their figures; timings are never checked.

Each runs once with --quick in a subprocess, as `make bench` runs it, so a
change to the engine or the log that breaks a benchmark shows up in the tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NUMBER = r"([-+]?\d[\d,]*(?:\.\d+)?)"


def run_bench(module: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", module, "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first_line = result.stdout.splitlines()[0]
    assert re.match(r"machine: \d+ CPUs, Python 3\.\d+", first_line), first_line
    return result.stdout


def section(heading: str, text: str) -> str:
    """The table printed under `heading`: its lines up to the next blank line."""
    start = text.find(heading)
    assert start >= 0, f"no {heading!r} in:\n{text}"
    return text[start:].split("\n\n")[0]


def numbers(cells: list[str]) -> list[float]:
    return [float(v.replace(",", "").rstrip("%")) for v in cells]


def row(table: str, *first: str) -> list[float]:
    """The numbers after the cells `first` in the first table row that starts with them."""
    lead = r"\s+".join(re.escape(cell) for cell in first)
    match = re.search(rf"^\s+{lead}\s+(.*)$", table, re.MULTILINE)
    assert match is not None, f"no row {first!r} in:\n{table}"
    return numbers(match.group(1).split())


def numeric_rows(table: str) -> list[list[float]]:
    """The rows of a table whose cells are all numbers."""
    cells = [line.split() for line in table.splitlines()[1:]]
    return [numbers(r) for r in cells if r and all(re.fullmatch(NUMBER, v) for v in r)]


def figure(pattern: str, text: str) -> float:
    """The number captured by `pattern`, which must be in `text`."""
    match = re.search(pattern, text, re.MULTILINE)
    assert match is not None, f"{pattern!r} not found in:\n{text}"
    return float(match.group(1).replace(",", ""))


def test_engine_depth_prints_cost_per_depth() -> None:
    text = run_bench("bench.engine_depth")
    for heading in ("call-next (decide + apply)", "issue-ticket (decide + apply)"):
        table = section(heading, text)
        assert re.search(r"waiting\s+build s\s+median\s+p99\s+mean", table), table
        for depth in ("100", "1,000"):
            build_s, median, p99, mean, _vs_first = row(table, depth)
            assert build_s >= 0
            assert 0 < median <= p99
            assert mean > 0
    for name in ("call-next", "issue-ticket"):
        assert figure(rf"^spread of median {name} cost, 100 to 1,000 waiting: {NUMBER}%", text) >= 0


def test_event_log_prints_commit_and_restart_figures() -> None:
    text = run_bench("bench.event_log")
    assert re.search(r"^event log files in .*var/bench: \S+ on ", text, re.MULTILINE), text

    appends = section("(a) EventLog.append", text)
    for durability in ("process", "full"):
        events, median, p99, per_second = row(appends, durability)
        assert events > 0
        assert 0 < median <= p99
        assert per_second > 0

    dispatch = section("(b) Dispatcher.execute", text)
    for durability in ("process", "full"):
        tasks, commands, median, p99, *_ = row(dispatch, durability)
        assert tasks == 1
        assert commands > 0
        assert 0 < median <= p99
    commands, median, _, per_second, commits, per_commit = row(dispatch, "full", "64")
    assert median > 0
    assert per_second > 0
    assert 1 <= commits <= commands
    assert abs(per_commit - commands / commits) < 0.01

    restart = section("(c) restart", text)
    [[events, days, tickets, *_, restart_s, per_second]] = numeric_rows(restart)
    assert events >= 2_000
    assert days >= 1
    assert tickets > 0
    assert restart_s > 0
    assert per_second > 0
    assert figure(rf"^restart-to-serving at {NUMBER} events: ", text) == events
