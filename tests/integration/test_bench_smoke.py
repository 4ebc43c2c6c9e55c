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


def test_api_issue_prints_throughput_and_latency() -> None:
    text = run_bench("bench.api_issue")
    table = section("ticket issue over HTTP", text)
    headers = r"durability\s+clients\s+connection\s+tickets\s+tickets/s\s+p50\s+p99\s+max"
    cpu = r"\s+server cpu\s+server us/ticket\s+client cpu\s+other cpu"
    assert re.search(headers + cpu, table), table
    for clients in ("1", "10"):
        for connection in ("keep-alive", "per-request"):
            tickets, rate, p50, p99, worst, *cpu_figures = row(
                table, "process", clients, connection
            )
            assert tickets == 200
            assert rate > 0
            assert 0 < p50 <= p99 <= worst
            assert len(cpu_figures) == 4
            assert all(v >= 0 for v in cpu_figures)
    assert re.search(r"^goal at 10 clients, durability \"process\": >= 5,000 tickets/s", text, re.M)
    for connection in ("keep-alive", "per-request"):
        assert figure(rf"^  {connection}\s+{NUMBER} tickets/s, p99 [\d.]+ ms: ", text) > 0
    assert re.search(r"^reference: a Flask-based .* 58-78 tickets/s", text, re.MULTILINE), text


def test_printing_prints_render_and_print_times() -> None:
    text = run_bench("bench.printing")
    assert re.search(r"^text shaping: raqm", text, re.MULTILINE), text
    table = section("(a) render + encode one ticket", text)
    assert re.search(r"ticket\s+tickets\s+median\s+p99\s+one image\s+first\s+job bytes", table)
    for case in (("vi", "80", "mm"), ("ar", "80", "mm"), ("vi", "58", "mm")):
        tickets, median, p99, whole, first, size = row(table, *case)
        assert tickets > 0
        assert 0 < median <= p99
        assert whole > 0 and first > 0 and size > 0
    assert re.search(r"^goal: median <= 10 ms", text, re.MULTILINE)
    assert re.search(r"^reference: .* about 27 ms", text, re.MULTILINE)
    tcp = section("(b) print for a kiosk over TCP", text)
    tickets, median, p99, mean = row(tcp, "80", "mm")
    assert tickets > 0 and 0 < median <= p99 and mean > 0


def test_keypad_latency_prints_figures_per_wiring() -> None:
    text = run_bench("bench.keypad_latency")
    table = section("keypad NEXT -> hall display latency", text)
    assert re.search(r"wiring\s+baud\s+keypads\s+presses\s+cycle\s+p50\s+p99\s+max", table), table
    for wiring, baud, keypads in (
        ("rs485", "115,200", "30"),
        ("rs485", "9,600", "30"),
        ("p2p", "115,200", "1"),
    ):
        presses, cycle, p50, p99, worst = row(table, wiring, baud, keypads)
        assert presses > 0 and cycle >= 0
        assert 0 < p50 <= p99 <= worst
    assert (
        figure(r"^goal rs485 30 keypads at 115200: p99 <= 60 ms; measured p99 ([\d.]+) ms", text)
        > 0
    )
    assert figure(r"^goal point-to-point at 115200: .* measured p99 ([\d.]+) ms", text) > 0
