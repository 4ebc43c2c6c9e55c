"""What the city's dashboard shows, read from the tables the events keep current
(migrations/0003_read_model.sql): one query per view, no scan of the event log.

`centre_rows` is the `/city` page's refresh, the query `bench/city.py` times.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
import psycopg


class CentreRow(msgspec.Struct, frozen=True):
    """One centre on `/city`: now (counters, who waits) and its day so far."""

    centre_id: str
    open_counters: int
    waiting: int
    longest_wait_s: int | None
    """How long the ticket waiting longest has waited (since issue, or since its transfer
    when it did not keep its place); None when nobody waits."""
    issued: int
    served: int
    median_wait_s: int | None
    """Issue to first call, the middle of those called today (nearest rank, as the
    centre's daily report)."""
    rated: int
    satisfied_share: float | None
    """Very satisfied or satisfied, of those who rated (as the daily report)."""
    lag_s: float
    """How old the centre's newest event was when it reached the city."""
    last_event_at: datetime
    received_at: datetime


_ROWS = """
WITH open_counters AS (
    SELECT centre_id, count(*) AS open
      FROM city.counters
     WHERE state = 'open' AND (%(centres)s::text[] IS NULL OR centre_id = ANY(%(centres)s))
     GROUP BY centre_id
)
SELECT c.centre_id,
       coalesce(k.open, 0),
       coalesce(d.waiting, 0),
       CASE WHEN w.oldest IS NOT NULL
            THEN round(greatest(0, extract(epoch FROM now() - w.oldest))) END,
       coalesce(d.issued, 0),
       coalesce(d.served, 0),
       (SELECT round(percentile_disc(0.5) WITHIN GROUP (ORDER BY x)) FROM unnest(d.waits) x),
       coalesce(d.rated, 0),
       round(d.satisfied::numeric / nullif(d.rated, 0), 3),
       c.lag_s,
       c.last_at,
       c.received_at
  FROM city.centres c
  LEFT JOIN city.centre_days d ON d.centre_id = c.centre_id AND d.day = %(day)s
  LEFT JOIN open_counters k ON k.centre_id = c.centre_id
  LEFT JOIN LATERAL (
        SELECT t.waiting_since AS oldest
          FROM city.tickets t
         WHERE t.centre_id = c.centre_id AND t.day = %(day)s AND t.outcome = 'waiting'
         ORDER BY t.waiting_since
         LIMIT 1) AS w ON true
 WHERE %(centres)s::text[] IS NULL OR c.centre_id = ANY(%(centres)s)
 ORDER BY c.centre_id
"""
"""One row per centre from `city.centre_days`, which the trigger keeps (0003), the
oldest waiting ticket through its partial index, the median from the day's waits."""


async def centre_rows(
    conn: psycopg.AsyncConnection[Any], day: date, centres: list[str] | None = None
) -> list[CentreRow]:
    """Every centre's row for `day` (only those of `centres`, when given): the `/city`
    refresh, and what the live feed sends for the centres a batch changed."""
    cursor = await conn.execute(_ROWS, {"day": day, "centres": centres})
    return [_row(values) for values in await cursor.fetchall()]


def _row(values: tuple[Any, ...]) -> CentreRow:
    (centre, open_, waiting, longest, issued, served, median, rated, share, lag, last, got) = values
    return CentreRow(
        centre_id=centre,
        open_counters=int(open_),
        waiting=int(waiting),
        longest_wait_s=None if longest is None else int(longest),
        issued=int(issued),
        served=int(served),
        median_wait_s=None if median is None else int(median),
        rated=int(rated),
        satisfied_share=None if share is None else float(share),
        lag_s=round(float(lag), 3),
        last_event_at=last,
        received_at=got,
    )


class HourRow(msgspec.Struct, frozen=True):
    """One local hour of a centre's day, by the hour its tickets were issued."""

    hour: int
    issued: int
    served: int
    median_wait_s: int | None


class ServiceRow(msgspec.Struct, frozen=True):
    """One service of a centre's day (the service the citizen chose, as the report)."""

    service: str
    issued: int
    waiting: int
    served: int
    median_wait_s: int | None
    rated: int
    satisfied_share: float | None


_HOURS = """
SELECT extract(hour FROM issued_at AT TIME ZONE %(zone)s)::int AS hour,
       count(*) AS issued,
       count(*) FILTER (WHERE outcome = 'done') AS served,
       round(percentile_disc(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM first_called_at - issued_at))) AS median_wait_s
  FROM city.tickets WHERE centre_id = %(centre)s AND day = %(day)s
 GROUP BY 1 ORDER BY 1
"""
_SERVICES = """
SELECT service,
       count(*) AS issued,
       count(*) FILTER (WHERE outcome = 'done') AS served,
       round(percentile_disc(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM first_called_at - issued_at))) AS median_wait_s,
       count(*) FILTER (WHERE outcome = 'waiting') AS waiting,
       count(rating) AS rated,
       round(count(*) FILTER (WHERE rating IN ('very_satisfied', 'satisfied'))::numeric
             / nullif(count(rating), 0), 3) AS satisfied_share
  FROM city.tickets WHERE centre_id = %(centre)s AND day = %(day)s
 GROUP BY 1 ORDER BY 1
"""


async def centre_hours(
    conn: psycopg.AsyncConnection[Any], centre: str, day: date, zone: str
) -> list[HourRow]:
    """A centre's day by local hour of issue (in the city's time zone `zone`)."""
    cursor = await conn.execute(_HOURS, {"centre": centre, "day": day, "zone": zone})
    return [
        HourRow(int(h), int(i), int(s), None if m is None else int(m))
        for h, i, s, m in await cursor.fetchall()
    ]


async def centre_services(
    conn: psycopg.AsyncConnection[Any], centre: str, day: date
) -> list[ServiceRow]:
    """A centre's day per service."""
    cursor = await conn.execute(_SERVICES, {"centre": centre, "day": day})
    return [
        ServiceRow(
            service=s,
            issued=int(i),
            waiting=int(w),
            served=int(v),
            median_wait_s=None if m is None else int(m),
            rated=int(r),
            satisfied_share=None if share is None else float(share),
        )
        for s, i, v, m, w, r, share in await cursor.fetchall()
    ]
