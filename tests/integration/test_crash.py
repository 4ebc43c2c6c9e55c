"""kill -9 while commands are being committed: nothing acknowledged is lost, no number reused."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import aiohttp
import pytest

from queue_server.app import Centre
from queue_server.engine import Engine
from queue_server.engine.commands import CallNext
from queue_server.engine.events import Event, TicketCalled, TicketIssued, decode_event
from queue_server.store import EventLog
from tests.support.centre import REPO_ROOT, example_config, write_example_config
from tests.support.drill import KILL_CYCLES


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


class Audit(NamedTuple):
    """What a kill -9 loop did to the log: each count must be 0."""

    events: int
    lost: int
    """Acknowledged events missing from the log."""
    duplicated: int
    """Acknowledged events in the log more than once, and numbers issued twice."""
    out_of_order: int
    """Calls "next" that are not the ticket the queue's rules pick at that moment."""
    holes: int
    """Missing seqs."""


def audit(db: Path, durability: str, acked: list[Event]) -> Audit:
    """Check the log against what was acknowledged, and replay it through a fresh engine
    that re-decides every NEXT: a ticket lost and re-issued, or a call made twice, would
    put a call out of the rules' order."""
    log = EventLog(db, "hn-ba-dinh", durability)  # type: ignore[arg-type]
    records = list(log.read())
    log.close()
    seqs = [seq for seq, _ in records]
    holes = len(set(range(1, len(seqs) + 1)) - set(seqs))
    in_log = Counter(event for _, event in records)
    lost = sum(1 for event in acked if in_log[event] == 0)
    issued = [event for _, event in records if isinstance(event, TicketIssued)]
    numbers = Counter((e.day, e.service, e.number) for e in issued)
    duplicated = sum(n - 1 for n in in_log.values() if n > 1)
    duplicated += sum(n - 1 for n in numbers.values() if n > 1)
    engine = Engine(example_config(db).queue_setup())
    out_of_order = 0
    for _, event in records:
        if isinstance(event, TicketCalled) and event.reason == "next":
            decided = engine.decide(CallNext(counter=event.counter), event.at, event.actor)
            picked = [e.ticket for e in decided if isinstance(e, TicketCalled)]
            out_of_order += picked != [event.ticket]
        engine.apply(event)
    return Audit(len(records), lost, duplicated, out_of_order, holes)


@pytest.mark.slow
@pytest.mark.parametrize("durability", ["process", "full"])
def test_acknowledged_commands_survive_kill_9(tmp_path: Path, durability: str) -> None:
    """KILL_CYCLES kills (5; 50 in `make drill`) mid-stream, at random moments."""
    db = tmp_path / "crash.sqlite3"
    rng = random.Random(2026)
    acked: list[Event] = []
    for _ in range(KILL_CYCLES):
        acked += run_and_kill(db, durability, rng.randint(30, 300))

    found = audit(db, durability, acked)
    print(f"kill -9 x{KILL_CYCLES} ({durability}): {len(acked)} acknowledged, {found}")
    assert found == Audit(found.events, 0, 0, 0, 0)
    assert sum(isinstance(e, TicketCalled) for e in acked) > 0
    assert found.events >= len(acked)

    # The server starts again on the same file and carries on from where it was.
    centre = Centre(example_config(db, durability))  # type: ignore[arg-type]
    try:
        assert centre.replayed_events == found.events
        for event in acked:
            if isinstance(event, TicketIssued):
                ticket = centre.engine.state.tickets.get(event.ticket)
                if ticket is not None:  # gone only if the day rolled over during the test
                    assert ticket.number == event.number
    finally:
        centre.log.close()


def _start_server(config: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "queue_server.cli", "run", "--config", str(config), "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert " on http://" in line, line
    return proc, line.rsplit(" on ", 1)[1].strip()


async def _issue_until_killed(
    base: str, token: str, proc: subprocess.Popen[str], kill_after: int
) -> list[dict[str, object]]:
    """Ten kiosks issue tickets over HTTP; the server is SIGKILLed mid-stream."""
    acked: list[dict[str, object]] = []
    services = ["HT", "CT", "DD", "KD", "CU", "XH", "XD", "TKQ"]

    async def kiosk(session: aiohttp.ClientSession, n: int) -> None:
        for i in itertools.count():
            try:
                async with session.post(
                    base + "/api/v1/tickets",
                    json={"service": services[(n + i) % len(services)]},
                    headers={"Authorization": f"Bearer {token}"},
                ) as response:
                    if response.status == 201:
                        acked.append(await response.json())
            except (aiohttp.ClientError, ConnectionError):
                return
            if len(acked) >= kill_after and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(kiosk(session, n) for n in range(10)))
    return acked


@pytest.mark.slow
async def test_tickets_acknowledged_over_http_survive_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "centre.sqlite3"
    config = write_example_config(tmp_path / "centre.toml", db)
    token = subprocess.run(
        [
            sys.executable,
            "-m",
            "queue_server.cli",
            "token",
            "create",
            "--role",
            "kiosk",
            "--name",
            "door",
            "--config",
            str(config),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    acked: list[dict[str, object]] = []
    for kill_after in itertools.islice(itertools.cycle((150, 400)), max(2, KILL_CYCLES // 5)):
        proc, base = _start_server(config)
        try:
            acked += await _issue_until_killed(base, token, proc, kill_after)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()
    assert len(acked) >= 400
    proc, base = _start_server(config)
    try:
        async with aiohttp.ClientSession() as session:
            for ticket in acked:
                async with session.get(
                    f"{base}/api/v1/tickets/{ticket['tracking_code']}"
                ) as response:
                    assert response.status == 200, ticket
                    assert (await response.json())["number"] == ticket["number"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    numbers = Counter((t["service"], t["number"]) for t in acked)
    print(f"kill -9 over HTTP: {len(acked)} tickets acknowledged to 10 kiosks, all found")
    assert max(numbers.values()) == 1, "a number was given twice"
