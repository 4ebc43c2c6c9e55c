"""`queue-server` as an IT officer runs it: real processes, real ports."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from queue_server.store import EventLog
from tests.support.centre import EXAMPLE_CONFIG, REPO_ROOT


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
