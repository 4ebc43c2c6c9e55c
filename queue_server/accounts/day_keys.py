"""The per-day keys that phone digests are made with, in the accounts file.

Never in the event log and never in the repository: a key made on demand (32 random
bytes) the first time a day is booked, and deleted when that day's personal data is
dropped, so the digests the log still holds for the day link to no number any more.
A table of its own in the accounts file, that this module alone reads and writes.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from pathlib import Path

_TABLE = """
CREATE TABLE IF NOT EXISTS appointment_day_keys (
    day        TEXT PRIMARY KEY,
    key        BLOB NOT NULL,
    created_at REAL NOT NULL
)
"""


class DayKeys:
    """The keys, on a connection of their own to the accounts file."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(Path(path), isolation_level=None, timeout=5.0)
        self._db.execute(_TABLE)
        self._cache: dict[str, bytes] = {}

    def close(self) -> None:
        self._db.close()

    def key(self, day: str) -> bytes:
        """The key of a day (ISO date), made on first use."""
        key = self._cache.get(day)
        if key is not None:
            return key
        self._db.execute(
            "INSERT OR IGNORE INTO appointment_day_keys(day, key, created_at) VALUES (?, ?, ?)",
            (day, secrets.token_bytes(32), time.time()),
        )
        row = self._db.execute(
            "SELECT key FROM appointment_day_keys WHERE day=?", (day,)
        ).fetchone()
        key = self._cache[day] = bytes(row[0])
        return key

    def drop_through(self, day: str) -> int:
        """Delete the keys of this day and of every day before it; how many went."""
        for kept in [d for d in self._cache if d <= day]:
            del self._cache[kept]
        cursor = self._db.execute("DELETE FROM appointment_day_keys WHERE day <= ?", (day,))
        return cursor.rowcount

    def days(self) -> list[str]:
        rows = self._db.execute("SELECT day FROM appointment_day_keys ORDER BY day").fetchall()
        return [row[0] for row in rows]
