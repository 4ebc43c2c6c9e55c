"""The real server for the benchmarks: a config file, `queue-server` commands, the process.

Every benchmark that measures the server as a centre runs it does the same: write the
example centre's TOML (changed for the benchmark), make tokens with the CLI, start
`queue-server run` on a free loopback port in its own process, read its CPU time and
memory from /proc, stop it with SIGTERM.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import secrets
import select
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from queue_server.config import Durability

from .common import EXAMPLE, REPO

CLI = (sys.executable, "-m", "queue_server.cli")
NICE_CLIENTS = int(os.environ.get("BENCH_NICE_CLIENTS", "10"))
"""Client processes that only receive (hall displays) run this much nicer than the server:
on 2 CPUs a display woken by a write would otherwise preempt the server in the middle of
its fan-out, which in a centre (displays are other machines) never happens.
BENCH_NICE_CLIENTS=0 to compare."""
PIN_CPUS = os.environ.get("BENCH_PIN", "1") != "0" and (os.cpu_count() or 1) >= 2
"""The server runs on CPU 0 and every load process (displays, keypads, HTTP clients) on
the other CPUs, for the same reason: in a centre the displays and keypads are other
machines, and on 2 CPUs a woken display would otherwise take the server's CPU in the
middle of a call.  BENCH_PIN=0 to compare (bench/RESULTS.md gives both)."""
SERVER_CPUS = {0}
LOAD_CPUS = set(range(1, os.cpu_count() or 1)) or {0}


def as_load(nice: int = 0, pin: bool = True) -> None:
    """Called by a load process on itself: off the server's CPU (unless `pin` is False),
    and `nice` if it only receives (so that it never delays what it measures)."""
    if nice:
        os.nice(nice)
    if pin and PIN_CPUS:
        os.sched_setaffinity(0, LOAD_CPUS)


def placement(pin: bool = True) -> str:
    """One line for a benchmark's header: where the server and the load run."""
    if not pin:
        return "server and load share every CPU (the load is too heavy for the rest)"
    if not PIN_CPUS:
        return "server and load share every CPU (BENCH_PIN=0)"
    return f"server on CPU 0, load on CPU {','.join(map(str, sorted(LOAD_CPUS)))}"


_SERVING = re.compile(rb"Serving .* on (http://127\.0\.0\.1:\d+)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

Raw = dict[str, Any]


# ---------------------------------------------------------------- the config


def toml_text(doc: Mapping[str, Any]) -> str:
    """A TOML document for a decoded one: tables and arrays of tables, the rest inline."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in doc.items() if _kind(v) == "value"]
    for key, value in doc.items():
        kind = _kind(value)
        tables = [value] if kind == "table" else value if kind == "tables" else []
        for item in tables:
            header = f"[{_key(key)}]" if kind == "table" else f"[[{_key(key)}]]"
            lines += ["", header, *(f"{_key(k)} = {_value(v)}" for k, v in item.items())]
    return "\n".join(lines) + "\n"


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "tables"
    return "value"


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def write_config(
    work: Path, durability: Durability = "process", edit: Callable[[Raw], None] | None = None
) -> tuple[Path, Path]:
    """The example centre, open at any hour, kiosk limits out of reach, no guard against a
    double NEXT, no devices, no voice, then whatever `edit` changes in the decoded TOML; returns (toml, db).
    With QUEUE_BENCH_CITY_DSN set, the centre also ships its events there (`[city] dsn`),
    each log as a centre id of its own (a benchmark makes several logs; a city refuses a
    second log under one id), so that DSN's role may write any (`bench.city_before_after`)."""
    db = work / "centre.sqlite3"
    raw: Raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["hours"]["enforce"] = False
    raw["store"] = {"path": str(db), "durability": durability}
    raw["security"] = {"kiosk_tickets_per_minute": 1e9, "kiosk_ticket_burst": 10**9}
    raw["queue"]["next_guard_seconds"] = 0  # NEXT as fast as the bus allows: no double-press guard
    raw.pop("devices", None)  # no printers or serial lines: this measures the queue
    if "voice" in raw:
        raw["voice"]["enabled"] = False
    if city_dsn := os.environ.get("QUEUE_BENCH_CITY_DSN"):  # the shipper on, for before/after
        raw["city"] = {"dsn": city_dsn, "centre_id": f"bench-{secrets.token_hex(6)}"}
    if edit is not None:
        edit(raw)
    text = toml_text(raw)
    assert tomllib.loads(text) == raw, "the TOML writer lost something"
    path = work / "centre.toml"
    path.write_text(text, encoding="utf-8")
    return path, db


def cli(*args: str) -> str:
    """Run a `queue-server` command; its stdout, or exit with its error."""
    result = subprocess.run(
        [*CLI, *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        sys.exit(f"queue-server {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def token(config: Path, db: Path, role: str, name: str) -> str:
    """A new token of `role` for the centre (the CLI prints it first)."""
    location = ("--config", str(config), "--db", str(db))
    return cli("token", "create", "--role", role, "--name", name, *location).split()[0]


# ---------------------------------------------------------------- the server


def run_command(config: Path, db: Path, port: int = 0) -> list[str]:
    """`queue-server run` for this config and log, on this port (0: a free one)."""
    return [*CLI, "run", "--config", str(config), "--db", str(db), "--port", str(port)]


class Server:
    """`queue-server run` in its own process, on a free port; stopped with SIGTERM.

    `env` is added to the server's environment (e.g. QUEUE_SERVER_TRACE, see
    queue_server/trace.py).  `started` is the monotonic time just before the process
    was spawned and `serving` when it printed that it serves."""

    def __init__(
        self,
        config: Path,
        db: Path,
        log: Path,
        env: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        pin: bool = True,
    ) -> None:
        self.log = log
        self.started = time.monotonic()
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                run_command(config, db),
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env={**os.environ, **(env or {})},
            )
        self.pid = self.process.pid
        if pin and PIN_CPUS:  # its threads, all started later, inherit it
            os.sched_setaffinity(self.pid, SERVER_CPUS)
        try:
            self.url = self._wait_until_serving(timeout)
        except BaseException:
            self.stop()
            raise
        self.serving = time.monotonic()

    def _wait_until_serving(self, timeout: float) -> str:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        seen = b""
        deadline = time.monotonic() + timeout
        while (match := _SERVING.search(seen)) is None:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, remaining))
            chunk = os.read(fd, 4096) if ready else b""
            if not chunk:
                why = "stopped" if ready else f"did not serve within {timeout:.0f} s"
                raise RuntimeError(f"the server {why}:\n{seen.decode()}\n{self.log.read_text()}")
            seen += chunk
        return match.group(1).decode()

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/ws"

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def stop(self) -> int:
        """SIGTERM, then wait; kill if it will not stop.  Returns its exit code."""
        process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def stop_cleanly(self) -> None:
        """Stop; exit with the server's log if it did not stop cleanly."""
        code = self.stop()
        if code != 0:
            sys.exit(f"the server exited with {code} on SIGTERM:\n{self.log.read_text()}")


# ---------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads, from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "; field 3 is fields[0]
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all CPUs spent busy since boot (not idle, not waiting for I/O), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS), KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def raise_open_files(wanted: int) -> int:
    """Raise this process's soft limit on open files towards `wanted` (children inherit it);
    returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft
