"""The front door's one decision: which protocol serves a new connection, from its first
bytes, however they are split, and with nothing lost on the way."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from queue_server.web.doorkeeper import Doorkeeper
from queue_server.web.front_door import FrontDoor
from queue_server.web.hub_socket import HubSockets


class Recorder(asyncio.Protocol):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.data = b""
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.data += data


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.protocol: asyncio.BaseProtocol | None = None
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def is_closing(self) -> bool:
        return self.closed

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self.protocol is not None
        return self.protocol

    def close(self) -> None:
        self.closed = True


class Sockets:
    closing = False

    def connection(self) -> Recorder:
        return Recorder("ws")


def door() -> tuple[FrontDoor, Transport]:
    keeper = Doorkeeper(max_total=10, max_per_address=10)
    front = FrontDoor(lambda: Recorder("http"), cast(HubSockets, Sockets()), keeper, 10.0)
    transport = Transport()
    transport.set_protocol(front)
    front.connection_made(transport)
    return front, transport


HANDSHAKE = b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"


@pytest.mark.parametrize(
    ("chunks", "kind"),
    [
        ([HANDSHAKE], "ws"),
        ([b"GE", b"T /w", b"s?screen=1 HTTP/1.1\r\n\r\n"], "ws"),
        ([b"G", b"E", b"T", b" ", b"/", b"w", b"s", b" HTTP/1.1\r\n\r\n"], "ws"),
        ([b"GET /ws HTTP/1.1\r\nHost: x\r", b"\n", b"\r", b"\n"], "ws"),
        ([b"GET /wsx HTTP/1.1\r\n\r\n"], "http"),
        ([b"GET /ws/x HTTP/1.1\r\n\r\n"], "http"),
        ([b"POST /ws HTTP/1.1\r\n\r\n"], "http"),
        ([b"GET /api/v1/services HTTP/1.1\r\n\r\n"], "http"),
        ([b"\x16\x03\x01\x02\x00"], "http"),  # TLS to a plain port: aiohttp says 400
    ],
)
async def test_the_request_head_chooses_the_protocol(chunks: list[bytes], kind: str) -> None:
    """Handed over once the head is whole (or cannot be a request's), not before."""
    front, transport = door()
    for chunk in chunks:
        assert front.serving is None  # undecided until the head is complete
        front.data_received(chunk)
    assert transport.protocol is front  # the door stays, passing everything on
    chosen: Any = front.serving
    assert isinstance(chosen, Recorder)
    assert chosen.kind == kind
    assert chosen.transport is transport
    assert chosen.data == b"".join(chunks)  # nothing read is lost on the way


async def test_a_connection_that_ends_before_deciding_is_closed() -> None:
    front, transport = door()
    front.data_received(b"GET /")
    front.eof_received()
    assert transport.closed
    assert front.serving is None


class Caller:
    """A connection as the doorkeeper sees it."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.evicted = False

    def evict(self) -> None:
        self.evicted = True


def test_a_trusted_proxy_is_not_held_to_the_per_address_cap() -> None:
    """Behind a reverse proxy every client's connection comes from the proxy's address."""
    keeper = Doorkeeper(max_total=10, max_per_address=2, unlimited={"127.0.0.1"}.__contains__)
    proxied = [Caller("127.0.0.1") for _ in range(5)]
    assert [keeper.admit(c) for c in proxied] == [None] * 5
    for caller in proxied:
        keeper.decided(caller)
    others = [Caller("203.0.113.5") for _ in range(3)]
    for caller in others[:2]:
        assert keeper.admit(caller) is None
        keeper.decided(caller)
    assert keeper.admit(others[2]) == "address"  # anyone else still is
