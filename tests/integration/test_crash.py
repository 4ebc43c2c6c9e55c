"""kill -9 while commands are being committed: nothing acknowledged is lost, no number reused."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from queue_server.app import Centre
from queue_server.engine.events import Event, TicketCalled, TicketIssued, decode_event
from queue_server.store import EventLog
from tests.support.centre import REPO_ROOT, example_config

ROUNDS = 3


def run_and_kill(db: Path, durability: str, acks_before_kill: int) -> list[Event]:
    """Start the driver, let it acknowledge some commands, SIGKILL it; return what it acknowledged."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash_driver", str(db), durability],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == '{"ready": true}'
        acked: list[Event] = []
        while len(acked) < acks_before_kill:
            line = proc.stdout.readline()
            assert line, f"driver exited early with {proc.poll()}"
            acked.append(decode_event(line))
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        # Lines flushed before the kill were acknowledged too.
        acked.extend(decode_event(line) for line in proc.stdout.read().splitlines() if line)
        return acked
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


@pytest.mark.slow
@pytest.mark.parametrize("durability", ["process", "full"])
def test_acknowledged_commands_survive_kill_9(tmp_path: Path, durability: str) -> None:
    db = tmp_path / "crash.sqlite3"
    rng = random.Random(2026)
    acked: list[Event] = []
    for _ in range(ROUNDS):
        acked += run_and_kill(db, durability, rng.randint(30, 300))

    log = EventLog(db, "hn-ba-dinh", durability)  # type: ignore[arg-type]
    records = list(log.read())
    log.close()
    seqs = [seq for seq, _ in records]
    assert seqs == list(range(1, len(seqs) + 1)), "the log has a hole"
    logged = {event for _, event in records}
    lost = [event for event in acked if event not in logged]
    assert not lost, f"{len(lost)} acknowledged events are not in the log, first: {lost[0]}"

    issued = [event for _, event in records if isinstance(event, TicketIssued)]
    numbers = Counter((e.day, e.service, e.number) for e in issued)
    reused = [key for key, count in numbers.items() if count > 1]
    assert not reused, f"numbers issued twice: {reused[:5]}"
    assert len({e.ticket for e in issued}) == len(issued)
    assert sum(isinstance(e, TicketCalled) for e in acked) > 0

    # The server starts again on the same file and carries on from where it was.
    centre = Centre(example_config(db, durability))  # type: ignore[arg-type]
    try:
        assert centre.replayed_events == len(records)
        for event in acked:
            if isinstance(event, TicketIssued):
                ticket = centre.engine.state.tickets.get(event.ticket)
                if ticket is not None:  # gone only if the day rolled over during the test
                    assert ticket.number == event.number
    finally:
        centre.log.close()
