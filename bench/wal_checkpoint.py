"""What a WAL checkpoint costs the commit that meets it: SQLite's automatic checkpoint
inside the commit against the log's checkpoint thread (queue_server/store/checkpoint.py).

Durability "process" commits on the event loop, so a commit that stalls stalls every
display and kiosk.  One event per commit, as a quiet centre writes them, with a 30 ms
pause every 200 commits (the gaps a real day has, which the thread waits for).

    python -m bench.wal_checkpoint [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from queue_server.engine import Actor
from queue_server.engine.events import CounterOpened
from queue_server.store import EventLog

from .common import BENCH_DIR, machine_line, out, table

STAFF = Actor("staff", "bench")
PAUSE_EVERY = 200
PAUSE_S = 0.03
SLOW_NS = 2_000_000


def commit_times(path: Path, commits: int, in_the_commit: bool) -> list[int]:
    """ns per append; `in_the_commit`: SQLite's own automatic checkpoints, as before."""
    log = EventLog(path, "bench", "process")
    if in_the_commit:
        assert log._checkpointer is not None
        log._checkpointer.close()
        log._checkpointer = None
        log._db.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
    times = []
    try:
        for i in range(commits):
            event = CounterOpened(at=float(i), actor=STAFF, counter=1)
            start = time.perf_counter_ns()
            log.append([event])
            times.append(time.perf_counter_ns() - start)
            if i % PAUSE_EVERY == PAUSE_EVERY - 1:
                time.sleep(PAUSE_S)
    finally:
        log.close()
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,200 commits, for the smoke test")
    commits = 1_200 if parser.parse_args().quick else 20_000
    out(machine_line())
    pause = f"a {PAUSE_S * 1e3:.0f} ms pause every {PAUSE_EVERY}"
    out(f"{commits:,} commits of one event, durability process, {pause}")
    out()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        for round_ in (1, 2):
            for name, in_the_commit in (("in the commit", True), ("thread", False)):
                path = Path(tmp) / f"{round_}-{in_the_commit}.sqlite3"
                t = commit_times(path, commits, in_the_commit)
                rows.append(
                    [
                        name,
                        round_,
                        f"{t[len(t) // 2] / 1e3:.1f}",
                        f"{t[int(len(t) * 0.999)] / 1e3:.0f}",
                        f"{t[-1] / 1e6:.2f}",
                        sum(1 for ns in t if ns > SLOW_NS),
                    ]
                )
    out("commit time by where WAL checkpoints run")
    out(table(("checkpoint", "round", "median us", "p99.9 us", "max ms", "over 2 ms"), rows))


if __name__ == "__main__":
    main()
