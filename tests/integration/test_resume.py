"""A restart resumes from the state saved at the last day's close, in a real SQLite log.

The engine's part (capture and restore give the live state for any history) is checked
by the stateful test; here: what is saved, when it is used, and when it must not be.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from queue_server.app import Centre
from queue_server.config import CentreConfig
from queue_server.engine import Actor, Engine, Event
from queue_server.engine import commands as c
from queue_server.engine.events import DayClosed, TicketIssued
from queue_server.store import EventLog
from queue_server.store.eventlog import SCHEMA_VERSION
from queue_server.views import state_snapshot
from tests.support.centre import example_config

KIOSK = Actor("kiosk", "k1")
STAFF = Actor("staff", "lan")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI).timestamp()


def write_days(config: CentreConfig, days: list[int]) -> list[Event]:
    """Busy mornings on `days`, each left with people waiting and one being served, and
    an hour of the day after the last: the log of a centre whose server never stopped."""
    engine, log, events = (
        Engine(config.queue_setup()),
        EventLog(config.store.path, config.centre.id),
        [],
    )

    def run(command: c.Command, when: float, actor: Actor = STAFF) -> None:
        done = engine.handle(command, when, actor)
        log.append(done)
        events.extend(done)

    for day in [*days, days[-1] + 1]:
        for counter in (1, 2):
            run(c.OpenCounter(counter=counter), at(day, 8))
        services = ("HT", "CT", "DD")[day % 3 :] + ("HT", "CT", "DD")[: day % 3]
        for n in range(8):  # lines first used in another order each day
            issue = c.IssueTicket(service=services[n % 3], tracking_code=f"{day}-{n}")
            run(issue, at(day, 8, 5 + n), KIOSK)
        for minute in (20, 30, 40):
            run(c.CallNext(counter=1), at(day, 9, minute))
            run(c.StartService(counter=1), at(day, 9, minute + 1))
            run(c.Finish(counter=1), at(day, 9, minute + 5))
        run(c.CallNext(counter=2), at(day, 10))
        run(c.StartService(counter=2), at(day, 10, 1))
    log.close()
    return events


def last_close(path: Path) -> int:
    log = EventLog(path, "hn-ba-dinh")
    try:
        return max(seq for seq, event in log.read() if isinstance(event, DayClosed))
    finally:
        log.close()


def full_replay(config: CentreConfig, events: list[Event]) -> dict[str, Any]:
    engine = Engine(config.queue_setup())
    engine.apply_all(events)
    return engine.state.snapshot()


async def test_a_restart_replays_only_what_followed_the_last_close(tmp_path: Path) -> None:
    config = example_config(tmp_path / "log.sqlite3")
    events = write_days(config, [23, 24, 25, 26])
    close = last_close(tmp_path / "log.sqlite3")
    expected = full_replay(config, events)

    first = Centre(config)  # no saved state yet: the whole log, and the state is saved
    assert (first.dispatcher.resumed_from, first.replayed_events) == (0, len(events))
    assert first.engine.state.snapshot() == expected
    shown = state_snapshot(first.engine, config.services, 0)
    await first.stop()

    second = Centre(config)
    assert second.dispatcher.resumed_from == close
    assert second.replayed_events == len(events) - close
    assert second.engine.state.snapshot() == expected
    assert (
        state_snapshot(second.engine, config.services, 0) == shown
    )  # what admins see, in the same order
    assert len(shown.waiting) > 1
    await second.start()  # and it goes on from there as the first would have
    try:
        issue = c.IssueTicket(service="HT", tracking_code="after")
        *_, issued = await second.dispatcher.execute(issue, KIOSK)
        assert isinstance(issued, TicketIssued)
        next_ticket_id, next_order, _ = expected["next"]
        assert (issued.ticket, issued.order) == (next_ticket_id, next_order)
    finally:
        await second.stop()


async def test_a_changed_configuration_replays_the_whole_log(tmp_path: Path) -> None:
    config = example_config(tmp_path / "log.sqlite3")
    events = write_days(config, [23, 24])
    await Centre(config).stop()  # saves the state at the last close
    fewer_samples = msgspec.structs.replace(
        config, queue=msgspec.structs.replace(config.queue, service_time_window=2)
    )
    changed = Centre(fewer_samples)
    try:
        assert changed.dispatcher.resumed_from == 0
        assert changed.replayed_events == len(events)
        assert changed.engine.state.snapshot() == full_replay(fewer_samples, events)
    finally:
        await changed.stop()
    moved_printer = msgspec.structs.replace(  # what the engine never reads keeps it
        fewer_samples, devices=msgspec.structs.replace(config.devices, printers=[])
    )
    same = Centre(moved_printer)
    try:
        assert same.dispatcher.resumed_from == last_close(tmp_path / "log.sqlite3")
    finally:
        await same.stop()


async def test_new_names_and_a_new_ticket_footer_keep_the_saved_state(tmp_path: Path) -> None:
    """Texts are not rules: renaming a service or editing the ticket's footer must not cost
    a replay of the whole log (the saved state's fingerprint is the engine's setup only)."""
    config = example_config(tmp_path / "log.sqlite3")
    write_days(config, [23, 24])
    await Centre(config).stop()  # saves the state at the last close
    first, *rest = config.services
    renamed = msgspec.structs.replace(
        config,
        centre=msgspec.structs.replace(config.centre, ticket_footer={"vi": "Cảm ơn quý khách"}),
        services=[msgspec.structs.replace(first, name={"vi": "Hộ tịch (mới)"}), *rest],
    )
    same = Centre(renamed)
    try:
        assert same.dispatcher.resumed_from == last_close(tmp_path / "log.sqlite3")
    finally:
        await same.stop()


async def test_a_saved_state_that_does_not_decode_is_ignored(tmp_path: Path) -> None:
    config = example_config(tmp_path / "log.sqlite3")
    events = write_days(config, [23, 24])
    await Centre(config).stop()
    db = sqlite3.connect(tmp_path / "log.sqlite3")
    with db:
        db.execute("UPDATE resume_points SET body = x'00ff00ff'")
    db.close()
    centre = Centre(config)
    try:
        assert (centre.dispatcher.resumed_from, centre.replayed_events) == (0, len(events))
        assert centre.engine.state.snapshot() == full_replay(config, events)
    finally:
        await centre.stop()


def test_a_log_written_before_saved_states_gains_their_table(tmp_path: Path) -> None:
    """No new schema version: the release before still reads the log (and ignores it)."""
    path = tmp_path / "log.sqlite3"
    config = example_config(path)
    events = write_days(config, [23])
    db = sqlite3.connect(path)
    db.execute("DROP TABLE resume_points")  # as the release before left it
    db.execute("PRAGMA user_version=1")
    db.close()
    centre = Centre(config)
    try:
        assert (centre.dispatcher.resumed_from, centre.replayed_events) == (0, len(events))
        assert centre.engine.state.snapshot() == full_replay(config, events)
        assert centre.log.resume_point() is not None
    finally:
        centre.log.close()
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION == 2, "marked: the release before refuses it in words"


def test_a_saved_state_past_the_end_of_the_log_is_dropped(tmp_path: Path) -> None:
    """Its seqs would one day be another history's (a log's tail removed by hand)."""
    path = tmp_path / "log.sqlite3"
    config = example_config(path)
    write_days(config, [23, 24])
    Centre(config).log.close()
    db = sqlite3.connect(path)
    with db:
        (saved,) = db.execute("SELECT seq FROM resume_points").fetchone()
        db.execute("DELETE FROM events WHERE seq >= ?", (saved,))
    db.close()
    log = EventLog(path, config.centre.id)
    try:
        assert log.resume_point() is None
    finally:
        log.close()


async def test_a_saved_state_with_a_wrong_value_is_ignored_whole(tmp_path: Path) -> None:
    config = example_config(tmp_path / "log.sqlite3")
    events = write_days(config, [23, 24])
    await Centre(config).stop()
    db = sqlite3.connect(tmp_path / "log.sqlite3")
    (body,) = db.execute("SELECT body FROM resume_points").fetchone()
    saved = msgspec.msgpack.decode(body)
    saved["counters"][-1][1] = "on fire"  # decodes, but is no counter status
    with db:
        db.execute("UPDATE resume_points SET body = ?", (msgspec.msgpack.encode(saved),))
    db.close()
    centre = Centre(config)
    try:
        assert (centre.dispatcher.resumed_from, centre.replayed_events) == (0, len(events))
        assert centre.engine.state.snapshot() == full_replay(config, events)
    finally:
        await centre.stop()


async def test_a_close_while_serving_is_saved_for_the_next_start(tmp_path: Path) -> None:
    """A server that runs for months saves each close as it happens, off the loop."""
    config = example_config(tmp_path / "log.sqlite3")
    centre = Centre(config)
    await centre.start()
    try:
        d = centre.dispatcher
        await d.execute(c.OpenCounter(counter=1), STAFF)
        for n in range(3):
            await d.execute(c.IssueTicket(service="HT", tracking_code=f"t{n}"), KIOSK)
        for command in (c.CallNext(counter=1), c.StartService(counter=1), c.Finish(counter=1)):
            await d.execute(command, STAFF)
        *_, closed = await d.execute(c.CloseDay(), STAFF)
        assert isinstance(closed, DayClosed)
        close = centre.log.last_seq
        assert centre.saving_day_end is not None
        assert await asyncio.wait_for(centre.saving_day_end, 10) == close
        live = centre.engine.state.snapshot()
    finally:
        await centre.stop()
    again = Centre(config)
    try:
        assert again.dispatcher.resumed_from == close
        assert again.replayed_events == again.log.last_seq - close
        assert again.engine.state.snapshot() == live
    finally:
        again.log.close()
