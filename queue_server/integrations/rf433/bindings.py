"""Which radio button means which key at which counter: the centre's runtime data.

Kept in the accounts file beside tokens (both are what an admin sets up on the spot,
not what the config file says), in a table of its own that this module alone reads
and writes.  Accounts files made before this module existed already hold the table
(the accounts store's schema version 2 created it); new ones get it here.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import msgspec

_TABLE = """
CREATE TABLE IF NOT EXISTS rf_buttons (
    code       TEXT PRIMARY KEY,
    counter    INTEGER NOT NULL,
    key        TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


class RfButton(msgspec.Struct, frozen=True):
    """A radio call button: its 24-bit code (hex) pressed means `key` at `counter`."""

    code: str
    counter: int
    key: str
    created_at: float


class RfBindings:
    """The bindings, on a connection of their own to the accounts file."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(Path(path), isolation_level=None, timeout=5.0)
        self._db.execute(_TABLE)

    def close(self) -> None:
        self._db.close()

    def bind(self, code: str, counter: int, key: str) -> RfButton:
        """Bind a 433 MHz button's code to a key at a counter (replacing an older binding)."""
        code = code.upper()
        now = time.time()
        self._db.execute(
            "INSERT INTO rf_buttons(code, counter, key, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(code) DO UPDATE SET counter=excluded.counter, key=excluded.key,"
            " created_at=excluded.created_at",
            (code, counter, key, now),
        )
        return RfButton(code, counter, key, now)

    def unbind(self, code: str) -> bool:
        cursor = self._db.execute("DELETE FROM rf_buttons WHERE code=?", (code.upper(),))
        return cursor.rowcount > 0

    def button(self, code: str) -> RfButton | None:
        row = self._db.execute(
            "SELECT code, counter, key, created_at FROM rf_buttons WHERE code=?", (code.upper(),)
        ).fetchone()
        return None if row is None else RfButton(*row)

    def buttons(self) -> list[RfButton]:
        rows = self._db.execute(
            "SELECT code, counter, key, created_at FROM rf_buttons ORDER BY counter, key, code"
        ).fetchall()
        return [RfButton(*row) for row in rows]
