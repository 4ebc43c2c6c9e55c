"""Who may keep a `/ws` connection: pages of the server's own site (or listed ones), and
identities that still hold; and how much a client that never reads may cost."""

from __future__ import annotations

import asyncio
import fcntl
import json
import socket
import sqlite3
import struct
import termios
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Close
from websockets.typing import Origin
from yarl import URL

from queue_server.accounts import AccountStore, Role
from queue_server.engine import commands as c
from queue_server.web.keys import HUB, HUB_SOCKETS
from tests.support.server import Api, RunningCentre, Token, serve_centre

from .test_ws import STAFF, call, hello, issue, next_of

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


async def closed_within_1s(ws: ClientConnection) -> Close:
    """Wait for the server to close this client (messages before it are skipped), at most
    1 s: the close it sent."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(1.0):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None, "cut without a close frame"
    return closed.value.rcvd


async def staff_socket(server: RunningCentre, api: Api, username: str) -> ClientConnection:
    await api.login(username, counter=4)
    cookie = api.session.cookie_jar.filter_cookies(URL(server.base))["qs_session"].value
    ws = await connect(server.ws_url, additional_headers={"Cookie": f"qs_session={cookie}"})
    await hello(ws, role="staff")
    return ws


async def test_a_revoked_token_closes_its_open_sockets_within_1s(server: RunningCentre) -> None:
    hall = await connect(server.ws_url)
    await hello(hall, role="display", token=server.tokens["hall"])
    other = await connect(server.ws_url)
    await hello(other, role="admin", token=server.tokens["admin"])
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
        async with http.get(server.base + "/healthz") as first:
            await first.read()
        carried = await http.ws_connect(server.base + "/ws")  # through aiohttp
        await carried.send_json(
            {"type": "hello", "protocol": 1, "role": "display", "token": server.tokens["hall"]}
        )
        assert (await carried.receive_json(timeout=5))["type"] == "welcome"
        async with Api(server.base, server.tokens["admin"]) as admin:
            status, _ = await admin.post("/api/v1/tokens/hall/revoke")
            assert status == 200
        close = await closed_within_1s(hall)
        assert (close.code, close.reason) == (4401, "this token has been revoked")
        async with asyncio.timeout(1.0):
            while (message := await carried.receive()).type is aiohttp.WSMsgType.TEXT:
                pass
        assert (message.type, message.data) == (aiohttp.WSMsgType.CLOSE, 4401)
    await other.send(json.dumps({"type": "ping"}))  # another identity: still served
    assert (await next_of(other, "pong"))["type"] == "pong"
    await other.close()


async def test_a_token_revoked_from_the_cli_closes_its_sockets_within_1s(
    server: RunningCentre,
) -> None:
    """`queue-server token revoke` writes the accounts file from another process: the
    same as another connection to it, here."""
    hall = await connect(server.ws_url)
    await hello(hall, role="display", token=server.tokens["hall"])
    elsewhere = AccountStore(server.centre.accounts.path)
    try:
        elsewhere.revoke_token("hall")
    finally:
        elsewhere.close()
    assert (await closed_within_1s(hall)).code == 4401


async def test_logging_out_closes_that_sessions_sockets_within_1s(server: RunningCentre) -> None:
    async with Api(server.base) as first, Api(server.base) as second:
        mine = await staff_socket(server, first, "lan")
        other_session = await staff_socket(server, second, "lan")
        status, _ = await first.post("/api/v1/logout")
        assert status == 204
        close = await closed_within_1s(mine)
        assert close.code == 4401 and "log in again" in close.reason
        await other_session.send(json.dumps({"type": "ping"}))  # the other login stays
        assert (await next_of(other_session, "pong"))["type"] == "pong"
        await other_session.close()


async def test_a_changed_password_closes_every_session_of_that_person_within_1s(
    server: RunningCentre,
) -> None:
    async with Api(server.base) as console:
        ws = await staff_socket(server, console, "lan")
        elsewhere = AccountStore(server.centre.accounts.path)  # `queue-server user passwd`
        try:
            elsewhere.set_password("lan", "another long passphrase here")
        finally:
            elsewhere.close()
        assert (await closed_within_1s(ws)).code == 4401


async def test_a_session_that_expires_closes_its_sockets_within_1s(
    server: RunningCentre,
) -> None:
    """A staff session lasts 12 hours: past that, its console's socket is closed too,
    though nobody logged out and the accounts file did not change when it ended."""
    async with Api(server.base) as console:
        ws = await staff_socket(server, console, "lan")
        with sqlite3.connect(server.centre.accounts.path) as db:  # a session near its end
            db.execute("UPDATE sessions SET expires_at = ?", (time.time() + 1.5,))
        await ws.send(json.dumps({"type": "ping"}))  # still good before its end
        assert (await next_of(ws, "pong"))["type"] == "pong"
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(2.5):
                while True:
                    await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def unsent_bytes(transport: asyncio.WriteTransport) -> int:
    """What the server holds for a client and has not had acknowledged: its own write
    buffer plus the kernel's send queue (SIOCOUTQ, the same ioctl as TIOCOUTQ)."""
    sock = transport.get_extra_info("socket")
    queued = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
    return int(transport.get_write_buffer_size()) + int(queued)


async def test_a_reader_that_never_reads_is_dropped_before_256_kib_unsent(
    server: RunningCentre,
) -> None:
    """The documented bound (README, firmware_notes/websocket-protocol.md) counts what the
    kernel holds too: before, the kernel's send buffer grew to megabytes first."""
    hub = server.app[HUB]
    assert hub.max_buffer_bytes == 256 * 1024
    await server.centre.dispatcher.execute(c.OpenCounter(counter=1), STAFF)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the client holds little
    sock.connect(("127.0.0.1", int(server.base.rsplit(":", 1)[1])))
    reader = await connect(server.ws_url, sock=sock, max_queue=1)
    await hello(reader, role="admin", token=server.tokens["admin"])
    [client] = list(server.app[HUB_SOCKETS]._sockets)
    transport = client._transport
    assert transport is not None
    reader.transport.pause_reading()  # from now on it never reads
    most = 0
    for _ in range(2000):
        for _ in range(5):  # the admin view gets the growing waiting list each time
            await issue(server, "HT")
        await call(server, 1)
        if hub.dropped_slow:
            break
        most = max(most, unsent_bytes(transport))
    assert hub.dropped_slow == 1, f"never dropped; {most:,} bytes unsent"
    assert most <= 256 * 1024, f"{most:,} bytes held for a client that does not read"
    reader.transport.abort()
