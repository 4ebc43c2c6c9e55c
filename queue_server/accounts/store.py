"""Accounts, device tokens and staff sessions, in their own SQLite file.

Kept apart from the event log: the log is an append-only record of the queue,
while accounts are secrets that change and are revoked.  Passwords are stored
as Argon2id hashes.  Tokens and session ids are 256-bit random strings, so a
plain SHA-256 of them is enough to keep the stored form useless to a thief
(a slow KDF protects guessable secrets; these are not guessable).

The CLI adds users and tokens while the server runs; the server notices
through SQLite's `data_version` (looked at twice a second at most) and drops
its cache of looked-up tokens.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from .passwords import hash_password
from .principal import PERSON_ROLES, TOKEN_ROLES, Principal, Role

SCHEMA_VERSION = 3
SESSION_SECONDS = 12 * 3600
CACHE_RECHECK_S = 0.5
"""A token revoked from another process (the CLI) stops working within this."""
TOKEN_PREFIX = "qs_"  # noqa: S105 (a visible prefix, not a secret)

_SCHEMA = """
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL
);
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    counter    INTEGER,
    counters   TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    revoked_at REAL
);
CREATE TABLE sessions (
    session_hash TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users(username),
    counter      INTEGER,
    csrf         TEXT NOT NULL,
    created_at   REAL NOT NULL,
    expires_at   REAL NOT NULL
);
"""
_MIGRATIONS = {
    # Version 2 made the radio buttons' table, which queue_server/integrations/rf433/
    # bindings.py now owns (and makes itself in a file that lacks it).
    2: """
CREATE TABLE rf_buttons (
    code       TEXT PRIMARY KEY,
    counter    INTEGER NOT NULL,
    key        TEXT NOT NULL,
    created_at REAL NOT NULL
);
""",
    # Version 3: the counters a person may work at (empty: any).
    3: """
