"""`queue-server` as an IT officer runs it: real processes, real ports."""

from __future__ import annotations

import csv
import io
import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from queue_server.config import load_config
from queue_server.engine import Actor, Engine
from queue_server.engine import commands as c
from queue_server.engine.commands import Command
from queue_server.store import EventLog
from tests.support.centre import EXAMPLE_CONFIG, REPO_ROOT, write_example_config


@contextmanager
def server(*args: str) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """Start `queue-server ARGS --port 0`; once it serves, yield the process, its URL and banner."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "queue_server.cli", *args, "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        match = re.search(r"on (http://\S+)", line)
        assert match, f"no 'Serving' line: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        yield proc, match.group(1), line
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`queue-server ARGS` to its end: its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "queue_server.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as response:
        body: dict[str, object] = json.load(response)
        return body


def test_demo_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    with server("demo", "--db", str(db)) as (proc, base, banner):
        assert "Trung tâm Phục vụ hành chính công phường Ba Đình" in banner
        health = get_json(base + "/healthz")
        assert health["status"] == "ok"
        assert health["centre"] == "hn-ba-dinh"
        assert health["durability"] == "process"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    log = EventLog(db, "hn-ba-dinh")
    assert [type(e).__name__ for _, e in log.read()] == ["DayOpened"]
    log.close()


def test_demo_starts_on_a_fresh_log(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    for _ in range(2):
        with server("demo", "--db", str(db)) as (_, base, _banner):
            assert get_json(base + "/healthz")["replayed_events"] == 0


def test_run_replays_an_existing_log(tmp_path: Path) -> None:
    db = tmp_path / "centre.sqlite3"
    with server("run", "--config", str(EXAMPLE_CONFIG), "--db", str(db)) as (proc, base, _):
        first = get_json(base + "/healthz")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    with server("run", "--config", str(EXAMPLE_CONFIG), "--db", str(db)) as (_, base, _):
        assert get_json(base + "/healthz")["replayed_events"] == first["seq"]


def test_run_refuses_a_broken_config(tmp_path: Path) -> None:
    broken = tmp_path / "centre.toml"
    broken.write_text(
        EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
            "priority_ratio = [2, 1]", "priority_ratio = 2"
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "queue_server.cli", "run", "--config", str(broken)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "queue.priority_ratio" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_refuses_the_log_of_another_centre(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    EventLog(db, "another-centre").close()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "queue_server.cli",
            "run",
            "--config",
            str(EXAMPLE_CONFIG),
            "--db",
            str(db),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 3
    assert "belongs to centre 'another-centre'" in result.stderr


def _a_served_and_rated_morning(db: Path) -> tuple[str, str]:
    """A log where one citizen was served and rated and one still waits; their numbers."""
    config = load_config(EXAMPLE_CONFIG)
    engine, log = Engine(config.queue_setup()), EventLog(db, config.centre.id)
    service, counter = config.services[0].code, config.counters[0].id
    staff, kiosk = Actor("staff", "lan"), Actor("kiosk", "kiosk-door")
    nine = datetime(2026, 11, 27, 9, 0, tzinfo=config.zone).timestamp()
    script: list[tuple[float, Command, Actor]] = [
        (0, c.SignIn(counter=counter, staff="lan"), staff),
        (0, c.OpenCounter(counter=counter), staff),
        (0, c.IssueTicket(service=service, tracking_code="t1"), kiosk),
        (60, c.IssueTicket(service=service, tracking_code="t2"), kiosk),
        (300, c.CallNext(counter=counter), staff),
        (900, c.Finish(counter=counter), staff),
        (960, c.RateService(ticket=1, rating="dissatisfied"), Actor("citizen")),
    ]
    for offset, command, actor in script:
        log.append(engine.handle(command, nine + offset, actor))
    log.close()
    return engine.ticket(1).number, engine.ticket(2).number


def _report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "queue_server.cli",
            "report",
            "--config",
            str(EXAMPLE_CONFIG),
            *args,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_report_prints_the_day_and_its_tickets(tmp_path: Path) -> None:
    db = tmp_path / "centre.sqlite3"
    served, waiting = _a_served_and_rated_morning(db)
    text = _report("--db", str(db))
    assert text.returncode == 0, text.stderr
    assert "2026-11-27 (open: figures until now)" in text.stdout
    assert "issued 2, served 1" in text.stdout
    assert "median 5.0 min" in text.stdout, "called at 09:05, issued at 09:00"
    assert "0% of 1 ratings" in text.stdout and "dissatisfied 1" in text.stdout
    (lan,) = [line for line in text.stdout.splitlines() if line.startswith("lan ")]
    assert lan.split() == ["lan", "1", "1", "1", "10.0", "10.0", "0", "0%", "0:16", "0:00"]

    table = _report("--db", str(db), "--day", "2026-11-27", "--csv", "--lang", "en")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout.lstrip("\ufeff"))))
    assert [(r["Number"], r["Outcome"], r["Wait (min)"], r["Rating"]) for r in rows] == [
        (served, "served", "5.0", "dissatisfied"),
        (waiting, "waiting", "", ""),
    ]

    people = _report("--db", str(db), "--staff-csv", "--lang", "en")
    assert people.returncode == 0, people.stderr
    (row,) = csv.DictReader(io.StringIO(people.stdout.lstrip("\ufeff")))
    assert (row["Staff"], row["Served"], row["Service median (min)"]) == ("lan", "1", "10.0")

    missing = _report("--db", str(db), "--day", "2026-11-26")
    assert missing.returncode == 1
    assert "no day '2026-11-26'" in missing.stderr and "2026-11-27" in missing.stderr


def test_a_second_server_on_the_same_log_is_refused_by_name(tmp_path: Path) -> None:
    """Two servers on one log would both number events from the same seq: the second one
    says who holds the log and stops, before it writes anything."""
    db = tmp_path / "centre.sqlite3"
    config = write_example_config(tmp_path / "centre.toml", db)
    with server("run", "--config", str(config)) as (first, _, _):
        second = run_cli("run", "--config", str(config))
        assert second.returncode == 3, second.stderr
        assert f"another server (pid {first.pid})" in second.stderr
        assert "Traceback" not in second.stderr


def test_a_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "centre.sqlite3"
    config = write_example_config(tmp_path / "centre.toml", db)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("run", "--config", str(config), "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode == 4, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_demo_does_not_wipe_the_running_ones_log(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    with server("demo", "--db", str(db)) as (first, _, _):
        second = run_cli("demo", "--db", str(db))
        assert second.returncode == 3, second.stderr
        assert f"another server (pid {first.pid})" in second.stderr
        assert db.exists()


def test_the_server_makes_its_files_for_its_own_user_alone(tmp_path: Path) -> None:
    """The log holds who came when; the accounts file the secrets' digests: 0600, and
    their folder 0700, unless the config says `store.private_files = false`."""
    data = tmp_path / "data"
    config = write_example_config(tmp_path / "centre.toml", data / "centre.sqlite3")
    with server("run", "--config", str(config)) as (proc, base, _):
        assert get_json(base + "/healthz")["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    made = [data, *sorted(data.iterdir())]
    assert any(p.name.endswith(".accounts.sqlite3") for p in made)
    for path in made:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_a_staff_member_is_given_their_counters(tmp_path: Path) -> None:
    config = write_example_config(tmp_path / "centre.toml", tmp_path / "centre.sqlite3")
    added = subprocess.run(
        [sys.executable, "-m", "queue_server.cli", "user", "add", "mai", "--counters", "1,2",
         "--password-stdin", "--config", str(config)],
        cwd=REPO_ROOT, input="a long enough password\n", capture_output=True, text=True,
        timeout=30, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run_cli("user", "list", "--config", str(config))
    assert "mai" in listed.stdout and "counters 1,2" in listed.stdout, listed.stdout
    wrong = run_cli("user", "add", "hoa", "--counters", "one", "--config", str(config))
    assert wrong.returncode == 2 and "not a list of counter numbers" in wrong.stderr


def test_a_demo_for_other_machines_prints_an_address_they_can_reach(tmp_path: Path) -> None:
    """`make run HOST=0.0.0.0`: the guide names this machine's address, not 0.0.0.0."""
    db = tmp_path / "demo.sqlite3"
    with server("demo", "--db", str(db), "--host", "0.0.0.0") as (proc, base, _):
        assert proc.stdout is not None
        guide = ""
        while "/kiosk" not in guide:
            line = proc.stdout.readline()
            assert line, "the demo stopped before its guide"
            guide += line
        kiosk = re.search(r"(http://[^/\s]+)/kiosk", guide)
        assert kiosk is not None, guide
        assert "0.0.0.0" not in kiosk.group(1)
        port = base.rsplit(":", 1)[1]
        assert kiosk.group(1).endswith(f":{port}")
        assert get_json(kiosk.group(1) + "/healthz")["status"] == "ok"  # reachable there
