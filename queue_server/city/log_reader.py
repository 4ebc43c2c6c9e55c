"""Reads committed events from the centre's SQLite log on a connection of its own.

The log is the shipper's backlog: whatever PostgreSQL has not got yet is read again from
here, so the shipper keeps no queue of its own and loses nothing to a restart.  Read-only,
and called on a thread (`asyncio.to_thread`): reading never runs on the event loop.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from .rows import LogRow


class LogReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        return self._db

    def last_seq(self) -> int:
        """The log's last committed seq."""
        with self._lock:
            row = self._connection().execute("SELECT max(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def read(self, after_seq: int, limit: int) -> list[LogRow]:
        """Up to `limit` committed events with seq > after_seq, in order."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT seq, at, type, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after_seq, limit),
                )
                .fetchall()
            )
        return [LogRow(int(seq), float(at), str(kind), bytes(body)) for seq, at, kind, body in rows]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
