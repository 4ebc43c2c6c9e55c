"""The city service on a free loopback port, over a real PostgreSQL, with its accounts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import psycopg
from aiohttp import web

from queue_server.city.web.accounts import CityRole, add_user
from queue_server.city.web.app import build_app
from queue_server.city.web.settings import CitySettings
from queue_server.city.web.socket import FEED
from queue_server.web.login_guard import LoginGuard

PASSWORD = "correct horse battery staple"
"""Test accounts only."""


@dataclass
class RunningCity:
    base: str
    app: web.Application


async def add_accounts(admin_dsn: str) -> None:
    """`boss` (city admin) and `watcher` (viewer)."""
    async with await psycopg.AsyncConnection.connect(admin_dsn, autocommit=True) as db:
        await add_user(db, "boss", CityRole.CITY_ADMIN, PASSWORD)
        await add_user(db, "watcher", CityRole.VIEWER, PASSWORD)


@asynccontextmanager
async def serve_city(
    dsn: str, settings: CitySettings | None = None, login_guard: LoginGuard | None = None
) -> AsyncIterator[RunningCity]:
    app = build_app(dsn, settings, login_guard)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with asyncio.timeout(10):
            await app[FEED].listening.wait()
        yield RunningCity(f"http://127.0.0.1:{port}", app)
    finally:
        await runner.cleanup()


async def logged_in(
    base: str, username: str, password: str = PASSWORD
) -> tuple[aiohttp.ClientSession, str]:
    """A client session logged in as `username`, and its CSRF token."""
    session = aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.post(
        "/api/v1/city/login", json={"username": username, "password": password}
    ) as response:
        assert response.status == 200, await response.text()
        csrf = (await response.json())["csrf"]
    return session, csrf
