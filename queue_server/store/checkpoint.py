"""WAL checkpoints on a thread of their own, so that no commit on the event loop pays one
(durability "process", whose commits run on the loop).

In WAL mode a commit appends pages to the -wal file; a checkpoint copies them back into
the database file.  SQLite's automatic checkpoint runs inside the commit that takes the
WAL past 1,000 pages: with one page per small commit, one commit in about a thousand
copied ~4 MB and synced it, stalling the event loop for 5 to 17 ms on our machine
(bench/RESULTS.md, "Before/after").  So the log's own connection has automatic
checkpoints off, and this thread, on its own connection, runs a PASSIVE checkpoint
once 1,000 commits wait (or a second went by with any), at the first quiet moment: no
commit for 20 ms.  A checkpoint copies and syncs while commits go on, and commits that
meet it are slower (the file system's journal), so it waits for a gap, which a centre
has plenty of; under load without gaps it goes ahead at 10,000 commits.  PASSIVE never
waits for the writer and the writer never waits for it; the checkpoint syncs what it
copies as the log's durability says (NORMAL or FULL), and a crash in the middle of one
loses nothing: the WAL still holds every committed page until it is reused.  The price:
a commit costs ~3 us more at the median (the WAL is reset less often).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

EVERY_COMMITS = 1000
IDLE_S = 1.0
QUIET_S = 0.02
FORCE_COMMITS = 10_000


class Checkpointer:
    def __init__(self, path: Path, synchronous: str) -> None:
        self._path = path
        self._synchronous = synchronous
        self._commits = 0
        self._last_commit = 0.0
        """Both written only by the log's owner (loop or commit thread)."""
        self._checkpointed = 0
        """The commit count the last checkpoint covered; written only by this thread."""
        self.checkpoints = 0
        self._wake = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """The log committed a transaction (cheap: a counter, and a wake-up now and then)."""
        self._commits += 1
        self._last_commit = time.monotonic()
        if self._commits - self._checkpointed >= EVERY_COMMITS:
            self._wake.set()

    def close(self) -> None:
        self._closing = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self._path, isolation_level=None, timeout=5.0)
            db.execute(f"PRAGMA synchronous={self._synchronous}")
        except sqlite3.Error as exc:
            log.error("%s: no WAL checkpoints (cannot open a connection): %s", self._path, exc)
            return
        try:
            while not self._closing:
                self._wake.wait(IDLE_S)
                self._wake.clear()
                if self._commits != self._checkpointed and self._quiet_moment():
                    self._checkpoint(db)
        finally:
            db.close()

    def _quiet_moment(self) -> bool:
        """Wait for QUIET_S without a commit (or FORCE_COMMITS waiting); False: closing."""
        while not self._closing:
            quiet = time.monotonic() - self._last_commit
            if quiet >= QUIET_S or self._commits - self._checkpointed >= FORCE_COMMITS:
                return True
            time.sleep(QUIET_S - quiet)
        return False

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        covered = self._commits
        try:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            log.warning("%s: WAL checkpoint failed: %s", self._path, exc)
        self._checkpointed = covered
        self.checkpoints += 1
