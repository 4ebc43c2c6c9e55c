"""A real centre server on a free loopback port, with real accounts, for integration tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
from aiohttp import web

from queue_server.accounts import Role
from queue_server.app import Centre
from queue_server.config import CentreConfig, Durability
from queue_server.web.app import create_app
from queue_server.web.site import centre_runner, serve

from .centre import example_config

PASSWORD = "correct horse battery staple"
"""Test accounts only; never used outside the tests' temporary files."""


@dataclass
class Token:
    role: Role
    counter: int | None = None
    counters: list[int] = field(default_factory=list)


@dataclass
class RunningCentre:
    base: str
    centre: Centre
    app: web.Application
    tokens: dict[str, str]

    @property
    def ws_url(self) -> str:
        return self.base.replace("http", "ws", 1) + "/ws"


@asynccontextmanager
async def serve_centre(
    tmp_path: Path,
    *,
    durability: Durability = "process",
    people: Mapping[str, Role] | None = None,
    tokens: Mapping[str, Token] | None = None,
    config: CentreConfig | None = None,
    security: Mapping[str, Any] | None = None,
) -> AsyncIterator[RunningCentre]:
    """Serve the example centre; people all have PASSWORD; tokens are made by name."""
    config = config or example_config(tmp_path / "centre.sqlite3", durability)
    if security:
        config = msgspec.structs.replace(
            config, security=msgspec.structs.replace(config.security, **security)
        )
    centre = Centre(config)
    for username, role in (people or {}).items():
        centre.accounts.add_user(username, PASSWORD, role)
    made = {
        name: centre.accounts.create_token(t.role, name, t.counter, t.counters)
        for name, t in (tokens or {}).items()
    }
    app = create_app(centre)
    runner = centre_runner(app, access_log=None)
    port = await serve(runner, "127.0.0.1", 0)
    try:
        yield RunningCentre(f"http://127.0.0.1:{port}", centre, app, made)
    finally:
        await runner.cleanup()


class Api:
    """A small JSON client: bearer token or a logged-in session with its CSRF token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.token = token
        self.csrf: str | None = None
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()

    def _headers(self, method: str) -> dict[str, str]:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        return headers

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        all_headers = self._headers(method) | dict(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            all_headers["Content-Type"] = content_type
        async with self.session.request(
            method, self.base + path, data=data, headers=all_headers
        ) as response:
            raw = await response.read()
            kind = response.content_type
            payload: Any = raw  # audio and images stay bytes
            if not raw:
                payload = ""
            elif kind == "application/json":
                payload = json.loads(raw)
            elif kind.startswith("text/"):
                payload = raw.decode(response.charset or "utf-8")
            return response.status, payload

    async def get(self, path: str) -> tuple[int, Any]:
        return await self.request("GET", path)

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.request("POST", path, body)

    async def login(self, username: str, counter: int | None = None) -> dict[str, Any]:
        status, body = await self.post(
            "/api/v1/login", {"username": username, "password": PASSWORD, "counter": counter}
        )
        assert status == 200, body
        self.csrf = body["csrf_token"]
        result: dict[str, Any] = body
        return result
