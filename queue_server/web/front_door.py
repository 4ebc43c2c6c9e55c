"""Where every connection starts: counted, given a deadline for its first request head,
then handed to the protocol that serves it (web/hub_socket.py explains why `/ws` goes
around aiohttp).

The door stays the transport's protocol for the connection's whole life, passing each
call on to the protocol that serves it: it must hear the connection end to count it
out (web/doorkeeper.py), whoever serves it.  It holds the bytes until the request head
is complete (or cannot be one), so a client that sends its head a byte at a time
(Slowloris) is still at the door: evictable, and closed with a 408 when its time is up.
After the first request, aiohttp's keep-alive timeout bounds the next heads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import msgspec

from .doorkeeper import Doorkeeper
from .hub_socket import HubSockets
from .throttled_log import ThrottledLog

log = logging.getLogger(__name__)

WS_REQUEST_LINES = (b"GET /ws ", b"GET /ws?")
MAX_HEAD_BYTES = 32 * 1024
"""A request head longer than this is refused at the door (431): aiohttp bounds each
field and their number, not the whole."""
MAX_REQUEST_LINE_BYTES = 8190
"""A request line longer than this is refused at the door (414); aiohttp's own bound on
the target (its `max_line_size`, the same number) is then never reached."""
HEAD_END = b"\r\n\r\n"
LINE_END = b"\r\n"
_throttled = ThrottledLog(log)


def _answer(status: int, reason: str, code: str, message: str) -> bytes:
    """A whole HTTP response with the API's JSON error body, closing the connection."""
    body = msgspec.json.encode({"error": {"code": code, "message": message}})
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
    )
    if status in (429, 503):
        head += "Retry-After: 5\r\n"
    return head.encode() + b"\r\n" + body


TOO_MANY_FROM_ADDRESS = _answer(
    429, "Too Many Requests", "too_many_connections", "too many connections from your address"
)
TOO_MANY = _answer(503, "Service Unavailable", "server_busy", "too many connections: try again")
TOO_SLOW = _answer(
    408, "Request Timeout", "request_timeout", "the request head did not come in time"
)
LINE_TOO_LONG = _answer(
    414,
    "URI Too Long",
    "uri_too_long",
    f"the request line is longer than {MAX_REQUEST_LINE_BYTES} bytes",
)
HEAD_TOO_LARGE = _answer(
    431,
    "Request Header Fields Too Large",
    "header_too_large",
    f"the request head is longer than {MAX_HEAD_BYTES} bytes",
)


def oversized(buffer: bytes, head_end: int) -> bytes | None:
    """The answer to a head the door refuses for its size, or None.  `head_end` is where
    the head's blank line starts (-1 while it has not come)."""
    line_end = buffer.find(LINE_END, 0, MAX_REQUEST_LINE_BYTES + len(LINE_END))
    if line_end < 0 and len(buffer) > MAX_REQUEST_LINE_BYTES:
        return LINE_TOO_LONG
    if head_end + len(HEAD_END) > MAX_HEAD_BYTES or (
        head_end < 0 and len(buffer) >= MAX_HEAD_BYTES
    ):
        return HEAD_TOO_LARGE
    return None


class FrontDoor(asyncio.Protocol):
    """Counts a connection in, reads its request head, hands it to the protocol that serves it."""

    __slots__ = (
        "_buffer",
        "_head_timeout_s",
        "_http",
        "_keeper",
        "_sockets",
        "_timer",
        "_transport",
        "address",
        "serving",
    )

    def __init__(
        self,
        http: Callable[[], asyncio.BaseProtocol],
        sockets: HubSockets,
        keeper: Doorkeeper,
        head_timeout_s: float,
    ) -> None:
        self._http = http
        self._sockets = sockets
        self._keeper = keeper
        self._head_timeout_s = head_timeout_s
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._timer: asyncio.TimerHandle | None = None
        self.address = ""
        self.serving: asyncio.Protocol | None = None
        """The protocol the connection was handed to; None while at the door."""

    # ------------------------------------------------------------------ at the door

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self.address = str(peer[0]) if peer else ""
        refused = self._keeper.admit(self)
        if refused is not None:
            _throttled.warning(
                "refused " + refused,
                "refusing connections: %s (%d open; [security] max_connections%s)",
                f"too many from {self.address}" if refused == "address" else "too many",
                len(self._keeper),
                "_per_address" if refused == "address" else "",
            )
            transport.write(TOO_MANY_FROM_ADDRESS if refused == "address" else TOO_MANY)
            transport.close()
            return
        self._timer = asyncio.get_running_loop().call_later(self._head_timeout_s, self._too_slow)

    def data_received(self, data: bytes) -> None:
        if self.serving is not None:
            self.serving.data_received(data)
            return
        if self._transport is None or self._transport.is_closing():
            return
        searched_from = max(len(self._buffer) - len(HEAD_END) + 1, 0)
        self._buffer += data
        buffer = self._buffer
        head_end = buffer.find(HEAD_END, searched_from)
        if not buffer[:1].isupper():  # cannot be a request line: aiohttp says why (400)
            self._hand_over(self._http())
            return
        if head_end >= 0 or len(buffer) > MAX_REQUEST_LINE_BYTES:
            refusal = oversized(buffer, head_end)
            if refusal is not None:
                self._refuse(refusal)
                return
        if head_end < 0:
            return  # the head is not complete yet
        head = buffer[: len(WS_REQUEST_LINES[0])]
        self._hand_over(self._sockets.connection() if head in WS_REQUEST_LINES else self._http())

    def _too_slow(self) -> None:
        self._timer = None
        transport = self._transport
        if transport is None or self.serving is not None or transport.is_closing():
            return
        _throttled.warning(
            "head timeout",
            "closed a connection from %s: no request head within %g s",
            self.address,
            self._head_timeout_s,
        )
        if self._buffer:  # something came: say why it is closed
            transport.write(TOO_SLOW)
        transport.close()

    def _refuse(self, answer: bytes) -> None:
        """Answer at the door and close: the head is refused before anyone parses it."""
        transport = self._transport
        assert transport is not None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._buffer = b""
        transport.write(answer)
        transport.close()

    def evict(self) -> None:
        """It waited longest for its head and the server is full: it gives way."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._transport is not None:
            self._transport.abort()

    def _hand_over(self, protocol: asyncio.BaseProtocol) -> None:
        transport = self._transport
        assert transport is not None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._sockets.closing:  # too late: the server is stopping
            transport.close()
            return
        assert isinstance(protocol, asyncio.Protocol)
        self._keeper.decided(self)
        self.serving = protocol
        protocol.connection_made(transport)
        data, self._buffer = self._buffer, b""
        protocol.data_received(data)

    # ------------------------------------------------------------------ passed on

    def eof_received(self) -> bool | None:
        if self.serving is not None:
            return self.serving.eof_received()
        if self._transport is not None:
            self._transport.close()
        return None

    def pause_writing(self) -> None:
        if self.serving is not None:
            self.serving.pause_writing()

    def resume_writing(self) -> None:
        if self.serving is not None:
            self.serving.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._keeper.left(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.serving is not None:
            self.serving.connection_lost(exc)
