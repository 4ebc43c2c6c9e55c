"""The event log: every event the engine applied, in order, in one SQLite file.

The log is the truth.  State is rebuilt from it at start, reports read it, and
nothing is shown to anyone before its event is committed here.

WAL mode.  `durability = "process"` commits with synchronous=NORMAL: a commit
is in the OS before `append` returns, so it survives kill -9.  `"full"` adds an
fsync per commit (synchronous=FULL) so it survives power loss; the `ThreadCommitter`
runs those commits on a thread and batches whatever arrives meanwhile.  With
"process", commits run on the event loop, so WAL checkpoints run on a thread of their
own (store/checkpoint.py) rather than inside a commit; with "full" they stay in the
commits, which are on the group-commit thread already.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from ..engine.events import Event, decode_event, encode_event, event_type
from .checkpoint import Checkpointer
from .torn_write import WalAtStart, dropped_bytes, wal_at_start

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
"""1: events and meta.  2: the log may hold events release 1 cannot read (ServiceRated):
a log opened by this release is marked 2, so the release before refuses it with words
rather than failing on the first rating it replays."""
Durability = Literal["process", "full"]
Row = tuple[int, float, str, bytes]

_SCHEMA = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE events (
    seq  INTEGER PRIMARY KEY,
    at   REAL    NOT NULL,
    type TEXT    NOT NULL,
    body BLOB    NOT NULL
);
"""
_RESUME_POINTS = """
CREATE TABLE IF NOT EXISTS resume_points (
    seq  INTEGER PRIMARY KEY,
    body BLOB    NOT NULL
)
"""
"""Saved engine states (engine/resume.py): an optimisation beside the log, which servers
that do not know it ignore, so it needs no new schema version (a log stays usable by
the release before)."""
_DAY_STARTS = """
CREATE INDEX IF NOT EXISTS day_starts ON events(seq) WHERE type = 'DayOpened'
"""
"""Where each business day starts, for reports (store/days.py) to find a day without
scanning the log: one small entry a day, an optimisation like `resume_points`."""


class StoreError(RuntimeError):
    """The log cannot be opened or written; the message says why."""


def check_log(db: sqlite3.Connection, path: Path, centre_id: str) -> int:
    """The log's schema version, once it is known to be this centre's and not too new for
    this release (what anything reading a log checks first: the server, the reports)."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == 0:
        raise StoreError(f"{path}: not an event log (no schema)")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: log schema {version} is newer than this server knows "
            f"({SCHEMA_VERSION}); upgrade the server"
        )
    owner = db.execute("SELECT value FROM meta WHERE key='centre_id'").fetchone()
    if owner is None or owner[0] != centre_id:
        raise StoreError(
            f"{path}: this log belongs to centre {owner and owner[0]!r}, not {centre_id!r}"
        )
    return version


class EventLog:
    """Append-only, sequence-numbered events in SQLite.  Not thread-safe: one owner."""

    def __init__(
        self, path: str | Path, centre_id: str, durability: Durability = "process"
    ) -> None:
        self.path = Path(path)
        self.durability: Durability = durability
        self.path.parent.mkdir(parents=True, exist_ok=True)
        wal = wal_at_start(self.path)
        self.dropped_bytes = 0
        """Bytes of an unfinished write at the log's end (a power cut) dropped at start."""
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=5.0
            )
            self._configure()
            if wal.size:
                self.dropped_bytes = self._unfinished_write(wal)
            self._migrate(centre_id)
            row = self._db.execute("SELECT max(seq) FROM events").fetchone()
            self._db.execute(_RESUME_POINTS)
            self._db.execute(_DAY_STARTS)
            # A state saved past the log's end (its tail removed by hand) would one day
            # match seqs of another history: it goes.
            self._db.execute("DELETE FROM resume_points WHERE seq > ?", (row[0] or 0,))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the event log: {exc}") from exc
        self.last_seq: int = row[0] or 0
        self._checkpointer: Checkpointer | None = None
        if durability == "process":
            self._checkpointer = Checkpointer(self.path, self._synchronous)

    def _configure(self) -> None:
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            raise StoreError(f"{self.path}: the file system does not allow WAL mode ({mode})")
        self._synchronous = "FULL" if self.durability == "full" else "NORMAL"
        self._db.execute(f"PRAGMA synchronous={self._synchronous}")
        if self.durability == "process":
            self._db.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's thread does them

    def _unfinished_write(self, wal: WalAtStart) -> int:
        """How many bytes SQLite's recovery left out (torn_write.py); said once, here."""
        kept = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        dropped = dropped_bytes(wal, int(kept), int(page_size))
        if dropped:
            log.warning(
                "%s: the log ended in an unfinished write (a power cut or a crash in the "
                "middle of a commit): %d bytes dropped; every whole commit before it is kept",
                self.path,
                dropped,
            )
        return dropped

    def _migrate(self, centre_id: str) -> None:
        db = self._db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [("centre_id", centre_id), ("created_at", repr(time.time()))],
            )
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        if check_log(db, self.path, centre_id) < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")  # nothing to rewrite

    def append(self, events: Sequence[Event]) -> int:
        """Commit events as one transaction; returns the seq of the first.  All or nothing."""
        first, rows = self.number(events)
        try:
            self.write_rows(rows)
        except StoreError:
            self.last_seq = first - 1
            raise
        return first

    def number(self, events: Sequence[Event]) -> tuple[int, list[Row]]:
        """Give events their seqs and encode them as rows, ready to write."""
        first = self.last_seq + 1
        rows = [
            (first + i, event.at, event_type(event), encode_event(event))
            for i, event in enumerate(events)
        ]
        self.last_seq = first + len(rows) - 1
        return first, rows

    def write_rows(self, rows: Sequence[Row]) -> None:
        """Insert numbered rows in one transaction."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT INTO events(seq, at, type, body) VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: could not commit {len(rows)} events: {exc}") from exc
        if self._checkpointer is not None:
            self._checkpointer.committed()

    def read(self, after_seq: int = 0, limit: int | None = None) -> Iterator[tuple[int, Event]]:
        """Events with seq > after_seq, in order."""
        sql = "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq"
        params: tuple[int, ...] = (after_seq,)
        if limit is not None:
            sql += " LIMIT ?"
            params = (after_seq, limit)
        cursor = self._db.execute(sql, params)
        while batch := cursor.fetchmany(4096):
            for seq, body in batch:
                yield seq, decode_event(body)

    def resume_point(self) -> tuple[int, bytes] | None:
        """The latest saved engine state (`engine/resume.py`) and the seq it was taken at."""
        row = self._db.execute(
            "SELECT seq, body FROM resume_points ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def save_resume_point(self, seq: int, body: bytes) -> None:
        """Keep the engine's state as of `seq` in place of older ones.  Before the log is
        written to (at start): it shares the connection with the commits."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM resume_points")
                db.execute("INSERT INTO resume_points(seq, body) VALUES (?, ?)", (seq, body))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: could not save the state at seq {seq}: {exc}") from exc

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._db.close()
