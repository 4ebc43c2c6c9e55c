"""Who may keep a `/ws` connection: pages of the server's own site (or listed ones), and
identities that still hold; and how much a client that never reads may cost."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from queue_server.accounts import Role
from queue_server.web.keys import HUB
from tests.support.server import RunningCentre, Token, serve_centre

from .test_ws import hello

TOKENS = {"hall": Token(Role.DISPLAY), "admin": Token(Role.ADMIN)}


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningCentre]:
    async with serve_centre(
        tmp_path,
        tokens=TOKENS,
        people={"lan": Role.STAFF},
        security={"allowed_origins": ["https://intranet.example"]},
    ) as running:
        yield running


async def refused_origin(server: RunningCentre, origin: str) -> dict[str, Any]:
    """Open /ws as a page from `origin` would; the JSON error of the refusal."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(server.ws_url, origin=Origin(origin)):
            pass
    response = refused.value.response
    assert response.status_code == 403
    error: dict[str, Any] = json.loads(response.body)["error"]
    return error


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "https://127.0.0.1", "http://127.0.0.1:1", "null", "http://x/y"],
)
async def test_a_page_from_another_site_may_not_open_ws(server: RunningCentre, origin: str) -> None:
    error = await refused_origin(server, origin)
    assert error["code"] == "origin_not_allowed"
    assert "allowed_origins" in error["message"]
    assert server.app[HUB].clients() == {}


async def test_the_servers_own_pages_and_listed_sites_may(server: RunningCentre) -> None:
    own = server.base  # http://127.0.0.1:<port>: the page came from this server
    for origin in (own, own.upper(), "https://intranet.example", "https://INTRANET.example:443"):
        async with connect(server.ws_url, origin=Origin(origin)) as ws:
            await hello(ws, role="display", token=server.tokens["hall"])
    async with connect(server.ws_url) as ws:  # a program sends no Origin: its token decides
        await hello(ws, role="display", token=server.tokens["hall"])


async def test_the_origin_is_checked_on_a_connection_used_for_http_too(
    server: RunningCentre,
) -> None:
    """/ws asked on a connection that served HTTP first goes through aiohttp: same rule."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
        async with http.get(server.base + "/healthz") as first:
            await first.read()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(server.base + "/ws", origin="http://evil.example")
        assert refused.value.status == 403
        async with http.ws_connect(server.base + "/ws", origin=server.base) as ws:
            await ws.send_json(
                {"type": "hello", "protocol": 1, "role": "display", "token": server.tokens["hall"]}
            )
            assert (await ws.receive_json(timeout=5))["type"] == "welcome"
