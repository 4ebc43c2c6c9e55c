"""The SQLite event log and the dispatcher in front of it, on real files."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from queue_server.app import Centre
from queue_server.config import Durability
from queue_server.dispatcher import Dispatcher
from queue_server.engine import Actor, Engine, Event
from queue_server.engine import commands as c
from queue_server.engine.errors import NobodyWaiting
from queue_server.engine.events import CounterOpened, DayOpened, TicketIssued
from queue_server.store import EventLog, LoopCommitter, StoreError, ThreadCommitter
from queue_server.store.eventlog import SCHEMA_VERSION
from tests.support.centre import example_config

KIOSK = Actor("kiosk", "k1")
STAFF = Actor("staff", "lan")
CENTRE_ID = "hn-ba-dinh"


def opened(counter: int, at: float) -> CounterOpened:
    return CounterOpened(at=at, actor=STAFF, counter=counter)


@pytest.mark.parametrize("durability", ["process", "full"])
def test_append_and_read_back(tmp_path: Path, durability: Durability) -> None:
    log = EventLog(tmp_path / "log.sqlite3", CENTRE_ID, durability)
    assert log.append([opened(1, 10.0), opened(2, 11.0)]) == 1
    assert log.append([opened(3, 12.0)]) == 3
    assert [(seq, e) for seq, e in log.read()] == [
        (1, opened(1, 10.0)),
        (2, opened(2, 11.0)),
        (3, opened(3, 12.0)),
    ]
    assert [seq for seq, _ in log.read(after_seq=2)] == [3]
    log.close()

    db = sqlite3.connect(tmp_path / "log.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [r[0] for r in db.execute("SELECT type FROM events")] == ["CounterOpened"] * 3
    db.close()


def test_synchronous_setting_follows_durability(tmp_path: Path) -> None:
    process = EventLog(tmp_path / "a.sqlite3", CENTRE_ID, "process")
    full = EventLog(tmp_path / "b.sqlite3", CENTRE_ID, "full")
    # 1 = NORMAL (survives a process crash), 2 = FULL (fsync per commit).
    assert process._db.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert full._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    process.close()
    full.close()


def test_wal_checkpoints_run_off_the_committing_thread(tmp_path: Path) -> None:
    """With "process", commits never copy the WAL back (no 5-17 ms stall on the loop):
    the checkpointer's thread does, once enough commits wait and the log is quiet."""
    path = tmp_path / "log.sqlite3"
    log = EventLog(path, CENTRE_ID, "process")
    assert log._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    size_before = path.stat().st_size
    for i in range(1_200):  # past EVERY_COMMITS, one commit each
        log.append([opened(i % 8 + 1, float(i))])
    checkpointer = log._checkpointer
    assert checkpointer is not None
    deadline = time.monotonic() + 5.0
    while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpointer.checkpoints >= 1
    assert path.stat().st_size > size_before  # the pages are in the database file now
    log.close()
    reopened = EventLog(path, CENTRE_ID, "process")
    assert reopened.count() == 1_200
    assert [seq for seq, _ in reopened.read(after_seq=1_198)] == [1_199, 1_200]
    reopened.close()


def test_full_durability_keeps_checkpoints_in_its_commits(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "log.sqlite3", CENTRE_ID, "full")
    assert log._checkpointer is None
    assert log._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    log.close()


def test_refuses_a_log_of_another_centre(tmp_path: Path) -> None:
    EventLog(tmp_path / "log.sqlite3", CENTRE_ID).close()
    with pytest.raises(StoreError, match="belongs to centre 'hn-ba-dinh', not 'other'"):
        EventLog(tmp_path / "log.sqlite3", "other")


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    EventLog(tmp_path / "log.sqlite3", CENTRE_ID).close()
    db = sqlite3.connect(tmp_path / "log.sqlite3")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this server"):
        EventLog(tmp_path / "log.sqlite3", CENTRE_ID)


def test_refuses_a_file_that_is_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"this is not a database, it is a ticket" * 200)
    with pytest.raises(StoreError, match="cannot open the event log"):
        EventLog(path, CENTRE_ID)


