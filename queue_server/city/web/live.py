"""The live view: one LISTEN connection for the whole service, websockets to browsers.

The read model's trigger notifies `city_centres` with a centre's id once per batch it
folded (migrations/0003).  The feed collects the ids it hears, reads those centres'
rows (`dashboard.centre_rows`) in one query and sends them to every browser watching:
no browser polls, and PostgreSQL is read once per change, not once per browser.
A lost LISTEN connection is opened again with backoff; when it is back every row is
sent again, since changes made meanwhile were not heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import msgspec
import psycopg
from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from ..dashboard import CentreRow, centre_rows
from . import accounts

log = logging.getLogger(__name__)

CHANNEL = "city_centres"
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 10.0
SESSION_CHECK_S = 1.0
"""How soon a feed whose session ran out is closed (one query for all the feeds)."""
_encode = msgspec.json.Encoder().encode


class Feed:
    """Hears PostgreSQL, tells the browsers.  `start` / `stop` with the app."""

    def __init__(self, dsn: str, pool: AsyncConnectionPool, today: Callable[[], date]) -> None:
        self.dsn, self.pool, self.today = dsn, pool, today
        self.sockets: dict[web.WebSocketResponse, str] = {}
        """Each browser's feed, and the session it came with (its cookie's token)."""
        self._changed: set[str] = set()
        self._everything = False
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()
        """Set while the LISTEN connection is up (tests wait on it)."""

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="city-listen"),
            asyncio.create_task(self._push(), name="city-push"),
            asyncio.create_task(self._watch_sessions(), name="city-sessions"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for socket in list(self.sockets):
            await socket.close()

    async def _listen(self) -> None:
        retry = FIRST_RETRY_S
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    retry = FIRST_RETRY_S
                    self._everything = True  # whatever changed while we were deaf
                    self._wake.set()
                    async for note in conn.notifies():
                        self._changed.add(note.payload)
                        self._wake.set()
            except psycopg.Error as exc:
                log.warning("city feed: LISTEN lost (%s); again in %.1f s", exc, retry)
            self.listening.clear()
            await asyncio.sleep(retry)
            retry = min(MAX_RETRY_S, retry * 2)

    async def _push(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            changed, everything = self._changed, self._everything
            self._changed, self._everything = set(), False
            if not self.sockets or not (changed or everything):
                continue
            try:
                rows = await self.rows(None if everything else sorted(changed))
            except psycopg.Error as exc:
                log.warning("city feed: rows not read (%s)", exc)
                continue
            await self.broadcast({"type": "rows", "rows": rows})

    async def rows(self, centres: list[str] | None = None) -> list[CentreRow]:
        async with self.pool.connection() as db:
            return await centre_rows(db, self.today(), centres=centres)

    async def broadcast(self, message: dict[str, Any]) -> None:
        data = _encode(message).decode()
        for socket in list(self.sockets):
            try:
                await socket.send_str(data)
            except (ConnectionError, RuntimeError):
                self.sockets.pop(socket, None)

    async def _watch_sessions(self) -> None:
        while True:
            await asyncio.sleep(SESSION_CHECK_S)
            try:
                await self.close_ended_sessions()
            except psycopg.Error as exc:
                log.warning("city feed: sessions not checked (%s)", exc)

    async def close_ended_sessions(self) -> None:
        """A browser's feed lasts as long as its session: logged out, run out or its
        account gone, the feed is closed (4401) and the page goes back to its login."""
        tokens = set(self.sockets.values())
        if not tokens:
            return
        async with self.pool.connection() as db:
            live = await accounts.live_sessions(db, tokens)
        for socket, token in list(self.sockets.items()):
            if token not in live:
                self.sockets.pop(socket, None)
                await socket.close(code=4401, message=b"the session has ended: log in again")
