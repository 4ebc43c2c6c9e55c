"""City accounts and their sessions, in the city's PostgreSQL (migrations/0004).

Two roles: a `city_admin` adds accounts; a `viewer` only looks.  Passwords are hashed
with the centre's Argon2id (accounts/passwords.py), on a thread: a hash takes a
noticeable fraction of a second on purpose.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Any

import msgspec
import psycopg

from ...accounts.passwords import hash_password, verify_password

SESSION_HOURS = 12


class CityRole(StrEnum):
    CITY_ADMIN = "city_admin"
    VIEWER = "viewer"


class CityUser(msgspec.Struct, frozen=True):
    username: str
    role: CityRole


class Session(msgspec.Struct, frozen=True):
    """Who a session is, and the token its changes must repeat (CSRF)."""

    username: str
    role: CityRole
    csrf: str


class UserExists(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_user(
    db: psycopg.AsyncConnection[Any], username: str, role: CityRole, password: str
) -> CityUser:
    """A new account; `WeakPassword` for a short password, `UserExists` for a taken name."""
    password_hash = await asyncio.to_thread(hash_password, password)
    cursor = await db.execute(
        "INSERT INTO city.users (username, role, password_hash) VALUES (%s, %s, %s)"
        " ON CONFLICT DO NOTHING",
        (username, role.value, password_hash),
    )
    if cursor.rowcount == 0:
        raise UserExists(f"the account {username!r} exists already")
    return CityUser(username, role)


async def users(db: psycopg.AsyncConnection[Any]) -> list[CityUser]:
    cursor = await db.execute("SELECT username, role FROM city.users ORDER BY username")
    return [CityUser(name, CityRole(role)) for name, role in await cursor.fetchall()]


async def log_in(
    db: psycopg.AsyncConnection[Any], username: str, password: str
) -> tuple[str, Session] | None:
    """A new session's token and what it is, or None for a wrong name or password (both
    cost the same time: an unknown name is checked against a dummy hash)."""
    cursor = await db.execute(
        "SELECT role, password_hash FROM city.users WHERE username = %s", (username,)
    )
    found = await cursor.fetchone()
    stored = None if found is None else str(found[1])
    if not await asyncio.to_thread(verify_password, stored, password) or found is None:
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await db.execute("DELETE FROM city.sessions WHERE expires_at < now()")
    await db.execute(
        "INSERT INTO city.sessions (session_hash, username, csrf, expires_at)"
        " VALUES (%s, %s, %s, now() + %s)",
        (_digest(token), username, csrf, timedelta(hours=SESSION_HOURS)),
    )
    return token, Session(username, CityRole(found[0]), csrf)


async def session_for(db: psycopg.AsyncConnection[Any], token: str) -> Session | None:
    cursor = await db.execute(
        "SELECT s.username, u.role, s.csrf FROM city.sessions s JOIN city.users u USING (username)"
        " WHERE s.session_hash = %s AND s.expires_at > now()",
        (_digest(token),),
    )
    found = await cursor.fetchone()
    return None if found is None else Session(found[0], CityRole(found[1]), found[2])


async def log_out(db: psycopg.AsyncConnection[Any], token: str) -> None:
    await db.execute("DELETE FROM city.sessions WHERE session_hash = %s", (_digest(token),))


async def live_sessions(db: psycopg.AsyncConnection[Any], tokens: set[str]) -> set[str]:
    """Which of these session tokens still hold (not logged out, not run out)."""
    digests = {_digest(token): token for token in tokens}
    cursor = await db.execute(
        "SELECT session_hash FROM city.sessions WHERE session_hash = ANY(%s) AND expires_at > now()",
        (list(digests),),
    )
    return {digests[row[0]] for row in await cursor.fetchall()}
