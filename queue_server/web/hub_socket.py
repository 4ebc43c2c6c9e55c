"""`/ws` without aiohttp's per-request machinery: one small protocol object per connection.

Why: a hall display, a counter display or a citizen's phone stays connected all day and
mostly listens.  Served as an aiohttp handler, each one kept a request with its headers,
an HTTP parser, a reader queue, a task and the coroutine frames of every middleware
alive, ~16 KiB each (bench/fanout.py --tracemalloc).  Here a connection is a
`HubSocket`: the `websockets` library's sans-I/O protocol (handshake, frames, close) and
a few fields; no task, no timer per idle client.

How a connection gets here: the server's listening socket makes a `FrontDoor` per
connection, which reads the first bytes.  A request line `GET /ws` goes to a
`HubSocket`; anything else goes, with the bytes read so far, to aiohttp's own protocol,
which never knows the difference.  Browsers and the `websockets` client open a
websocket on a new connection; `/ws` asked on a connection already used for HTTP (a
reverse proxy's pooled upstream connection, say) is served through aiohttp by
`websocket` below: the same conversation, at aiohttp's cost in memory.

The conversation itself (hello, views, close codes) is web/ws.py's; heartbeats are one
task for all clients: every HEARTBEAT_S a ping frame, and a client that sent nothing
since the last one is cut (it resumes from its last seq when it comes back).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec
from aiohttp import WSMsgType, web
from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from devices.tasks import cancel_and_wait

from ..hub import Subscriber, text_frame
from .auth import PUBLIC, allow
from .ws import (
    HELLO_TIMEOUT_S,
    MAX_CLIENT_MESSAGE,
    Hello,
    Refused,
    parse_hello,
    parse_message,
    view_for,
)

if TYPE_CHECKING:
    from ..hub import Hub
    from .context import CentreContext

log = logging.getLogger(__name__)

HEARTBEAT_S = 20.0
CLOSE_WAIT_S = 2.0
"""How long a refused client has to answer our close frame before the connection is cut."""
FIRST_BYTES_S = 30.0
"""A connection that says nothing for this long after it opens is closed."""
WS_REQUEST_LINES = (b"GET /ws ", b"GET /ws?")
PING_FRAME = Frame(Opcode.PING, b"").serialize(mask=False, extensions=[])
PONG_FRAME = text_frame({"type": "pong"})


class HubSockets:
    """Every `/ws` connection of one server, and the heartbeat that keeps them honest."""

    def __init__(self, centre: CentreContext, hub: Hub) -> None:
        self.centre = centre
        self.hub = hub
        self.heartbeat_s = HEARTBEAT_S
        self.hello_timeout_s = HELLO_TIMEOUT_S
        self._sockets: set[HubSocket] = set()
        self._joining: set[asyncio.Task[None]] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self.closing = False
        """The server is stopping: connections still at the front door are closed."""

    def connection(self) -> HubSocket:
        """A protocol for a new `/ws` connection (the FrontDoor hands it the transport)."""
        return HubSocket(self)

    def __len__(self) -> int:
        """How many `/ws` clients are connected outside aiohttp."""
        return len(self._sockets)

    def opened(self, socket: HubSocket) -> None:
        self._sockets.add(socket)

    def closed(self, socket: HubSocket) -> None:
        self._sockets.discard(socket)

    def join_soon(
        self, socket: HubSocket, subscriber: Subscriber, hello: Hello, welcome: Any
    ) -> None:
        """Join once everything applied is committed: the snapshot must not show more."""
        task = asyncio.create_task(self._join(socket, subscriber, hello.last_seq, welcome))
        self._joining.add(task)
        task.add_done_callback(self._joining.discard)

    async def _join(
        self, socket: HubSocket, subscriber: Subscriber, last_seq: int | None, welcome: Any
    ) -> None:
        await self.centre.dispatcher.settled()
        if subscriber.transport.is_closing() or not socket.is_open():
            return  # gone, or refused meanwhile (the server is stopping)
        if self.hub.join(subscriber, last_seq, welcome):
            socket.subscriber = subscriber

    def start(self) -> None:
        self._heartbeat = asyncio.create_task(self._beat_forever(), name="websocket heartbeat")

    async def close_all(self) -> None:
        """The server stops: every client is told (1001) and will resume elsewhere or later."""
        self.closing = True
        await cancel_and_wait(self._heartbeat)
        for task in list(self._joining):
            await cancel_and_wait(task)
        for socket in list(self._sockets):
            socket.close(1001, "the server is stopping")

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            self.beat()

    def beat(self) -> None:
        """Cut who has been silent since the last ping; ping everyone else."""
        for socket in list(self._sockets):
            socket.heartbeat()


HUB_SOCKETS = web.AppKey("hub_sockets", HubSockets)


@allow(PUBLIC)  # authenticates itself in the hello
async def websocket(request: web.Request) -> web.WebSocketResponse:
    """`/ws` on a connection that served HTTP first, through aiohttp (see above)."""
    sockets = request.app[HUB_SOCKETS]
    ws = web.WebSocketResponse(
        heartbeat=sockets.heartbeat_s, compress=False, max_msg_size=MAX_CLIENT_MESSAGE
    )
    await ws.prepare(request)
    subscriber: Subscriber | None = None
    try:
        try:
            message = await asyncio.wait_for(ws.receive(), sockets.hello_timeout_s)
        except TimeoutError:
            raise Refused(4408, f"say hello within {sockets.hello_timeout_s:g} s") from None
        if message.type is not WSMsgType.TEXT:
            raise Refused(4400, "the first message must be a JSON hello")
        hello = parse_hello(message.data)
        view, welcome, name = view_for(sockets.centre, hello, request.cookies)
        if request.transport is None:
            return ws
        subscriber = Subscriber(request.transport, view, name, sockets.hub.max_buffer_bytes)
        await sockets.centre.dispatcher.settled()
        if not sockets.hub.join(subscriber, hello.last_seq, welcome):
            return ws
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                parse_message(message.data)
                subscriber.offer(PONG_FRAME)
            elif message.type is WSMsgType.BINARY:
                raise Refused(4400, "this endpoint speaks JSON text frames")
    except Refused as refused:
        if subscriber is not None:  # nothing more from the hub after the close frame
            sockets.hub.leave(subscriber)
            subscriber = None
        await ws.close(code=refused.code, message=refused.reason.encode()[:120])
    finally:
        if subscriber is not None:
            sockets.hub.leave(subscriber)
    return ws


class FrontDoor(asyncio.Protocol):
    """Reads the first bytes of a connection and hands it to the protocol that serves it."""

    def __init__(self, http: Callable[[], asyncio.BaseProtocol], sockets: HubSockets) -> None:
        self._http = http
        self._sockets = sockets
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._timer = asyncio.get_running_loop().call_later(FIRST_BYTES_S, transport.close)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        head = self._buffer[: len(WS_REQUEST_LINES[0])]
        if len(head) < len(WS_REQUEST_LINES[0]) and any(
            line.startswith(head) for line in WS_REQUEST_LINES
        ):
            return  # could still be `GET /ws`: wait for more
        self._hand_over(self._sockets.connection() if head in WS_REQUEST_LINES else self._http())

    def eof_received(self) -> bool | None:
        if self._transport is not None:
            self._transport.close()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _hand_over(self, protocol: asyncio.BaseProtocol) -> None:
        transport = self._transport
        assert transport is not None
        if self._sockets.closing:  # too late: the server is stopping
            transport.close()
            return
        assert isinstance(protocol, asyncio.Protocol)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        data, self._buffer = self._buffer, b""
        protocol.data_received(data)


class HubSocket(asyncio.Protocol):
    """One `/ws` client: handshake, hello, then the hub writes to its transport."""

    __slots__ = (
        "_closing_seen",
        "_cookies",
        "_protocol",
        "_sockets",
        "_timer",
        "_transport",
        "heard",
        "subscriber",
    )

    def __init__(self, sockets: HubSockets) -> None:
        self._sockets = sockets
        self._protocol = ServerProtocol(max_size=MAX_CLIENT_MESSAGE)
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._cookies: dict[str, str] | None = {}
        """The handshake's cookies until the hello is read (a staff console's session)."""
        self.subscriber: Subscriber | None = None
        self.heard = True
        """Anything received since the last heartbeat."""
        self._closing_seen = False

    # ------------------------------------------------------------------ asyncio

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._sockets.opened(self)
        timeout = self._sockets.hello_timeout_s
        self._timer = asyncio.get_running_loop().call_later(timeout, self._no_hello)

    def data_received(self, data: bytes) -> None:
        protocol = self._protocol
        protocol.receive_data(data)
        self.heard = True
        for event in protocol.events_received():
            if isinstance(event, Request):
                self._handshake(event)
            elif isinstance(event, Frame) and protocol.state is State.OPEN:
                self._on_frame(event)
        self._flush()

    def pause_writing(self) -> None:
        """The client does not read what we write (pongs to its pings, say): stop reading
        from it until it does, so it cannot make us buffer without bound."""
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    def eof_received(self) -> bool | None:
        self._protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._sockets.closed(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.subscriber is not None:
            self._sockets.hub.leave(self.subscriber)
            self.subscriber = None

    # ------------------------------------------------------------------ websocket

    def _handshake(self, request: Request) -> None:
        protocol = self._protocol
        if urlsplit(request.path).path != "/ws":
            response = _json_error(protocol.reject(404, "no such websocket endpoint: use /ws"))
        else:
            response = protocol.accept(request)
        if response.status_code == 101:
            self._cookies = _cookies(request.headers.get_all("Cookie"))
        else:
            response = _json_error(response)
        protocol.send_response(response)

    def _on_frame(self, frame: Frame) -> None:
        if frame.opcode is Opcode.BINARY:
            self.close(4400, "this endpoint speaks JSON text frames")
        elif frame.opcode is not Opcode.TEXT:
            return  # ping, pong and close are the protocol's own business
        elif self._cookies is not None:
            self._hello(frame.data)
        elif self.subscriber is not None:
            try:
                parse_message(frame.data)
            except Refused as refused:
                self.close(refused.code, refused.reason)
                return
            self.subscriber.offer(PONG_FRAME)
        # else: the hello is being handled; a client that does not wait is ignored

    def _hello(self, data: bytes | bytearray | memoryview) -> None:
        cookies, self._cookies = self._cookies or {}, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            hello = parse_hello(data)
            view, welcome, name = view_for(self._sockets.centre, hello, cookies)
        except Refused as refused:
            self.close(refused.code, refused.reason)
            return
        assert self._transport is not None
        subscriber = Subscriber(self._transport, view, name, self._sockets.hub.max_buffer_bytes)
        self._sockets.join_soon(self, subscriber, hello, welcome)

    def _no_hello(self) -> None:
        self._timer = None
        self.close(4408, f"say hello within {self._sockets.hello_timeout_s:g} s")

    def heartbeat(self) -> None:
        transport = self._transport
        state = self._protocol.state
        if transport is None or state is State.CONNECTING:
            return  # the hello timer sees to it
        if state is not State.OPEN:
            if self._closing_seen:
                transport.abort()  # a close that has not finished in a whole beat
            self._closing_seen = True
            return
        if not self.heard:
            log.info("websocket %s: silent since the last ping, cut", self._name())
            transport.abort()
            return
        self.heard = False
        transport.write(PING_FRAME)

    def close(self, code: int, reason: str) -> None:
        """Send a close frame; the client answers and the connection ends (or is cut).
        Nothing is sent after the close frame: the hub forgets this client first."""
        if self.subscriber is not None:
            self._sockets.hub.leave(self.subscriber)
            self.subscriber = None
        protocol = self._protocol
        if protocol.state is State.CONNECTING:
            self._end()  # no handshake yet: nothing to say it in
            return
        if protocol.state is State.OPEN:
            protocol.send_close(code, reason.encode()[:120].decode(errors="ignore"))
            self._flush()
        self._abort_later()

    def _flush(self) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        for data in self._protocol.data_to_send():
            if not data:  # the protocol is done with this connection
                self._end()
                return
            transport.write(data)
        if transport.get_write_buffer_size() > self._sockets.hub.max_buffer_bytes:
            log.info("websocket %s: does not read what it is sent, cut", self._name())
            transport.abort()

    def _end(self) -> None:
        """Close once what is written has gone; cut if the client does not take it."""
        if self._transport is not None:
            self._transport.close()
            self._abort_later()

    def _abort_later(self) -> None:
        transport = self._transport
        if transport is not None:
            asyncio.get_running_loop().call_later(CLOSE_WAIT_S, transport.abort)

    def is_open(self) -> bool:
        return self._protocol.state is State.OPEN

    def _name(self) -> str:
        return self.subscriber.name if self.subscriber is not None else "(no hello yet)"


def _json_error(response: Response) -> Response:
    """A refused handshake, said like every other error of the API: a JSON body."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return response
    code = "not_found" if response.status_code == 404 else "bad_websocket_handshake"
    message = response.body.decode(errors="replace").split("\n")[0]
    body = msgspec.json.encode({"error": {"code": code, "message": message}})
    headers = Headers(response.headers)
    del headers["Content-Type"]
    del headers["Content-Length"]
    headers["Content-Type"] = "application/json; charset=utf-8"
    headers["Content-Length"] = str(len(body))
    return dataclasses.replace(response, headers=headers, body=body)


def _cookies(headers: list[str]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for header in headers:
        parsed: SimpleCookie = SimpleCookie()
        try:
            parsed.load(header)
        except CookieError:
            continue
        cookies.update({name: morsel.value for name, morsel in parsed.items()})
    return cookies
