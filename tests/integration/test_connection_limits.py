"""Slow and greedy clients (Slowloris) cannot lock the kiosks and displays out.

Real connections to a real server: slow ones send part of a request head and nothing
more, from the kiosk's own address (phones behind the centre's NAT share it) or from
many (other loopback addresses: Linux routes all of 127.0.0.0/8 to this host)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from queue_server.accounts import Role
from queue_server.web.doorkeeper import DOORKEEPER
from tests.support.server import Api, RunningCentre, Token, serve_centre

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
PARTIAL_HEAD = b"GET /api/v1/services HTTP/1.1\r\nHost: centre\r\nX-Slow: "


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningCentre]:
    async with serve_centre(
        tmp_path,
        tokens={"kiosk": Token(Role.KIOSK)},
        security={
            "max_connections": 40,
            "max_connections_per_address": 20,
            "request_head_timeout_s": 0.5,
            "request_body_timeout_s": 0.5,
        },
    ) as running:
        yield running


def port_of(server: RunningCentre) -> int:
    return int(server.base.rsplit(":", 1)[1])


async def slow(server: RunningCentre, source: str = "127.0.0.1") -> Connection:
    """A connection that sends part of a request head, then nothing."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port_of(server), local_addr=(source, 0)
    )
    writer.write(PARTIAL_HEAD)
    await writer.drain()
    return reader, writer


async def ended(connection: Connection, timeout: float) -> bytes | None:
    """All the server sent until it closed the connection; None if still open after `timeout`."""
    reader, _ = connection
    try:
        async with asyncio.timeout(timeout):
            return await reader.read()
    except TimeoutError:
        return None
    except ConnectionError:
        return b""  # cut: given way to a newcomer


async def count_ended(connections: list[Connection], timeout: float) -> int:
    results = await asyncio.gather(*(ended(c, timeout) for c in connections))
    return sum(result is not None for result in results)


def close_all(connections: list[Connection]) -> None:
    for _, writer in connections:
        writer.transport.abort()


def error_of(response: bytes) -> dict[str, Any]:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"application/json" in head, head
    error: dict[str, Any] = json.loads(body)["error"]
    return error


async def issue_within_1s(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk"]) as kiosk:
        async with asyncio.timeout(1.0):
            status, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
    assert status == 201, ticket
    assert ticket["number"].startswith("A")


async def test_more_slow_connections_than_the_cap_from_the_kiosks_address(
    server: RunningCentre,
) -> None:
    """60 slow heads from the kiosk's own address, cap 20: the server holds 20, the oldest
    give way to newcomers, and the kiosk still issues a ticket within 1 s."""
    connections = [await slow(server) for _ in range(60)]
    assert await count_ended(connections[:40], 2.0) == 40  # each gave way to a newer one
    await issue_within_1s(server)
    assert len(server.app[DOORKEEPER]) <= 20
    close_all(connections)


async def test_more_slow_connections_than_the_total_cap_from_many_addresses(
    server: RunningCentre,
) -> None:
    connections = [await slow(server, f"127.0.0.{2 + i % 20}") for i in range(60)]
    assert await count_ended(connections[:20], 2.0) == 20  # 40 in all at most
    await issue_within_1s(server)
    assert len(server.app[DOORKEEPER]) <= 40
    close_all(connections)


async def test_a_request_head_that_does_not_come_in_time_is_answered_408(
    server: RunningCentre,
) -> None:
    connection = await slow(server)
    connection[1].write(b"a")  # a byte now and then does not buy more time
    response = await ended(connection, 5.0)
    assert response is not None, "still open long after the head timeout"
    assert response.startswith(b"HTTP/1.1 408 ")
    assert error_of(response)["code"] == "request_timeout"
    close_all([connection])


async def test_the_next_head_on_a_kept_alive_connection_is_bounded_too(
    server: RunningCentre,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: centre\r\n\r\n")
    async with asyncio.timeout(5):
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    writer.write(PARTIAL_HEAD)  # the second request never finishes its head
    assert await ended((reader, writer), 5.0) is not None, "held on after the head timeout"
    close_all([(reader, writer)])


async def test_a_body_that_does_not_come_in_time_is_answered_408(server: RunningCentre) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    writer.write(
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: centre\r\n"
        + f"Authorization: Bearer {server.tokens['kiosk']}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        + b'{"service": '
    )
    async with asyncio.timeout(5):
        head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), head
    close_all([(reader, writer)])


async def test_a_newcomer_is_refused_with_429_when_nobody_can_give_way(
    tmp_path: Path,
) -> None:
    """Connections already served are never evicted: past the cap a newcomer is told."""
    async with serve_centre(tmp_path, security={"max_connections_per_address": 2}) as server:
        served = []
        for _ in range(2):
            reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: centre\r\n\r\n")
            async with asyncio.timeout(5):
                await reader.readuntil(b"\r\n\r\n")
            served.append((reader, writer))
        refused = await slow(server)
        response = await ended(refused, 5.0)
        assert response is not None and response.startswith(b"HTTP/1.1 429 "), response
        assert error_of(response)["code"] == "too_many_connections"
        close_all([*served, refused])
