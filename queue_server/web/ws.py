"""`/ws`: the one websocket endpoint.  Hello, then a snapshot or what was missed, then live.

This module is the conversation (who may see what); web/hub_socket.py carries it.

Protocol (version 1, JSON text frames; see firmware_notes/websocket-protocol.md):

    client -> {"type": "hello", "protocol": 1, "role": "display", "token": "...",
               "view": "hall", "counters": [1, 2], "last_seq": 120}
    server -> {"type": "welcome", "seq": 131, ...}
              {"type": "call", "seq": 125, ...}            (calls missed since 120)
              {"type": "snapshot", "seq": 131, ...}
              ... {"type": "call" | "counter" | "service" | "waiting" | "ticket" | "events", "seq": ...}
    client -> {"type": "ping"}     server -> {"type": "pong", "seq": ...}

The server sends a websocket ping every 20 s and cuts a peer that sent nothing since
the previous one.
Close codes: 4400 bad message, 4401 not authenticated, 4403 not allowed,
4404 unknown ticket, 4408 no hello in time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from ..accounts import AccountStore, Principal, Role
from ..engine.state import CounterState
from ..hub import PROTOCOL_VERSION, View
from .auth import SESSION_COOKIE

if TYPE_CHECKING:
    from .context import CentreContext

HELLO_TIMEOUT_S = 10.0
MAX_CLIENT_MESSAGE = 4096


class Hello(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    type: Literal["hello"]
    role: str
    protocol: int = PROTOCOL_VERSION
    token: str | None = None
    tracking_code: str | None = None
    view: str | None = None
    counter: int | None = None
    counters: list[int] = []
    last_seq: int | None = None


class Ping(msgspec.Struct, frozen=True):
    type: str


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def parse_hello(data: str | bytes | bytearray | memoryview) -> Hello:
    """The client's first message, checked; raises Refused with the close code."""
    try:
        hello = msgspec.json.decode(data, type=Hello)
    except msgspec.ValidationError as exc:
        raise Refused(4400, f"bad hello: {exc}") from None
    except msgspec.DecodeError:
        raise Refused(4400, "the hello is not valid JSON") from None
    if hello.protocol != PROTOCOL_VERSION:
        raise Refused(4400, f"this server speaks protocol {PROTOCOL_VERSION}, not {hello.protocol}")
    return hello


def parse_message(data: str | bytes | bytearray | memoryview) -> None:
    """A message after the hello: only a JSON ping is allowed."""
    try:
        kind = msgspec.json.decode(data, type=Ping).type
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise Refused(4400, "messages are JSON objects with a 'type'") from None
    if kind != "ping":
        raise Refused(4400, f"unknown message type {kind!r}")


def _principal(accounts: AccountStore, hello: Hello, cookies: Mapping[str, str]) -> Principal:
    if hello.token:
        principal = accounts.principal_for_token(hello.token)
        if principal is None:
            raise Refused(4401, "this token is unknown or has been revoked")
        return principal
    session = cookies.get(SESSION_COOKIE)
    principal = accounts.principal_for_session(session) if session else None
    if principal is None:
        raise Refused(4401, "present a token or log in first")
    return principal


def view_for(
    centre: CentreContext, hello: Hello, cookies: Mapping[str, str]
) -> tuple[View, dict[str, Any], str]:
    """Check who the client is and what it may see; returns its view, welcome extras and name."""
    engine = centre.engine
    counters = set(engine.state.counters)
    if hello.role == Role.CITIZEN:
        ticket = engine.ticket_by_tracking_code(hello.tracking_code or "")
        if ticket is None:
            raise Refused(4404, "no ticket with this tracking code today")
        return View("citizen", ticket=ticket.id), {"role": "citizen", "view": "citizen"}, "citizen"
    principal = _principal(centre.accounts, hello, cookies)
    if hello.role != principal.role:
        raise Refused(4403, f"this credential is for a {principal.role.value}, not a {hello.role}")
    wanted = hello.view or _default_view(principal.role)
    unknown = [
        c
        for c in [*hello.counters, *([hello.counter] if hello.counter else [])]
        if c not in counters
    ]
    if unknown:
        raise Refused(4400, f"no counter {unknown[0]}")
    view = _allowed_view(principal, wanted, hello, engine.state.counters)
    welcome = {"role": principal.role.value, "view": view.kind, "name": principal.name}
    return view, welcome, f"{principal.role.value}:{principal.name}"


def _default_view(role: Role) -> str:
    return {
        Role.DISPLAY: "hall",
        Role.KIOSK: "kiosk",
        Role.STAFF: "staff",
        Role.DEVICE: "counter",
    }.get(role, "admin")


def _allowed_view(
    principal: Principal, wanted: str, hello: Hello, counters: Mapping[int, CounterState]
) -> View:
    role = principal.role
    engine_counter = hello.counter if hello.counter is not None else principal.counter
    if wanted == "hall" and role in (Role.DISPLAY, Role.DEVICE, Role.SUPERVISOR, Role.ADMIN):
        return View("hall", counters=tuple(hello.counters or principal.counters))
    if wanted == "counter" and role in (Role.DISPLAY, Role.DEVICE, Role.SUPERVISOR, Role.ADMIN):
        if engine_counter is None:
            raise Refused(4400, "a counter view needs a counter")
        if role is Role.DEVICE and principal.counter not in (None, engine_counter):
            raise Refused(4403, f"this device is bound to counter {principal.counter}")
        return View("counter", counters=(engine_counter,))
    if wanted == "kiosk" and role in (Role.KIOSK, Role.SUPERVISOR, Role.ADMIN):
        return View("kiosk")
    if wanted == "staff" and role in (Role.STAFF, Role.SUPERVISOR, Role.ADMIN):
        counter = principal.counter if role is Role.STAFF else engine_counter
        if counter is None:
            raise Refused(4400, "a staff view needs a counter")
        return View("staff", counters=(counter,), services=counters[counter].services)
    if wanted == "admin" and role in (Role.SUPERVISOR, Role.ADMIN):
        return View("admin")
    raise Refused(4403, f"a {role.value} may not open the {wanted!r} view")