ALTER TABLE users ADD COLUMN counters TEXT NOT NULL DEFAULT '[]';
""",
}
"""Schema version -> the statements that bring the version before it up to it."""


class AccountError(ValueError):
    """An account operation that cannot be done; the message says why."""


class User(msgspec.Struct, frozen=True):
    username: str
    display_name: str
    role: Role
    password_hash: str
    disabled: bool
    counters: tuple[int, ...] = ()
    """The counters this person may work at; empty: any (a supervisor's are ignored)."""

    def may_work_at(self, counter: int) -> bool:
        return self.role is not Role.STAFF or not self.counters or counter in self.counters


def _user(row: Sequence[Any]) -> User:
    return User(row[0], row[1], Role(row[2]), row[3], bool(row[4]), tuple(json.loads(row[5])))


class TokenInfo(msgspec.Struct, frozen=True):
    name: str
    role: Role
    counter: int | None
    counters: list[int]
    created_at: float
    revoked: bool


def _digest(secret: str) -> str:
    # A header with bytes that are not UTF-8 arrives with lone surrogates: it digests to
    # nothing known (and is refused), rather than failing to encode.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class AccountStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise AccountError(f"{self.path}: cannot open the accounts file: {exc}") from exc
        self._cache: dict[str, Principal | None] = {}
        self._cache_version = self._data_version()
        self._recheck_at = 0.0
        self._ended = 0
        self._next_expiry: float | None = None
        """When the first live session ends (epoch seconds); None: to be looked up."""
        """Counts the writes that may have ended a credential (see `credentials_version`)."""

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise AccountError(f"{self.path}: accounts schema {version} is newer than this server")
        if version == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        scripts = [_SCHEMA] if version == 0 else []
        scripts += [_MIGRATIONS[v] for v in range(max(version, 1) + 1, SCHEMA_VERSION + 1)]
        for script in scripts:
            for statement in script.split(";"):
                if statement.strip():
                    self._db.execute(statement)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ users

    def add_user(
        self,
        username: str,
        password: str,
        role: Role,
        display_name: str = "",
        counters: Sequence[int] = (),
    ) -> None:
        if role not in PERSON_ROLES:
            raise AccountError(f"people are admin, supervisor, staff or volunteer, not {role}")
        if (
            not username
            or not username.replace(".", "").replace("_", "").replace("-", "").isalnum()
        ):
            raise AccountError("a username is letters, digits, '.', '_' or '-'")
        password_hash = hash_password(password)
        try:
            self._db.execute(
                "INSERT INTO users(username, display_name, role, password_hash, created_at,"
                " counters) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    username,
                    display_name or username,
                    role.value,
                    password_hash,
                    time.time(),
                    json.dumps(sorted(set(counters))),
                ),
            )
        except sqlite3.IntegrityError:
            raise AccountError(f"user {username!r} already exists") from None

    def set_password(self, username: str, password: str) -> None:
        cursor = self._db.execute(
            "UPDATE users SET password_hash=? WHERE username=?", (hash_password(password), username)
        )
        if cursor.rowcount == 0:
            raise AccountError(f"no user {username!r}")
        self._db.execute("DELETE FROM sessions WHERE username=?", (username,))
        self._ended += 1

    def disable_user(self, username: str) -> None:
        cursor = self._db.execute("UPDATE users SET disabled=1 WHERE username=?", (username,))
        if cursor.rowcount == 0:
            raise AccountError(f"no user {username!r}")
        self._db.execute("DELETE FROM sessions WHERE username=?", (username,))
        self._ended += 1

    def user(self, username: str) -> User | None:
        row = self._db.execute(
            "SELECT username, display_name, role, password_hash, disabled, counters"
            " FROM users WHERE username=?",
            (username,),
        ).fetchone()
        if row is None:
            return None
        return _user(row)

    def users(self) -> list[User]:
        rows = self._db.execute(
            "SELECT username, display_name, role, password_hash, disabled, counters"
            " FROM users ORDER BY username"
        ).fetchall()
        return [_user(r) for r in rows]

    # ------------------------------------------------------------------ tokens

    def create_token(
        self,
        role: Role,
        name: str,
        counter: int | None = None,
        counters: list[int] | None = None,
    ) -> str:
        """Make a bearer token; returns it in clear, the only time it exists in clear."""
        if role not in TOKEN_ROLES:
            raise AccountError(
                f"tokens are for kiosk, display, device, partner, assistant or admin, not {role}"
            )
        if not name:
            raise AccountError("a token needs a name (which kiosk or display it is for)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            self._db.execute(
                "INSERT INTO tokens(token_hash, name, role, counter, counters, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _digest(token),
                    name,
                    role.value,
                    counter,
                    json.dumps(counters or []),
                    time.time(),
                ),
            )
        except sqlite3.IntegrityError:
            raise AccountError(f"a token named {name!r} already exists") from None
        return token

    def revoke_token(self, name: str) -> None:
        cursor = self._db.execute(
            "UPDATE tokens SET revoked_at=? WHERE name=? AND revoked_at IS NULL",
            (time.time(), name),
        )
        if cursor.rowcount == 0:
            raise AccountError(f"no active token named {name!r}")
        self._cache.clear()  # our own writes do not move data_version
        self._ended += 1

    def tokens(self) -> list[TokenInfo]:
        rows = self._db.execute(
            "SELECT name, role, counter, counters, created_at, revoked_at FROM tokens ORDER BY name"
        ).fetchall()
        return [
            TokenInfo(r[0], Role(r[1]), r[2], json.loads(r[3]), r[4], r[5] is not None)
            for r in rows
        ]

    def principal_for_token(self, token: str) -> Principal | None:
        """The principal a bearer token stands for; cached until the accounts file changes."""
        self._refresh_cache()
        if token in self._cache:
            return self._cache[token]
        row = self._db.execute(
            "SELECT name, role, counter, counters FROM tokens WHERE token_hash=? AND revoked_at IS NULL",
            (_digest(token),),
        ).fetchone()
        principal = None
        if row is not None:
            principal = Principal(
                Role(row[1]), row[0], counter=row[2], counters=tuple(json.loads(row[3]))
            )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token] = principal
        return principal

    # ------------------------------------------------------------------ sessions

    def create_session(self, user: User, counter: int | None) -> tuple[str, str]:
        """A new staff session; returns (session id for the cookie, CSRF token)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        now = time.time()
        self._db.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        self._db.execute(
            "INSERT INTO sessions(session_hash, username, counter, csrf, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (_digest(session_id), user.username, counter, csrf, now, now + SESSION_SECONDS),
        )
        self._next_expiry = None
        return session_id, csrf

    def principal_for_session(self, session_id: str) -> Principal | None:
        row = self._db.execute(
            "SELECT u.username, u.role, s.counter, s.csrf FROM sessions s"
            " JOIN users u ON u.username = s.username"
            " WHERE s.session_hash=? AND s.expires_at > ? AND u.disabled = 0",
            (_digest(session_id), time.time()),
        ).fetchone()
        if row is None:
            return None
        return Principal(Role(row[1]), row[0], counter=row[2], session=session_id, csrf=row[3])

    def signed_in_at(self, counter: int, username: str) -> bool:
        """Whether this person still has a live session at this counter (one that has not
        run its 12 hours, logged out, or lost its account): else they no longer hold it."""
        row = self._db.execute(
            "SELECT 1 FROM sessions s JOIN users u ON u.username = s.username"
            " WHERE s.counter=? AND s.username=? AND s.expires_at > ? AND u.disabled = 0"
            " LIMIT 1",
            (counter, username, time.time()),
        ).fetchone()
        return row is not None

    def people_at(self, counter: int, besides: str = "") -> list[str]:
        """Who else is logged in at a counter (display names, first logged in first): a
        second person there is warned, and supervisors see who holds each counter."""
        rows = self._db.execute(
            "SELECT DISTINCT u.display_name FROM sessions s"
            " JOIN users u ON u.username = s.username"
            " WHERE s.counter=? AND s.username<>? AND s.expires_at > ? AND u.disabled = 0"
            " ORDER BY s.created_at",
            (counter, besides, time.time()),
        ).fetchall()
        return [row[0] for row in rows]

    def end_session(self, session_id: str) -> None:
        self._db.execute("DELETE FROM sessions WHERE session_hash=?", (_digest(session_id),))
        self._ended += 1

    # ------------------------------------------------------------------ cache

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def credentials_version(self) -> int:
        """A number that moves whenever a token, a session or a password may have ended,
        here or in another process (the CLI): open connections' credentials are checked
        again when it does.  Looks at the file at once (a cheap PRAGMA)."""
        self._notice_other_writers()
        self._notice_expired_sessions()
        return self._ended

    def _notice_expired_sessions(self) -> None:
        """A session that reaches its end ends a credential too, though nothing was
        written: move the version then, so its sockets close within a check."""
        now = time.time()
        if self._next_expiry is None:
            row = self._db.execute(
                "SELECT min(expires_at) FROM sessions WHERE expires_at > ?", (now,)
            ).fetchone()
            self._next_expiry = float("inf") if row[0] is None else float(row[0])
        if now >= self._next_expiry:
            self._next_expiry = None
            self._ended += 1

    def _refresh_cache(self) -> None:
        """Another process (the CLI) may have revoked a token: look at most twice a second."""
        now = time.monotonic()
        if now < self._recheck_at:
            return
        self._recheck_at = now + CACHE_RECHECK_S
        self._notice_other_writers()

    def _notice_other_writers(self) -> None:
        version = self._data_version()
        if version != self._cache_version:
            self._cache.clear()
            self._cache_version = version
            self._ended += 1
            self._next_expiry = None
