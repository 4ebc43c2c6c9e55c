"""What a centre says to the city's PostgreSQL: two statements, both allowed to its role
by the schema's grants and row-level security (migrations/0002_roles.sql)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
import psycopg

from .rows import Batch

_INSERT = """
INSERT INTO city.events (centre_id, seq, day, at, type, body)
SELECT centre_id, seq, day, at, type, body
FROM json_to_recordset(%s::json)
     AS r(centre_id text, seq bigint, day date, at timestamptz, type text, body jsonb)
ON CONFLICT DO NOTHING
"""


class _Row(msgspec.Struct, frozen=True):
    centre_id: str
    seq: int
    day: date
    at: datetime
    type: str
    body: msgspec.Raw
    """The event's JSON as the log holds it, copied in as it is."""


_encoder = msgspec.json.Encoder()


def payload(rows: Batch) -> str:
    """A batch as one JSON document, which PostgreSQL takes apart (`json_to_recordset`).

    One text parameter instead of six arrays: psycopg adapted the arrays at about 28 us
    of the centre's CPU per event, this costs about 1.5 (bench/RESULTS.md, "Before/after");
    the parsing moves to the city's server.  `at` goes as RFC 3339 text with its
    microseconds, so a resent event meets its own key exactly."""
    return _encoder.encode(
        [
            _Row(centre, seq, day, at, kind, msgspec.Raw(body))
            for centre, seq, day, at, kind, body in zip(*rows, strict=True)
        ]
    ).decode()


async def send(db: psycopg.AsyncConnection[Any], rows: Batch) -> int:
    """One batch as one INSERT (atomic in autocommit); how many rows were new."""
    cursor = await db.execute(_INSERT, (payload(rows),))
    return cursor.rowcount


async def last_seq(db: psycopg.AsyncConnection[Any], centre_id: str) -> int:
    """The highest seq the city holds for this centre (0 for none, or a centre id that is
    not the role's: the INSERT will then say why, through row-level security)."""
    cursor = await db.execute("SELECT city.last_seq(%s)", (centre_id,))
    row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0
