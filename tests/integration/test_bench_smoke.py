"""The benchmarks still run and still print their figures; timings are never checked.

Each runs once with --quick in a subprocess, as `make bench` runs it, so a
change to the engine or the log that breaks a benchmark shows up in the tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NUMBER = r"([-+]?\d[\d,]*(?:\.\d+)?)"


def run_bench(module: str, *args: str) -> str:
    """Run a benchmark at its tiny --quick size; its output, which says the machine first."""
    result = subprocess.run(
        [sys.executable, "-m", module, "--quick", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
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


def test_report_prints_the_time_of_a_days_report() -> None:
    text = run_bench("bench.report")
    assert re.search(r"a log of 3 days x 40 tickets \(\d[\d,]* events\)", text), text
    table = section("ms\n", text)
    for what in ("open the log (find the days)", "CSV rows of the latest day"):
        median, p99, most = row(table, *what.split())
        assert 0 < median <= p99 <= most
    assert len(re.findall(r"report of the (?:latest|first) day \(\d{4}-\d\d-\d\d\)", text)) == 2


def test_event_log_prints_commit_and_restart_figures() -> None:
    text = run_bench("bench.event_log")
    assert re.search(r"^event log files in .*var/bench: \S+ on ", text, re.MULTILINE), text

    appends = section("(a) EventLog.append", text)
    for durability in ("process", "full"):
        events, median, p99, worst, per_second = row(appends, durability)
        assert events > 0
        assert 0 < median <= p99 <= worst
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


def test_booking_race_books_checks_in_and_overbooks_nothing(tmp_path: Path) -> None:
    text, figures = run_with_summary("bench.booking", tmp_path)
    assert re.search(r"^day raced for: \d{4}-\d\d-\d\d, [\d,]+ places", text, re.M), text
    assert figure(rf"^booked {NUMBER}", text) > 0
    assert re.search(r"; overbooked slots: 0$", text, re.M), text
    for name in ("book \\(every answer\\)", "check-in \\(kiosk\\)", "issue a ticket \\(kiosk\\)"):
        assert re.search(rf"^  {name}\s+[\d,]+\s+[\d,]+\s+[\d.]+", text, re.M), (name, text)
    assert [f["benchmark"] for f in figures] == ["Booking race"] * 3


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
    # bench.city_before_after reads the server's CPU per ticket from this table
    from bench.city_before_after import cpu_per_ticket

    assert cpu_per_ticket(text) == {
        f"process {clients} {connection}": row(table, "process", clients, connection)[-3]
        for clients in ("1", "10")
        for connection in ("keep-alive", "per-request")
    }


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


# ---------------------------------------------------------------- the dispatch path


def run_with_summary(module: str, tmp_path: Path) -> tuple[str, list[dict[str, object]]]:
    """Run a benchmark with --quick and --summary; its output and its summary figures."""
    summary = tmp_path / "summary.json"
    text = run_bench(module, "--summary", str(summary))
    figures: list[dict[str, object]] = json.loads(summary.read_text())
    assert figures, text
    for f in figures:
        assert {"benchmark", "figure", "unit", "median", "p99", "max", "goal", "met"} <= set(f)
    return text, figures


def test_next_to_display_prints_press_to_display_and_server_side(tmp_path: Path) -> None:
    text, figures = run_with_summary("bench.next_to_display", tmp_path)
    table = section("NEXT -> hall display", text)
    headers = r"wiring\s+measure\s+presses\s+count\s+samples\s+median\s+p99\s+max"
    assert re.search(headers, table), table
    for wiring in ("rs485", "p2p"):
        for measure, displays in (("press->display", 5), ("server-side", 1)):
            presses, samples, median, p99, worst = row(table, wiring, measure, "all")
            assert presses == 12
            assert samples == presses * displays  # every display saw every press
            assert 0 < median <= p99 <= worst
            staggered = row(table, wiring, measure, "staggered")[0]
            assert staggered + row(table, wiring, measure, "burst")[0] == presses
        assert figure(rf"^goal {wiring}: server-side p99 <= 2 ms; measured {NUMBER} ms", text) > 0
    stages = section("where the time goes", text)
    assert re.search(r"poll wait\s+wire\s+to engine\s+commit\s+fan-out\s+to display", stages), (
        stages
    )
    assert "missing" not in text
    server_side = [f for f in figures if str(f["figure"]).endswith("server-side")]
    assert [f["goal"] for f in server_side] == ["p99 <= 2 ms"] * 2


def test_fanout_prints_delivery_and_memory_per_display(tmp_path: Path) -> None:
    text, figures = run_with_summary("bench.fanout", tmp_path)
    table = section("one call to N idle hall displays", text)
    headers = r"displays\s+connect s\s+hub wrote\s+p50\s+p99\s+last\s+missing\s+server MiB"
    assert re.search(headers + r"\s+KiB each", table), table
    connect_s, wrote, p50, p99, last, missing, mib, _kib_each = row(table, "50")
    assert connect_s > 0 and wrote > 0 and mib > 0
    assert 0 < p50 <= p99 <= last
    assert missing == 0
    assert figure(rf"^goal: the last of 10,000 within 50 ms: measured {NUMBER} ms at 50", text) > 0
    floor_us = figure(rf"^kernel floor: one socket.send\(\) per display .* costs {NUMBER} us", text)
    assert 0 < floor_us < 1_000
    assert {f["unit"] for f in figures} == {"ms", "KiB"}


def test_restart_prints_start_to_serving(tmp_path: Path) -> None:
    text, figures = run_with_summary("bench.restart", tmp_path)
    table = section("restart: spawn `queue-server run`", text)
    header = r"events\s+start\s+replayed\s+runs\s+db MB\s+generate s\s+replay\s+healthz"
    assert re.search(header, table), table
    assert row(table, "0", "whole", "log")[0] == 0
    replayed, runs, _, _, replay, healthz, _, services, _ = row(table, "2,000", "whole", "log")
    assert (replayed, runs) == (2000, 1)
    assert replay >= 0
    assert 0 < healthz <= services
    resumed, runs, *_ = row(table, "2,000", "resumed")
    assert 0 < resumed < 2000 and runs == 1  # from the last close the first start saved
    assert [f["figure"] for f in figures] == [
        "0 events: start -> /healthz",
        "2,000 events: start -> /healthz",
        "2,000 events: start -> /healthz, resumed",
    ]


def test_run_all_keeps_the_hand_written_part_of_the_results(tmp_path: Path) -> None:
    from bench.common import Figure
    from bench.run_all import BENCHMARKS, KEPT_MARKER, Ran, write_results

    results = tmp_path / "RESULTS.md"
    results.write_text(f"old figures\n{KEPT_MARKER}\n\n## Before/after\n\nby hand\n")
    figures = [Figure("Depth", "call-next", "us", 6.0, 12.0, 30.0, "flat", True)]
    ran = Ran(BENCHMARKS[3], "python -m bench.engine_depth", 8.0, 0.5, "the output\n", figures, "")
    write_results(results, [ran], datetime.now().astimezone(), 8.0)
    text = results.read_text()
    assert "old figures" not in text
    assert "| Depth | call-next | us | 6.00 | 12.00 | 30.00 | flat | yes |" in text
    assert "`python -m bench.engine_depth` — 8 s, load average 0.50" in text
    assert text.endswith(f"{KEPT_MARKER}\n\n## Before/after\n\nby hand\n")


def test_json_encoders_compares_or_says_what_is_missing() -> None:
    text = run_bench("bench.json_encoders")
    if "orjson is not installed" not in text:
        table = section("msgspec", text)
        for message in ("call", "counter state"):
            size, ours, theirs = row(table, message)
            assert size > 100 and ours > 0 and theirs > 0


def test_wal_checkpoint_prints_commit_times_both_ways() -> None:
    text = run_bench("bench.wal_checkpoint")
    table = section("commit time by where WAL checkpoints run", text)
    for name in ("in the commit", "thread"):
        for round_ in ("1", "2"):
            median, p999, worst_ms, slow = row(table, name, round_)
            assert 0 < median <= p999 <= worst_ms * 1000
            assert 0 <= slow <= 1_200


def test_idle_cpu_prints_the_idle_demos_cost(tmp_path: Path) -> None:
    text, figures = run_with_summary("bench.idle_cpu", tmp_path)
    assert "CPU per second, ms: mean" in text
    (idle,) = figures
    assert idle["unit"] == "ms" and isinstance(idle["max"], float | int) and idle["max"] >= 0


def test_finder_prints_the_time_of_one_search() -> None:
    text = run_bench("bench.finder")
    assert re.search(r"finder: \d+ services, \d+ procedures; \d+ phrasings x 1 rounds", text), text
    table = section("ms ", text)
    for what in ("one search", "worst query (200 chars)", "build the index"):
        count, median, p99, most = row(table, *what.split())
        assert count > 0 and 0 < median <= p99 <= most
    assert re.search(r"^goal: one search <= 5 ms p99: (met|NOT met)$", text, re.MULTILINE), text


def test_city_prints_lag_catch_up_and_history(tmp_path: Path) -> None:
    text, figures = run_with_summary("bench.city", tmp_path)
    assert re.search(r"^city link: 6 centres in 2 processes", text, re.M), text
    steady = section("lag from the commit in SQLite", text)
    [[events, rate, median, p99, worst]] = numeric_rows(steady)
    assert events > 0 and rate > 0
    assert 0 < median <= p99 <= worst
    assert re.search(r"^goal: lag p99 <= 1 s: (met|NOT met)$", text, re.M), text
    outage = section("backlog", text)
    [[backlog, first_batch, caught_up, per_second]] = numeric_rows(outage)
    assert backlog >= 6 * 18  # 10 s of 1.75 events/s for each of 6 centres (whole commits)
    assert 0 <= first_batch <= caught_up
    assert per_second > 0
    assert re.search(r"^check: 6/6 centres hold exactly .*; 0 lost, 0 duplicated$", text, re.M)
    history = figure(rf"^\(c\) history: 2 days .* = {NUMBER} rows in", text)
    assert history == 2 * 6 * 40
    assert [f["unit"] for f in figures][:3] == ["ms", "s", "s"]


def test_with_a_city_dsn_each_benchmark_log_ships_as_a_centre_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench.city_before_after's switch: a city refuses a second log under one id."""
    import tomllib

    from bench.server import write_config

    monkeypatch.delenv("QUEUE_BENCH_CITY_DSN", raising=False)
    off, _ = write_config(tmp_path)
    assert "city" not in tomllib.loads(off.read_text())
    monkeypatch.setenv("QUEUE_BENCH_CITY_DSN", "postgresql://postgres@/city?host=/x")
    ids = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        city = tomllib.loads(write_config(tmp_path / name)[0].read_text())["city"]
        assert city["dsn"] == "postgresql://postgres@/city?host=/x"
        ids.append(city["centre_id"])
    assert len(set(ids)) == 2, ids
