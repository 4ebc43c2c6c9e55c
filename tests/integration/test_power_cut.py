"""A power cut in the middle of writing the log: the next start keeps every whole commit,
drops the unfinished one and says how many bytes it dropped.

A cut leaves the write-ahead log (the `-wal` file) ending anywhere: at a commit's end, in
a frame, in a frame's header, in the WAL's own header. The test writes a day's worth of
commits with durability "full", notes where each commit ends, then copies the files as
they are and cuts the copy at every commit's end, one byte either side of it, and at
random bytes. Each copy is opened as the server opens it.
"""

from __future__ import annotations

import bisect
import logging
import random
import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest

from queue_server.engine import Actor, CommandRejected, Engine, Event
from queue_server.engine import commands as c
from queue_server.store import EventLog
from queue_server.store.torn_write import WAL_HEADER
from tests.support.centre import example_config

CENTRE = "hn-ba-dinh"
KIOSK = Actor("kiosk", "door")
STAFF = Actor("staff", "desk")


def commands(engine: Engine, count: int) -> list[list[Event]]:
    """`count` commits of a working morning: tickets, calls, services ended."""
    config_counters = [1, 2, 3]
    at = 1_796_270_400.0  # 2026-12-03 08:00 in Hanoi
    batches = [engine.handle(c.OpenCounter(counter=n), at, STAFF) for n in config_counters]
    services = ["HT", "CT", "DD"]
    for i in range(count - len(batches)):
        at += 7.0
        command: c.Command
        if i % 3 == 2:
            command = c.CallNext(counter=config_counters[i % 3])
        else:
            command = c.IssueTicket(service=services[i % 3], tracking_code=secrets.token_urlsafe(9))
        try:
            batches.append(engine.handle(command, at, KIOSK if i % 3 != 2 else STAFF))
        except CommandRejected:
            continue
    return batches


def wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def commit_ends(wal_bytes: bytes) -> list[int]:
    """Where each commit ends in a WAL: after each frame whose header gives the database's
    size after the commit (0 in the other frames of a transaction)."""
    page_size = int.from_bytes(wal_bytes[8:12], "big")
    frame = 24 + page_size
    return [
        end
        for end in range(WAL_HEADER + frame, len(wal_bytes) + 1, frame)
        if int.from_bytes(wal_bytes[end - frame + 4 : end - frame + 8], "big")
    ]


@pytest.fixture(scope="module")
def written(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[Event], list[int], list[int]]:
    """The log's files as a power cut found them, every event, where each commit ends in
    the WAL, and how many events were whole at each of those ends."""
    folder = tmp_path_factory.mktemp("written")
    path = folder / "centre.sqlite3"
    engine = Engine(example_config(path).queue_setup())
    log = EventLog(path, CENTRE, "full")
    created = wal(path).stat().st_size  # the schema's commits
    appended: dict[int, int] = {}
    events: list[Event] = []
    for batch in commands(engine, 60):
        log.append(batch)
        events += batch
        appended[wal(path).stat().st_size] = len(events)
    ends = commit_ends(wal(path).read_bytes())
    assert set(appended) <= set(ends) and created in ends
    whole = [appended.get(end, 0) for end in ends]
    cut = folder / "cut"
    cut.mkdir()
    shutil.copy(path, cut / path.name)  # the power goes: the files as they are on disk
    shutil.copy(wal(path), wal(cut / path.name))
    log.close()
    return cut / path.name, events, ends, whole


def cut_points(ends: list[int]) -> list[int]:
    rng = random.Random(2026)
    points = {0, 1, WAL_HEADER - 1, WAL_HEADER, WAL_HEADER + 5}
    for end in ends:
        points.update((end - 1, end, end + 1))
    points.update(rng.randrange(ends[-1]) for _ in range(60))
    return sorted(p for p in points if 0 <= p <= ends[-1])


def test_every_cut_keeps_the_whole_commits_and_says_what_it_dropped(
    written: tuple[Path, list[Event], list[int], list[int]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, events, ends, whole = written
    checked = 0
    for point in cut_points(ends):
        path = tmp_path / str(point) / source.name
        path.parent.mkdir()
        shutil.copy(source, path)
        shutil.copy(wal(source), wal(path))
        with wal(path).open("r+b") as file:
            file.truncate(point)
        at = bisect.bisect_right(ends, point) - 1  # the last commit whole at this cut
        if point < WAL_HEADER:
            kept, expected_drop = 0, point
        elif at < 0:
            kept, expected_drop = 0, point - WAL_HEADER
        else:
            kept, expected_drop = whole[at], point - ends[at]
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="queue_server.store.eventlog"):
            log = EventLog(path, CENTRE, "full")
        try:
            assert [e for _, e in log.read()] == events[:kept], point
            assert log.dropped_bytes == expected_drop, point
            said = [r.getMessage() for r in caplog.records if "unfinished write" in r.getMessage()]
            assert said == (
                [
                    f"{path}: the log ended in an unfinished write (a power cut or a crash in the middle of a commit): {expected_drop} bytes dropped; every whole commit before it is kept"
                ]
                if expected_drop
                else []
            ), point
            assert log.append([events[min(kept, len(events) - 1)]]) == kept + 1  # it goes on
        finally:
            log.close()
        reopened = EventLog(path, CENTRE, "full")
        assert reopened.dropped_bytes == 0 and reopened.last_seq == kept + 1
        reopened.close()
        checked += 1
    assert checked >= len(ends) * 2
    print(
        f"power cut: {checked} cuts of a {ends[-1]}-byte WAL ({len(ends)} commits), all recovered"
    )


def test_an_older_generation_of_the_wal_is_not_called_a_loss(tmp_path: Path) -> None:
    """After a checkpoint SQLite writes the WAL again from its start and leaves the older
    frames behind: a crash then has dropped nothing, and a cut drops only the new ones."""
    path = tmp_path / "centre.sqlite3"
    engine = Engine(example_config(path).queue_setup())
    log = EventLog(path, CENTRE, "full")
    batches = commands(engine, 40)
    for batch in batches[:30]:
        log.append(batch)
    long_wal = wal(path).stat().st_size
    with sqlite3.connect(path) as other:  # the checkpointer's own connection, as in production
        assert other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0
    ends = []
    for batch in batches[30:33]:
        log.append(batch)
        ends.append(wal(path).stat().st_size)
    assert ends[-1] == long_wal, "the WAL was not written again from its start"
    crash = tmp_path / "crash"
    crash.mkdir()
    for name in (path, wal(path)):
        shutil.copy(name, crash / name.name)
    log.close()
    expected = [e for batch in batches[:33] for e in batch]
    reopened = EventLog(crash / path.name, CENTRE, "full")
    assert reopened.dropped_bytes == 0
    assert [e for _, e in reopened.read()] == expected
    reopened.close()
