"""The log cut into business days, read on a connection of its own.

Reports read whole days while the server goes on committing: a read-only connection
(WAL lets it read beside the writer without blocking it) that any thread may own, so
the event loop never waits for a report.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..engine.events import DayOpened, Event, decode_event
from .eventlog import StoreError, check_log


class DayReader:
    """Which days `centre_id`'s log holds, and each day's events in order."""

    def __init__(self, path: str | Path, centre_id: str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(f"{self.path}: no event log here")
        try:
            self._db = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=5.0
            )
            check_log(self._db, self.path, centre_id)
            self._starts = self._day_starts()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot read the event log: {exc}") from exc
        except StoreError:
            self._db.close()
            raise

    def _day_starts(self) -> list[tuple[str, int]]:
        """(day, seq of its DayOpened), oldest first."""
        rows = self._db.execute(
            "SELECT seq, body FROM events WHERE type = 'DayOpened' ORDER BY seq"
        ).fetchall()
        starts: list[tuple[str, int]] = []
        for seq, body in rows:
            event = decode_event(body)
            assert isinstance(event, DayOpened)
            starts.append((event.day, int(seq)))
        return starts

    def days(self) -> list[str]:
        """The business days in the log, newest first, each once."""
        return list(dict.fromkeys(day for day, _ in reversed(self._starts)))

    def events_of(self, day: str) -> Iterator[Event]:
        """The day's events, from its opening to the next day's (its close included).  A
        day opened twice (the centre's time zone corrected in between) is read whole."""
        spans = [
            (first, self._starts[i + 1][1] if i + 1 < len(self._starts) else None)
            for i, (name, first) in enumerate(self._starts)
            if name == day
        ]
        if not spans:
            raise KeyError(day)
        for first, end in spans:
            sql = "SELECT body FROM events WHERE seq >= ?"
            params: tuple[int, ...] = (first,)
            if end is not None:
                sql += " AND seq < ?"
                params = (first, end)
            cursor = self._db.execute(sql + " ORDER BY seq", params)
            while batch := cursor.fetchmany(4096):
                for (body,) in batch:
                    yield decode_event(body)

    def close(self) -> None:
        self._db.close()