def hold_write_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.mark.parametrize("kind", [LoopCommitter, ThreadCommitter])
async def test_after_a_failed_commit_no_later_batch_is_committed(
    tmp_path: Path, kind: type[LoopCommitter | ThreadCommitter]
) -> None:
    """A later batch may build on the lost one (call the ticket it issued): committed
    without it, the log would no longer replay.  So nothing after a failure is written."""
    path = tmp_path / "log.sqlite3"
    log = EventLog(path, CENTRE_ID, "full" if kind is ThreadCommitter else "process")
    log._db.execute("PRAGMA busy_timeout=50")
    committer = kind(log, asyncio.get_running_loop())
    other = hold_write_lock(path)
    _, lost = committer.submit([opened(1, 1.0)])
    with pytest.raises(StoreError):
        await lost
    other.execute("ROLLBACK")  # the file is writable again
    other.close()
    with pytest.raises(StoreError):
        committer.submit([opened(2, 2.0)])
    committer.close()
    assert log.count() == 0
    log.close()


@pytest.mark.parametrize("durability", ["process", "full"])
async def test_a_failed_commit_stops_the_centre_and_a_restart_recovers(
    tmp_path: Path, durability: Durability
) -> None:
    """A commit that fails (here: another writer holds the lock) is never acknowledged;
    the dispatcher refuses everything after it, and a restart rebuilds exactly what was."""
    config = example_config(tmp_path / "log.sqlite3", durability)
    centre = Centre(config)
    await centre.start()
    try:
        await centre.dispatcher.execute(c.IssueTicket(service="HT", tracking_code="t1"), KIOSK)
        centre.log._db.execute("PRAGMA busy_timeout=50")
        other = hold_write_lock(tmp_path / "log.sqlite3")
        with pytest.raises(StoreError, match="could not commit"):
            await centre.dispatcher.execute(c.IssueTicket(service="HT", tracking_code="t2"), KIOSK)
        other.execute("ROLLBACK")
        other.close()
        assert centre.dispatcher.failure is not None
        with pytest.raises(StoreError):  # memory is ahead of disk: nothing more is taken
            await centre.dispatcher.execute(c.IssueTicket(service="HT", tracking_code="t3"), KIOSK)
    finally:
        await centre.stop()

    again = Centre(config)
    await again.start()
    try:
        assert again.engine.ticket_by_tracking_code("t1") is not None
        assert again.engine.ticket_by_tracking_code("t2") is None
        assert again.engine.ticket_by_tracking_code("t3") is None
        await again.dispatcher.execute(c.IssueTicket(service="HT", tracking_code="t4"), KIOSK)
        assert again.engine.ticket_by_tracking_code("t4").number == "A002"  # type: ignore[union-attr]
    finally:
        await again.stop()


@pytest.mark.parametrize("durability", ["process", "full"])
async def test_listeners_hear_only_committed_events_in_order(
    tmp_path: Path, durability: Durability
) -> None:
    path = tmp_path / "log.sqlite3"
    centre = Centre(example_config(path, durability))
    heard: list[tuple[int, int, int]] = []
    reader = sqlite3.connect(path)

    def listener(first_seq: int, events: Sequence[Event]) -> Callable[[], None]:
        def deliver() -> None:
            committed = reader.execute("SELECT max(seq) FROM events").fetchone()[0]
            heard.append((first_seq, len(events), committed))

        return deliver

    centre.dispatcher.listen(listener)
    await centre.start()
    try:
        await asyncio.gather(
            *(
                centre.dispatcher.execute(c.IssueTicket(service="CT", tracking_code=f"t{i}"), KIOSK)
                for i in range(50)
            )
        )
    finally:
        await centre.stop()
        reader.close()
    for first, n, committed in heard:
        assert committed >= first + n - 1, "delivered before commit"
    seqs = [first + i for first, n, _ in heard for i in range(n)]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert len(seqs) >= 50


