"""What an idle centre costs: the CPU of `queue-server demo` (what `make run` serves) when
nobody presses, takes a ticket or watches.

The demo plays both ends of its keypad bus (ten emulated keypads on a pty at 19200
baud) and its printers in the server's own process, so its idle cost is the keypad
bus's idle polling, the printers' status checks and the timers.  Measured as the
process's user + system time (/proc/PID/stat) over a window that starts once the bus
has had time to go idle (`devices.keypad.host.IDLE_AFTER_S`), sampled every second.

    python -m bench.idle_cpu [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devices.keypad.host import IDLE_AFTER_S

from .common import REPO, Figure, add_summary_option, machine_line, out, write_summary

GOAL_MS = 10.0
"""Milliseconds of CPU per second of an idle demo (issue: under 10)."""
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Serving "):
            return
        if time.monotonic() > deadline:
            break
    raise SystemExit("the demo did not start")


def measure(settle_s: float, window_s: float) -> list[float]:
    """ms of CPU per second of the demo, one sample per second of the window."""
    with tempfile.TemporaryDirectory(prefix="idle-") as work:
        command = [
            sys.executable,
            "-m",
            "queue_server.cli",
            "demo",
            "--port",
            str(free_port()),
            "--db",
            str(Path(work) / "demo.sqlite3"),
        ]
        process = subprocess.Popen(
            command,
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            wait_ready(process)
            time.sleep(settle_s)  # the bus goes idle: nothing to wait on but time itself
            samples = []
            before, started = cpu_seconds(process.pid), time.monotonic()
            for _ in range(int(window_s)):
                time.sleep(1.0)
                now, at = cpu_seconds(process.pid), time.monotonic()
                samples.append((now - before) * 1000 / (at - started))
                before, started = now, at
            return samples
        finally:
            process.terminate()
            process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 2 s window (make test)")
    add_summary_option(parser)
    args = parser.parse_args()
    settle, window = (IDLE_AFTER_S + 1.0, 2.0) if args.quick else (IDLE_AFTER_S + 3.0, 20.0)
    out(machine_line())
    out(f"idle demo: `queue-server demo`, idle for {settle:g} s, then {window:g} s sampled")
    samples = measure(settle, window)
    mean = sum(samples) / len(samples)
    out(f"CPU per second, ms: mean {mean:.1f}, max {max(samples):.1f} (goal under {GOAL_MS:g})")
    out("samples: " + ", ".join(f"{s:.0f}" for s in samples))
    write_summary(
        args.summary,
        [
            Figure(
                "Idle",
                "demo, nobody pressing: CPU per second",
                "ms",
                median=sorted(samples)[len(samples) // 2],
                max=max(samples),
                goal=f"mean < {GOAL_MS:g} ms/s",
                met=mean < GOAL_MS,
            )
        ],
    )


if __name__ == "__main__":
    main()
