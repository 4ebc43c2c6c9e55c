"""`/ws` without aiohttp's per-request machinery: one small protocol object per connection.

Why: a hall display, a counter display or a citizen's phone stays connected all day and
mostly listens.  Served as an aiohttp handler, each one kept a request with its headers,
an HTTP parser, a reader queue, a task and the coroutine frames of every middleware
alive, ~16 KiB each (bench/fanout.py --tracemalloc).  Here a connection is a
`HubSocket`: the `websockets` library's sans-I/O protocol (handshake, frames, close) and
a few fields; no task, no timer per idle client.

How a connection gets here: the server's listening socket makes a `FrontDoor` per
connection (web/front_door.py), which reads the request head.  A request line `GET /ws` goes to a
`HubSocket`; anything else goes, with the bytes read so far, to aiohttp's own protocol,
which never knows the difference.  Browsers and the `websockets` client open a
websocket on a new connection; `/ws` asked on a connection already used for HTTP (a
reverse proxy's pooled upstream connection, say) is served through aiohttp by
`websocket` below: the same conversation, at aiohttp's cost in memory.

The conversation itself (hello, views, close codes) is live/conversation.py's, the same
object for both carriers: they feed it what the client said and the time, and do what
it decides.  This module is the transport: it also makes the hub's frames
(`text_frame`, the encoder the hub is given).  Heartbeats are one task for all clients: every HEARTBEAT_S a ping frame, and a client that sent nothing
since the last one is cut (it resumes from its last seq when it comes back).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

import msgspec
from aiohttp import WSMsgType, web
from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from devices.sockets import cap_send_buffer
from devices.tasks import cancel_and_wait

from ..live.conversation import (
    HELLO_TIMEOUT_S,
    MAX_CLIENT_MESSAGE,
    Close,
    Conversation,
    Decision,
    Directory,
    Join,
    Reply,
)
from ..live.fanout import Hub, Subscriber
from ..live.messages import PONG
from .auth import PUBLIC, SESSION_COOKIE, allow
from .client import TrustedProxies, client_address
from .errors import ApiError
from .origins import normal_origin, origin_allowed

log = logging.getLogger(__name__)

HEARTBEAT_S = 20.0
CREDENTIALS_CHECK_S = 0.25
"""How often the accounts are asked whether a credential ended (a cheap PRAGMA): a revoked
token, a logout or a changed password closes that identity's connections within this."""
CLOSE_WAIT_S = 2.0
"""How long a refused client has to answer our close frame before the connection is cut."""
KERNEL_SHARE = 8
"""The kernel may hold 1/KERNEL_SHARE of a client's bound (Linux: twice the SO_SNDBUF
asked, so 1/8 asked): 64 KiB of 256, plenty for messages of a few KiB on a LAN."""


