"""What a centre says to the city's PostgreSQL: two statements, both allowed to its role
by the schema's grants and row-level security (migrations/0002_roles.sql)."""

from __future__ import annotations

from typing import Any

import psycopg

from .rows import Batch

_INSERT = """
INSERT INTO city.events (centre_id, seq, day, at, type, body)
SELECT * FROM unnest(%s::text[], %s::bigint[], %s::date[], %s::timestamptz[],
                     %s::text[], %s::jsonb[])
ON CONFLICT DO NOTHING
"""


async def send(db: psycopg.AsyncConnection[Any], rows: Batch) -> int:
    """One batch as one INSERT (atomic in autocommit); how many rows were new."""
    cursor = await db.execute(_INSERT, list(rows))
    return cursor.rowcount


async def last_seq(db: psycopg.AsyncConnection[Any], centre_id: str) -> int:
    """The highest seq the city holds for this centre (0 for none, or a centre id that is
    not the role's: the INSERT will then say why, through row-level security)."""
    cursor = await db.execute("SELECT city.last_seq(%s)", (centre_id,))
    row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0
