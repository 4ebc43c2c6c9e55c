"""The city's read model on a real PostgreSQL: a day played on the real engine, shipped
in overlapping batches (as a shipper that lost its replies would), gives the dashboard
the same figures as the centre's own daily report, and each batch notifies once."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

from queue_server.city.central import send
from queue_server.city.dashboard import centre_hours, centre_rows, centre_services
from queue_server.city.rows import LogRow, batch
from queue_server.engine import commands as c
from queue_server.engine.events import Event, encode_event, event_type
from queue_server.reports import DayReport
from tests.support.city import centre_role, city_database
from tests.support.postgres import Cluster
from tests.unit.conftest import Desk, make_config

DAY = date(2025, 7, 14)
MINUTE = 60.0


def played_day() -> Desk:
    """Two counters; four tickets: one served and rated, one ended unstarted, one no-show,
    one still waiting; counter 2 paused at the end."""
    desk = Desk(make_config())
    desk.housekeep()
    desk.open(1, 2)
    for service in ("HT", "HT", "CT", "HT"):
        desk.issue(service)
        desk.advance(MINUTE)
    desk.advance(3 * MINUTE)
    served = desk.call(1).ticket
    desk.do(c.StartService(counter=1))
    desk.advance(5 * MINUTE)
    desk.do(c.Finish(counter=1))
    desk.do(c.RateService(ticket=served, rating="satisfied"))
    desk.advance(MINUTE)
    desk.call(2)
    desk.advance(MINUTE)
    desk.call(2)  # NEXT ends the one only called: "ended", not served
    desk.do(c.MarkNoShow(counter=2))
    desk.do(c.PauseCounter(counter=2))
    return desk


def log_rows(events: list[Event]) -> list[LogRow]:
    return [
        LogRow(seq, e.at, event_type(e), encode_event(e)) for seq, e in enumerate(events, start=1)
    ]


async def test_resent_batches_fold_once_and_match_the_centres_daily_report(
    postgres: Cluster,
) -> None:
    desk = played_day()
    rows = log_rows(desk.log)
    zone = desk.config.zone
    admin = city_database(postgres)
    centre = centre_role(postgres, admin, "ward-a")
    n = len(rows)
    async with await psycopg.AsyncConnection.connect(centre, autocommit=True) as db:
        assert await send(db, batch("ward-a", zone, rows[: n // 2])) == n // 2
        # The reply to the first batch was lost: the shipper sends it again with more.
        assert await send(db, batch("ward-a", zone, rows)) == n - n // 2
        assert await send(db, batch("ward-a", zone, rows)) == 0

    report = DayReport(desk.config, DAY.isoformat())
    for event in desk.log:
        report.add(event)
    expected = report.result()
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as db:
        (row,) = await centre_rows(db, DAY)
        hours = await centre_hours(db, "ward-a", DAY, "Asia/Ho_Chi_Minh")
        services = await centre_services(db, "ward-a", DAY)
        tickets = await (await db.execute("SELECT count(*) FROM city.tickets")).fetchone()

    assert tickets == (4,)
    assert row.centre_id == "ward-a"
    assert row.open_counters == 1  # counter 2 paused
    assert row.waiting == expected["tickets"]["open"] == 1
    assert row.issued == expected["tickets"]["issued"] == 4
    assert row.served == expected["tickets"]["served"] == 1
    assert row.median_wait_s == expected["wait_minutes"]["median_s"]
    assert row.median_wait_s == 11 * 60  # waits 7, 12 and 11 minutes
    assert row.rated == expected["satisfaction"]["rated"] == 1
    assert row.satisfied_share == expected["satisfaction"]["satisfied_share"] == 1.0
    assert row.longest_wait_s is not None and row.longest_wait_s > 3600  # since July 2025
    assert row.last_event_at.timestamp() == desk.log[-1].at
    assert [(h.hour, h.issued) for h in hours] == [
        (r["hour"], r["issued"]) for r in expected["hours"]
    ]
    assert [(s.service, s.issued, s.served, s.waiting) for s in services] == [
        ("CT", 1, 0, 0),
        ("HT", 3, 1, 1),
    ]


def busy_day() -> Desk:
    """Every way a ticket's day goes: served and rated (one dissatisfied), transferred,
    no-show then back, cancelled, still served at the close, still waiting at the close."""
    desk = Desk(make_config())
    desk.housekeep()
    desk.open(1, 2)
    for service in ("HT", "CT", "HT", "CT", "HT", "HT", "CT"):
        desk.issue(service)
        desk.advance(MINUTE / 2)
    desk.advance(4 * MINUTE)
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.advance(3 * MINUTE)
    desk.do(c.Transfer(counter=1, to_service="CT"))
    second = desk.call(2).ticket
    desk.do(c.StartService(counter=2))
    desk.advance(2 * MINUTE)
    desk.do(c.Finish(counter=2))
    desk.do(c.RateService(ticket=second, rating="dissatisfied"))
    absent = desk.call(1).ticket
    desk.do(c.MarkNoShow(counter=1))
    desk.do(c.Reactivate(ticket=absent))
    desk.do(c.Cancel(ticket=desk.issue("DD").ticket))
    desk.advance(MINUTE)
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.advance(6 * MINUTE)
    desk.do(c.Finish(counter=1))
    desk.call(2)
    desk.do(c.StartService(counter=2))
    desk.do(c.CloseDay())  # one at counter 2, the rest waiting: finished by close, expired
    return desk


async def test_a_busy_day_shipped_in_small_batches_matches_the_daily_report(
    postgres: Cluster,
) -> None:
    desk = busy_day()
    rows = log_rows(desk.log)
    admin = city_database(postgres)
    centre = centre_role(postgres, admin, "ward-d")
    async with await psycopg.AsyncConnection.connect(centre, autocommit=True) as db:
        for start in range(0, len(rows), 3):  # and each batch sent twice
            for _ in range(2):
                await send(db, batch("ward-d", desk.config.zone, rows[start : start + 5]))
    report = DayReport(desk.config, DAY.isoformat())
    for event in desk.log:
        report.add(event)
    expected = report.result()
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as db:
        (row,) = await centre_rows(db, DAY)
        kept = await (
            await db.execute(
                "SELECT issued, served, waiting, rated, satisfied, cardinality(waits)"
                " FROM city.centre_days WHERE centre_id = 'ward-d'"
            )
        ).fetchone()
        recounted = await (
            await db.execute(
                "SELECT count(*), count(*) FILTER (WHERE outcome = 'done'),"
                " count(*) FILTER (WHERE outcome = 'waiting'), count(rating),"
                " count(*) FILTER (WHERE rating IN ('very_satisfied', 'satisfied')),"
                " count(first_called_at) FROM city.tickets WHERE centre_id = 'ward-d'"
            )
        ).fetchone()
    assert kept == recounted  # the counts kept event by event equal a recount
    tickets = expected["tickets"]
    assert (row.issued, row.served, row.waiting) == (tickets["issued"], tickets["served"], 0)
    assert tickets["open"] == 0 and tickets["expired"] > 0 and tickets["cancelled"] == 1
    assert row.median_wait_s == expected["wait_minutes"]["median_s"]
    assert row.rated == expected["satisfaction"]["rated"] == 1
    assert row.satisfied_share == expected["satisfaction"]["satisfied_share"] == 0.0
    assert row.open_counters == 0  # the close closed them
    assert row.longest_wait_s is None


async def test_each_batch_notifies_once_per_centre_and_a_resent_one_never(
    postgres: Cluster,
) -> None:
    rows = log_rows(played_day().log)
    admin = city_database(postgres)
    centre = centre_role(postgres, admin, "ward-b")
    zone = make_config().zone
    heard: list[str] = []
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as listener:
        await listener.execute("LISTEN city_centres")
        async with await psycopg.AsyncConnection.connect(centre, autocommit=True) as db:
            await send(db, batch("ward-b", zone, rows[:5]))
            await send(db, batch("ward-b", zone, rows[:5]))  # nothing new: no notification
            await send(db, batch("ward-b", zone, rows[5:]))
        async with asyncio.timeout(15):
            async for note in listener.notifies(stop_after=2):
                heard.append(note.payload)
        # Whatever came late would be a third: wait a moment for none.
        extra = await _notifications_within(listener, 0.3)
    assert heard == ["ward-b", "ward-b"]
    assert extra == []


async def _notifications_within(conn: psycopg.AsyncConnection[Any], seconds: float) -> list[str]:
    got: list[str] = []
    async for note in conn.notifies(timeout=seconds):
        got.append(note.payload)
    return got


async def test_a_migration_folds_the_events_already_held(postgres: Cluster) -> None:
    """A city that shipped before the read model existed: 0003 folds what it holds."""
    dsn = postgres.new_database()
    from queue_server.city.schema import MIGRATIONS, migrations

    desk = played_day()
    with psycopg.connect(dsn, autocommit=True) as db:
        for migration in migrations(MIGRATIONS)[:2]:
            db.execute(migration.sql.encode())
        columns = batch("ward-c", desk.config.zone, log_rows(desk.log))
        db.execute(
            "INSERT INTO city.events SELECT * FROM unnest(%s::text[], %s::bigint[],"
            " %s::date[], %s::timestamptz[], %s::text[], %s::jsonb[])",
            list(columns),
        )
        db.execute(
            "CREATE TABLE city.schema_migrations (version int PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        db.execute("INSERT INTO city.schema_migrations (version, name) VALUES (1, 'a'), (2, 'b')")
    from queue_server.city.schema import migrate

    migrate(dsn)
    with psycopg.connect(dsn, row_factory=dict_row) as db:
        got = db.execute(
            "SELECT count(*) AS tickets, count(*) FILTER (WHERE outcome = 'done') AS served"
            " FROM city.tickets WHERE centre_id = 'ward-c'"
        ).fetchone()
    assert got == {"tickets": 4, "served": 1}