def own_share(transport: asyncio.BaseTransport, bound: int) -> int:
    """Cap the kernel's send buffer for a `/ws` client and return what our own write buffer
    may hold, so that both together stay within `bound` (the hub's `max_buffer_bytes`).

    Why: the kernel's send buffer grows by itself up to megabytes (tcp_wmem), so a client
    that never read was dropped at ~3 MB, not at the documented 256 KiB."""
    return max(bound - cap_send_buffer(transport, max(bound // KERNEL_SHARE, 1)), 0)


PING_FRAME = Frame(Opcode.PING, b"").serialize(mask=False, extensions=[])

_encode = msgspec.json.Encoder().encode


def text_frame(message: msgspec.Struct) -> bytes:
    """A whole websocket text frame, ready to write to any client's transport."""
    return Frame(Opcode.TEXT, _encode(message)).serialize(mask=False, extensions=[])


PONG_FRAME = text_frame(PONG)


def reply_frame(reply: Reply) -> bytes:
    """The frame that carries the conversation's reply (a pong, framed once for all)."""
    return PONG_FRAME if reply.message is PONG else text_frame(reply.message)


class HubSockets:
    """Every `/ws` connection of one server, and the heartbeat that keeps them honest."""

    def __init__(
        self,
        hub: Hub,
        directory: Directory,
        settled: Callable[[], Awaitable[None]],
        allowed_origins: Iterable[str] = (),
        proxies: TrustedProxies | None = None,
    ) -> None:
        self.hub = hub
        self.proxies = proxies or TrustedProxies()
        """Whose X-Forwarded-For names the client (web/client.py)."""
        self.allowed_origins = frozenset(
            normal for origin in allowed_origins if (normal := normal_origin(origin))
        )
        """Other sites whose pages may open `/ws` (web/origins.py); the server's own may."""
        self.directory = directory
        """Who a client is and what it may see (the conversation asks)."""
        self.settled = settled
        """Returns once everything applied is committed (`Dispatcher.settled`)."""
        self.heartbeat_s = HEARTBEAT_S
        self.hello_timeout_s = HELLO_TIMEOUT_S
        self._sockets: set[HubSocket] = set()
        self._carried: dict[Conversation, Callable[[Close], None]] = {}
        """Conversations aiohttp carries (`websocket` below), and how to close each."""
        self._joining: set[asyncio.Task[None]] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._credentials_watch: asyncio.Task[None] | None = None
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

    def refuses_origin(self, origin: str | None, host: str | None) -> str | None:
        """Why a browser page from `origin` may not open `/ws` here; None if it may."""
        if origin_allowed(origin, host, self.allowed_origins):
            return None
        return (
            f"a page from {origin} may not open /ws here: "
            "list its origin in [security] allowed_origins"
        )

    def conversation(self, session: str | None = None) -> Conversation:
        """A new client's conversation, its hello due from now."""
        now = asyncio.get_running_loop().time()
        return Conversation(self.directory, now, self.hello_timeout_s, session)

    def join_soon(self, socket: HubSocket, subscriber: Subscriber, join: Join) -> None:
        """Join once everything applied is committed: the snapshot must not show more."""
        task = asyncio.create_task(self._join(socket, subscriber, join))
        self._joining.add(task)
        task.add_done_callback(self._joining.discard)

    async def _join(self, socket: HubSocket, subscriber: Subscriber, join: Join) -> None:
        await self.settled()
        if subscriber.transport.is_closing() or not socket.is_open():
            return  # gone, or refused meanwhile (the server is stopping)
        if self.hub.join(subscriber, join.last_seq, join.welcome):
            socket.joined(subscriber)

    def start(self) -> None:
        self._heartbeat = asyncio.create_task(self._beat_forever(), name="websocket heartbeat")
        self._credentials_watch = asyncio.create_task(
            self._watch_credentials(), name="websocket credentials"
        )

    def carried(self, conversation: Conversation, close: Callable[[Close], None]) -> None:
        """aiohttp carries this conversation: `close` ends it if its credential ends."""
        self._carried[conversation] = close

    def uncarried(self, conversation: Conversation) -> None:
        self._carried.pop(conversation, None)

    async def _watch_credentials(self) -> None:
        seen = self.directory.credentials_version()
        while True:
            await asyncio.sleep(CREDENTIALS_CHECK_S)
            version = self.directory.credentials_version()
            if version != seen:
                seen = version
                self.recheck_credentials()

    def recheck_credentials(self) -> None:
        """Close every client whose token, session or password no longer holds (4401)."""
        for socket in list(self._sockets):
            socket.recheck()
        for conversation, close in list(self._carried.items()):
            decision = conversation.recheck()
            if isinstance(decision, Close):
                close(decision)

    async def close_all(self) -> None:
        """The server stops: every client is told (1001) and will resume elsewhere or later."""
        self.closing = True
        await cancel_and_wait(self._heartbeat)
        await cancel_and_wait(self._credentials_watch)
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
    refusal = sockets.refuses_origin(request.headers.get("Origin"), request.host)
    if refusal is not None:
        raise ApiError(403, "origin_not_allowed", refusal)
    ws = web.WebSocketResponse(
        heartbeat=sockets.heartbeat_s, compress=False, max_msg_size=MAX_CLIENT_MESSAGE
    )
    await ws.prepare(request)
    transport = request.transport
    if transport is None:
        return ws  # gone already
    max_buffer = own_share(transport, sockets.hub.max_buffer_bytes)
    loop = asyncio.get_running_loop()
    conversation = sockets.conversation(request.cookies.get(SESSION_COOKIE))
    conversation.client = client_address(request)
    subscriber: Subscriber | None = None
    closing: list[asyncio.Task[bool]] = []

    def revoked(decision: Close) -> None:
        """The credential ended: nothing more from the hub, then the close frame."""
        nonlocal subscriber
        if subscriber is not None:
            sockets.hub.leave(subscriber)
            subscriber = None
        message = decision.reason.encode()[:120]
        closing.append(asyncio.create_task(ws.close(code=decision.code, message=message)))

    sockets.carried(conversation, revoked)
    try:
        while True:
            deadline = conversation.deadline
            try:
                message = await asyncio.wait_for(
                    ws.receive(), None if deadline is None else max(0.0, deadline - loop.time())
                )
            except TimeoutError:
                decision: Decision = conversation.tick(loop.time())
            else:
                if message.type is WSMsgType.TEXT:
                    decision = conversation.text(message.data)
                elif message.type is WSMsgType.BINARY:
                    decision = conversation.binary()
                else:
                    break  # closed by the client, or broken
            if isinstance(decision, Join):
                if transport.is_closing():
                    break
                hub = sockets.hub
                joining = Subscriber(transport, decision.view, decision.name, max_buffer)
                await sockets.settled()
                if not hub.join(joining, decision.last_seq, decision.welcome):
                    break
                subscriber = joining
                conversation.joined()
            elif isinstance(decision, Reply) and subscriber is not None:
                subscriber.offer(reply_frame(decision))
            elif isinstance(decision, Close):
                if subscriber is not None:  # nothing more from the hub after the close frame
                    sockets.hub.leave(subscriber)
                    subscriber = None
                await ws.close(code=decision.code, message=decision.reason.encode()[:120])
                break
    finally:
        sockets.uncarried(conversation)
        conversation.closed()
        if subscriber is not None:
            sockets.hub.leave(subscriber)
        for task in closing:
            await task
    return ws


class HubSocket(asyncio.Protocol):
    """One `/ws` client: handshake, hello, then the hub writes to its transport."""

    __slots__ = (
        "_closing_seen",
        "_conversation",
        "_max_buffer",
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
        self._conversation: Conversation | None = None
        self.subscriber: Subscriber | None = None
        self.heard = True
        """Anything received since the last heartbeat."""
        self._closing_seen = False
        self._max_buffer = sockets.hub.max_buffer_bytes
        """What our own write buffer may hold for it (`own_share`)."""

    # ------------------------------------------------------------------ asyncio

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._max_buffer = own_share(transport, self._sockets.hub.max_buffer_bytes)
        self._sockets.opened(self)
        self._conversation = self._sockets.conversation()
        self._await_hello()

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
        refusal = self._sockets.refuses_origin(
            request.headers.get("Origin"), request.headers.get("Host")
        )
        if urlsplit(request.path).path != "/ws":
            response = _json_error(protocol.reject(404, "no such websocket endpoint: use /ws"))
        elif refusal is not None:
            response = _json_error(protocol.reject(403, refusal), "origin_not_allowed")
        else:
            response = protocol.accept(request)
        if response.status_code == 101:
            cookies = _cookies(request.headers.get_all("Cookie"))
            if self._conversation is not None:
                self._conversation.session = cookies.get(SESSION_COOKIE)
                self._conversation.client = self._sockets.proxies.client(
                    self._peer(), request.headers.get("X-Forwarded-For")
                )
        else:
            response = _json_error(response)
        protocol.send_response(response)

    def _peer(self) -> str:
        peer = self._transport.get_extra_info("peername") if self._transport else None
        return str(peer[0]) if peer else "unknown"

    def _on_frame(self, frame: Frame) -> None:
        conversation = self._conversation
        if conversation is None:
            return
        if frame.opcode is Opcode.BINARY:
            self._do(conversation.binary())
        elif frame.opcode is Opcode.TEXT:
            self._do(conversation.text(frame.data))
        # ping, pong and close are the protocol's own business

    def _do(self, decision: Decision) -> None:
        """What the conversation decided, done on this connection."""
        if isinstance(decision, Join):
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            assert self._transport is not None
            subscriber = Subscriber(self._transport, decision.view, decision.name, self._max_buffer)
            self._sockets.join_soon(self, subscriber, decision)
        elif isinstance(decision, Reply):
            if self.subscriber is not None:
                self.subscriber.offer(reply_frame(decision))
        elif isinstance(decision, Close):
            self.close(decision.code, decision.reason)

    def joined(self, subscriber: Subscriber) -> None:
        """The hub took this client: it gets the hub's frames, and its pings are answered."""
        self.subscriber = subscriber
        if self._conversation is not None:
            self._conversation.joined()

    def _await_hello(self) -> None:
        deadline = self._conversation.deadline if self._conversation is not None else None
        if deadline is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(deadline, self._no_hello)

    def _no_hello(self) -> None:
        self._timer = None
        if self._conversation is not None:
            decision = self._conversation.tick(asyncio.get_running_loop().time())
            if decision is None:
                self._await_hello()  # woken a hair early: the hello is due at the deadline
            self._do(decision)

    def recheck(self) -> None:
        """Accounts changed: closed (4401) if the credential it came with has ended."""
        if self._conversation is not None:
            decision = self._conversation.recheck()
            if decision is not None:
                self._do(decision)

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
        if self._conversation is not None:
            self._conversation.closed()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
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
        if transport.get_write_buffer_size() > self._max_buffer:
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


def _json_error(response: Response, code: str | None = None) -> Response:
    """A refused handshake, said like every other error of the API: a JSON body."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return response
    if code is None:
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