@pytest.mark.parametrize("durability", ["process", "full"])
async def test_a_cancelled_caller_does_not_stop_its_events_being_published(
    tmp_path: Path, durability: Durability
) -> None:
    """A kiosk that hangs up while its ticket commits cancels its request; the ticket is
    in the log all the same, so the displays must hear of it too."""
    centre = Centre(example_config(tmp_path / "log.sqlite3", durability))
    heard: asyncio.Queue[Event] = asyncio.Queue()
    callers: list[asyncio.Task[list[Event]]] = []

    def listener(first_seq: int, events: Sequence[Event]) -> Callable[[], None]:
        if any(isinstance(e, TicketIssued) for e in events):
            callers[0].cancel()  # applied, not committed yet: it hangs up now

        def deliver() -> None:
            for event in events:
                heard.put_nowait(event)

        return deliver

    centre.dispatcher.listen(listener)
    await centre.start()
    try:
        issue = c.IssueTicket(service="HT", tracking_code="gone")
        caller = asyncio.create_task(centre.dispatcher.execute(issue, KIOSK))
        callers.append(caller)
        published = await asyncio.wait_for(heard.get(), 2.0)
        while not isinstance(published, TicketIssued):  # the day's opening comes first
            published = await asyncio.wait_for(heard.get(), 2.0)
        assert published.tracking_code == "gone"
        assert caller.cancelled()
        assert any(isinstance(e, TicketIssued) for _, e in centre.log.read())
    finally:
        await centre.stop()


@pytest.mark.parametrize("durability", ["process", "full"])
async def test_replay_rebuilds_the_live_state(tmp_path: Path, durability: Durability) -> None:
    config = example_config(tmp_path / "log.sqlite3", durability)
    centre = Centre(config)
    await centre.start()
    d = centre.dispatcher
    for i in range(12):
        await d.execute(
            c.IssueTicket(
                service=["HT", "CT", "DD"][i % 3],
                priority="pregnant" if i % 4 == 0 else None,
                tracking_code=f"code{i}",
            ),
            KIOSK,
        )
    for counter in (1, 3, 4):
        await d.execute(c.OpenCounter(counter=counter), STAFF)
    await d.execute(c.CallNext(counter=1), STAFF)
    await d.execute(c.StartService(counter=1), STAFF)
    await d.execute(c.CallNext(counter=3), STAFF)
    await d.execute(c.MarkNoShow(counter=3), STAFF)
    await d.execute(c.CallNext(counter=4), STAFF)
    await d.execute(c.Transfer(counter=4, to_service="CT"), STAFF)
    await d.execute(c.CallNext(counter=1), STAFF)
    live = centre.engine.state.snapshot()
    await centre.stop()

    again = Centre(config)
    try:
        assert again.replayed_events == again.log.last_seq > 12
        assert again.engine.state.snapshot() == live
    finally:
        again.log.close()


async def test_housekeeping_opens_the_day_once(tmp_path: Path) -> None:
    centre = Centre(example_config(tmp_path / "log.sqlite3"))
    await centre.start()
    try:
        assert await centre.dispatcher.housekeep() == []  # start() already opened the day
        kinds = [type(e) for _, e in centre.log.read()]
        assert kinds == [DayOpened]
        await centre.dispatcher.execute(c.ResumeCounter(counter=2), STAFF)
        with pytest.raises(NobodyWaiting):
            await centre.dispatcher.execute(c.CallNext(counter=2), STAFF)
        kinds = [type(e) for _, e in centre.log.read()]
        assert kinds == [DayOpened, CounterOpened]
    finally:
        await centre.stop()


async def test_clock_stepping_back_never_reorders_events(tmp_path: Path) -> None:
    times = iter([1_800_000_000.0, 1_799_999_000.0, 1_800_000_005.0])
    config = example_config(tmp_path / "log.sqlite3")
    log = EventLog(tmp_path / "log.sqlite3", CENTRE_ID)
    dispatcher = Dispatcher(Engine(config.queue_setup()), log, clock=lambda: next(times))
    for i in range(3):
        await dispatcher.execute(c.IssueTicket(service="HT", tracking_code=f"c{i}"), KIOSK)
    issued = [e.at for _, e in log.read() if isinstance(e, TicketIssued)]
    assert issued == sorted(issued)
    assert issued[1] == issued[0]
    log.close()
