"""The centre's log rows as the city's rows (pure): what the shipper reads and sends.

The business day of an event is the local date of its time in the centre's zone (a
centre's day ends at its local midnight, `DayOpened.ends_at`), so the city groups days
the way each centre's own reports do without replaying anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo


class LogRow(NamedTuple):
    """One committed event as the centre's SQLite log holds it."""

    seq: int
    at: float
    type: str
    body: bytes


class Batch(NamedTuple):
    """A run of consecutive events for one INSERT, as the columns PostgreSQL unnests."""

    centre_id: list[str]
    seq: list[int]
    day: list[date]
    at: list[datetime]
    type: list[str]
    body: list[str]

    @property
    def last_seq(self) -> int:
        return self.seq[-1]


def batch(centre_id: str, zone: ZoneInfo, rows: Sequence[LogRow]) -> Batch:
    """Columns for `rows`, which must be consecutive (the log has no holes)."""
    times = [datetime.fromtimestamp(row.at, zone) for row in rows]
    return Batch(
        centre_id=[centre_id] * len(rows),
        seq=[row.seq for row in rows],
        day=[t.date() for t in times],
        at=times,
        type=[row.type for row in rows],
        body=[bytes(row.body).decode() for row in rows],
    )
