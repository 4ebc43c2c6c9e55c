"""The city's schema on a real PostgreSQL: migrations re-run safely, row-level security
keeps each centre to its own rows, a batch sent twice is stored once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest

from queue_server.city.central import last_seq, send
from queue_server.city.rows import LogRow, batch
from queue_server.city.schema import migrate, migrations
from tests.integration.test_cli import run_cli
from tests.support.city import centre_role, city_database, held_seqs
from tests.support.postgres import Cluster

ZONE_ROWS = [
    LogRow(1, 1_764_723_600.0, "DayOpened", b'{"type":"DayOpened","day":"2025-12-03"}'),
    LogRow(2, 1_764_723_601.5, "TicketIssued", b'{"type":"TicketIssued","number":"A001"}'),
    LogRow(3, 1_764_781_199.0, "TicketCalled", b'{"type":"TicketCalled","counter":1}'),
]


def test_migrations_run_in_order_once_and_rerun_safely(postgres: Cluster) -> None:
    dsn = postgres.new_database()
    first = migrate(dsn, today=date(2026, 12, 3))
    assert first.applied == [m.name for m in migrations()]
    assert first.partitions_made == 3
    again = migrate(dsn, today=date(2026, 12, 3))
    assert again.applied == [] and again.partitions_made == 0
    next_month = migrate(dsn, today=date(2027, 1, 10))
    assert next_month.applied == [] and next_month.partitions_made == 1
    with psycopg.connect(dsn) as db:
        versions = db.execute("SELECT version FROM city.schema_migrations ORDER BY 1").fetchall()
        partitions = db.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'city.events'::regclass ORDER BY 1"
        ).fetchall()
    assert [v for (v,) in versions] == [m.version for m in migrations()]
    assert [p for (p,) in partitions] == [
        "events_2026_12",
        "events_2027_01",
        "events_2027_02",
        "events_2027_03",
        "events_before",
    ]


async def test_a_batch_sent_twice_is_stored_once(postgres: Cluster) -> None:
    admin = city_database(postgres)
    centre = centre_role(postgres, admin, "ward-a")
    rows = batch("ward-a", ZoneInfo("Asia/Ho_Chi_Minh"), ZONE_ROWS)
    async with await psycopg.AsyncConnection.connect(centre, autocommit=True) as db:
        assert await send(db, rows) == 3
        assert await send(db, rows) == 0
        assert await last_seq(db, "ward-a") == 3
    assert held_seqs(admin, "ward-a") == [1, 2, 3]
    with psycopg.connect(admin) as db:
        stored = db.execute("SELECT day, body->>'number' FROM city.events WHERE seq = 2").fetchone()
        last_day = db.execute("SELECT day FROM city.events WHERE seq = 3").fetchone()
    assert stored == (date(2025, 12, 3), "A001")
    # 2025-12-03 16:59:59 UTC is 23:59:59 in Hanoi: still the centre's day.
    assert last_day == (date(2025, 12, 3),)


async def test_the_city_keeps_each_events_time_to_the_microsecond_and_its_body(
    postgres: Cluster,
) -> None:
    """The time is in the key: a resend must meet its own row, to the microsecond."""
    admin = city_database(postgres)
    centre = centre_role(postgres, admin, "ward-a")
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    body = b'{"type":"TicketIssued","number":"A\xc3\xa2","nested":{"list":[1,2.5,null]}}'
    rows = [LogRow(1, 1_764_723_601.123456, "TicketIssued", body)]
    async with await psycopg.AsyncConnection.connect(centre, autocommit=True) as db:
        assert await send(db, batch("ward-a", zone, rows)) == 1
        assert await send(db, batch("ward-a", zone, rows)) == 0
    with psycopg.connect(admin) as db:
        stored = db.execute("SELECT at, body FROM city.events").fetchall()
    assert stored == [
        (
            datetime.fromtimestamp(1_764_723_601.123456, zone),
            {"type": "TicketIssued", "number": "Aâ", "nested": {"list": [1, 2.5, None]}},
        )
    ]


async def test_a_centre_may_write_only_its_own_rows_and_read_only_its_last_seq(
    postgres: Cluster,
) -> None:
    admin = city_database(postgres)
    ward_a = centre_role(postgres, admin, "ward-a")
    ward_b = centre_role(postgres, admin, "ward-b")
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    async with await psycopg.AsyncConnection.connect(ward_b, autocommit=True) as db:
        assert await send(db, batch("ward-b", zone, ZONE_ROWS[:1])) == 1
    async with await psycopg.AsyncConnection.connect(ward_a, autocommit=True) as db:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            await send(db, batch("ward-b", zone, ZONE_ROWS[1:]))
        assert await last_seq(db, "ward-b") == 0  # not its figure to know
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            await db.execute("SELECT count(*) FROM city.events")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            await db.execute("SELECT * FROM city.centre_roles")
    assert held_seqs(admin, "ward-b") == [1]


def test_city_migrate_on_the_command_line(postgres: Cluster) -> None:
    dsn = postgres.new_database()
    first = run_cli("city", "migrate", "--dsn", dsn)
    assert first.returncode == 0, first.stderr
    assert "0001_events.sql, 0002_roles.sql" in first.stdout
    again = run_cli("city", "migrate", "--dsn", dsn)
    assert again.returncode == 0 and "none (already up to date)" in again.stdout
    unreachable = run_cli("city", "migrate", "--dsn", postgres.dsn("no_such_database"))
    assert unreachable.returncode == 3
    assert 'database "no_such_database" does not exist' in unreachable.stderr
