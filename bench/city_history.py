"""Days of history of every centre in the city's PostgreSQL, made fast, for timing the
dashboard's query on a realistic table (`bench.city`).

A few template days of a busy centre are decided by the real engine (`city_feed.py`)
and COPYed in once; one INSERT ... SELECT then repeats them for every centre and day
(generate_series), shifting each body's times and day, numbering seqs as one log per
centre would.  The rows go through `city.events` itself, so its partitions, indexes
and any trigger the read model adds do their real work.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import NamedTuple

import psycopg

from queue_server.config import CentreConfig
from queue_server.engine.events import encode_event, event_type

from .city_feed import BusyCentre

VARIANTS = 3
"""Template days: centre k on day d gets template (k + d) % VARIANTS."""
TEMPLATE_DAY = date(2025, 1, 6)
OPENS, CLOSES = (7, 30), (17, 0)


class History(NamedTuple):
    rows: int
    seconds: float
    first_day: date
    last_day: date
    bytes: int
    """city.events on disk, its indexes included."""


def template_rows(config: CentreConfig, per_day: int) -> list[tuple[int, int, float, str, str]]:
    """(variant, n, at, type, body) of VARIANTS busy days of `per_day` events each."""
    opens = datetime(*TEMPLATE_DAY.timetuple()[:3], *OPENS, tzinfo=config.zone).timestamp()
    closes = datetime(*TEMPLATE_DAY.timetuple()[:3], *CLOSES, tzinfo=config.zone).timestamp()
    rows = []
    for variant in range(VARIANTS):
        busy = BusyCentre(config, seed=1000 + variant)
        n = 0
        while n < per_day:
            at = opens + (closes - opens) * n / per_day
            for event in busy.next_events(at)[: per_day - n]:
                n += 1
                rows.append((variant, n, event.at, event_type(event), encode_event(event).decode()))
    return rows


_GENERATE = """
INSERT INTO city.events (centre_id, seq, day, at, type, body)
SELECT c.centre_id,
       d.i::bigint * %(per_day)s + t.n,
       %(first)s::date + d.i,
       to_timestamp(t.at + shift.s),
       t.type,
       t.body
       || jsonb_build_object('at', (t.body->>'at')::float8 + shift.s)
       || CASE WHEN t.body ? 'day'
               THEN jsonb_build_object('day', to_char(%(first)s::date + d.i, 'YYYY-MM-DD'))
               ELSE '{}' END
       || CASE WHEN t.body ? 'ends_at'
               THEN jsonb_build_object('ends_at', (t.body->>'ends_at')::float8 + shift.s)
               ELSE '{}' END
       || CASE WHEN t.body->>'due_at' IS NOT NULL
               THEN jsonb_build_object('due_at', (t.body->>'due_at')::float8 + shift.s)
               ELSE '{}' END
       || CASE WHEN t.body->>'requeue_at' IS NOT NULL
               THEN jsonb_build_object('requeue_at', (t.body->>'requeue_at')::float8 + shift.s)
               ELSE '{}' END
       || CASE WHEN t.body ? 'waiting_since'
               THEN jsonb_build_object('waiting_since',
                                       (t.body->>'waiting_since')::float8 + shift.s)
               ELSE '{}' END
FROM unnest(%(centres)s::text[]) WITH ORDINALITY AS c(centre_id, k)
CROSS JOIN (SELECT %(i)s::int AS i) AS d
CROSS JOIN LATERAL (SELECT (%(first)s::date + d.i - %(template)s::date) * 86400.0 AS s) AS shift
JOIN pg_temp.template t ON t.variant = (c.k + d.i) %% %(variants)s
"""


def generate(
    dsn: str, config: CentreConfig, centres: list[str], days: int, per_day: int, last_day: date
) -> History:
    """`days` days up to `last_day` of every centre, `per_day` events a day each.

    One statement (and transaction) per day: the read model's trigger folds each
    statement's rows, and within one transaction every update of a centre's rows leaves a
    version the next must step over, so a month in one statement took quadratic time
    (over 15 minutes); a day at a time it is linear, as the centres' batches are."""
    first_day = last_day - timedelta(days=days - 1)
    rows = template_rows(config, per_day)
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("SELECT city.ensure_partitions(%s, %s)", (first_day, days // 28 + 2))
        db.execute(
            "CREATE TEMP TABLE template (variant int, n int, at float8, type text, body jsonb)"
        )
        with db.cursor().copy("COPY template FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        started = time.perf_counter()
        inserted = 0
        for i in range(days):  # a day a statement, as centres send them: see the docstring
            cursor = db.execute(
                _GENERATE,
                {
                    "per_day": per_day,
                    "first": first_day,
                    "centres": centres,
                    "i": i,
                    "template": TEMPLATE_DAY,
                    "variants": VARIANTS,
                },
            )
            inserted += cursor.rowcount
        db.execute("ANALYZE city.events")
        seconds = time.perf_counter() - started
        size = db.execute(
            "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('city.events')"
        ).fetchone()
    return History(inserted, seconds, first_day, last_day, int(size[0]) if size else 0)
