"""`/ws`, the one websocket endpoint, as a conversation: messages and time in, decisions out.

Sans-I/O: both carriers of `/ws` (web/hub_socket.py's `HubSocket`, and the aiohttp
handler for connections that served HTTP first) feed a `Conversation` what the client
said and what time it is, and do what it decides; so the two cannot drift apart.

Protocol (version 1, JSON text frames; see firmware_notes/websocket-protocol.md):

    client -> {"type": "hello", "protocol": 1, "role": "display", "token": "...",
               "view": "hall", "counters": [1, 2], "last_seq": 120}
    server -> {"type": "welcome", "seq": 131, ...}
              {"type": "call", "seq": 125, ...}            (calls missed since 120)
              {"type": "snapshot", "seq": 131, ...}
              ... {"type": "call" | "counter" | "service" | "waiting" | "ticket" | "events", "seq": ...}
    client -> {"type": "ping"}     server -> {"type": "pong"}

Close codes: 4400 bad message, 4401 not authenticated (also: the token was revoked or
the session ended while connected), 4403 not allowed, 4404 unknown ticket, 4408 no
hello in time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Literal, Protocol

import msgspec

from ..accounts import Principal, Role
from .messages import PONG, PROTOCOL_VERSION, Pong, Welcome
from .topics import View

HELLO_TIMEOUT_S = 10.0
MAX_CLIENT_MESSAGE = 4096


class Directory(Protocol):
    """What the conversation asks of the centre to tell who a client is and what it may see."""

    def principal_for_token(self, token: str) -> Principal | None: ...

    def principal_for_session(self, session: str) -> Principal | None: ...

    def credentials_version(self) -> int:
        """Moves whenever a token or a session may have ended (revoked, logged out, a
        password changed): then every open conversation checks its own again."""
        ...

    def ticket_for_tracking_code(self, code: str) -> int | None: ...

    def lookup_wait(self, client: str) -> float | None:
        """Seconds before this client (an address) may look up another tracking code;
        None: now.  Counted here and by the HTTP status lookups alike."""
        ...

    def counter_services(self) -> Mapping[int, tuple[str, ...]]:
        """Every counter of the centre, with the services it serves."""
        ...


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


class _Ping(msgspec.Struct, frozen=True):
    type: str


@dataclass(frozen=True, slots=True)
class Join:
    """Subscribe the client with this view (once what is applied is committed), welcome it
    and replay the calls it missed since `last_seq`."""

    view: View
    welcome: Welcome
    name: str
    """Who it is, for the logs: `display:hall-1`, `citizen`."""
    last_seq: int | None


@dataclass(frozen=True, slots=True)
class Reply:
    message: Pong


@dataclass(frozen=True, slots=True)
class Close:
    code: int
    reason: str


Decision = Join | Reply | Close | None
"""What to do; None: nothing."""


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class Phase(Enum):
    HELLO = "waiting for the hello"
    JOINING = "joining the hub"
    LIVE = "live"
    CLOSED = "closed"


class Conversation:
    """One client's `/ws` conversation, from the handshake to the close."""

    __slots__ = (
        "_credential",
        "_directory",
        "client",
        "deadline",
        "hello_timeout_s",
        "phase",
        "session",
    )

    def __init__(
        self,
        directory: Directory,
        opened_at: float,
        hello_timeout_s: float = HELLO_TIMEOUT_S,
        session: str | None = None,
    ) -> None:
        self._directory = directory
        self.session = session
        """The handshake's session cookie (a staff console's login), until the hello."""
        self.client = ""
        """The client's address (through trusted proxies), for the citizen lookups' limit."""
        self.hello_timeout_s = hello_timeout_s
        self.deadline: float | None = opened_at + hello_timeout_s
        """When the hello must have come (None once it has)."""
        self.phase = Phase.HELLO
        self._credential: Credential | None = None
        """What the client proved who it is with, checked again when accounts change."""

    def text(self, data: str | bytes | bytearray | memoryview) -> Decision:
        """A text message from the client."""
        try:
            if self.phase is Phase.HELLO:
                return self._hello(data)
            if self.phase is Phase.LIVE:
                _ping(data)
                return Reply(PONG)
        except Refused as refused:
            return self._close(refused.code, refused.reason)
        return None  # joining (a client that does not wait is ignored) or closed

    def binary(self) -> Decision:
        """A binary message: never part of this protocol."""
        if self.phase is Phase.CLOSED:
            return None
        return self._close(4400, "this endpoint speaks JSON text frames")

    def tick(self, now: float) -> Decision:
        """The time is `now`: too late for a hello?"""
        if self.phase is Phase.HELLO and self.deadline is not None and now >= self.deadline:
            return self._close(4408, f"say hello within {self.hello_timeout_s:g} s")
        return None

    def recheck(self) -> Decision:
        """Accounts changed: does the credential the client came with still hold?  A
        revoked token, a closed session, a changed password close it (4401); so does a
        token that now stands for another role."""
        credential = self._credential
        if credential is None or self.phase is Phase.CLOSED:
            return None
        if isinstance(credential, TokenCredential):
            principal = self._directory.principal_for_token(credential.token)
            gone = "this token has been revoked"
        else:
            principal = self._directory.principal_for_session(credential.session)
            gone = "the session has ended (logged out, or the password changed): log in again"
        if principal is None or principal.role is not credential.role:
            return self._close(4401, gone)
        return None

    def joined(self) -> None:
        """The hub took the client: from now on its pings are answered."""
        if self.phase is Phase.JOINING:
            self.phase = Phase.LIVE

    def closed(self) -> None:
        """The connection is closing, whoever started it: nothing more to decide."""
        self.phase = Phase.CLOSED
        self.deadline = None

    def _close(self, code: int, reason: str) -> Close:
        self.closed()
        return Close(code, reason)

    def _hello(self, data: str | bytes | bytearray | memoryview) -> Join:
        session, self.session, self.deadline = self.session, None, None
        hello = parse_hello(data)
        view, welcome, name = admit(self._directory, hello, session, self.client)
        self._credential = credential_of(hello, session, Role(welcome.role))
        self.phase = Phase.JOINING
        return Join(view, welcome, name, hello.last_seq)


@dataclass(frozen=True, slots=True)
class TokenCredential:
    token: str
    role: Role


@dataclass(frozen=True, slots=True)
class SessionCredential:
    session: str
    role: Role


Credential = TokenCredential | SessionCredential


def credential_of(hello: Hello, session: str | None, role: Role) -> Credential | None:
    """What an admitted client proved who it is with (as `admit` chose: the token first)."""
    if role is Role.CITIZEN:
        return None  # a tracking code, not an identity
    if hello.token:
        return TokenCredential(hello.token, role)
    assert session is not None  # admit refuses a hello with neither
    return SessionCredential(session, role)


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


def _ping(data: str | bytes | bytearray | memoryview) -> None:
    """A message after the hello: only a JSON ping is allowed."""
    try:
        kind = msgspec.json.decode(data, type=_Ping).type
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise Refused(4400, "messages are JSON objects with a 'type'") from None
    if kind != "ping":
        raise Refused(4400, f"unknown message type {kind!r}")


def admit(
    directory: Directory, hello: Hello, session: str | None, client: str = ""
) -> tuple[View, Welcome, str]:
    """Check who the client is and what it may see; returns its view, welcome and name."""
    if hello.role == Role.CITIZEN:
        wait = directory.lookup_wait(client)
        if wait is not None:
            raise Refused(4429, f"too many tickets looked up; try again in {math.ceil(wait)} s")
        ticket = directory.ticket_for_tracking_code(hello.tracking_code or "")
        if ticket is None:
            raise Refused(4404, "no ticket with this tracking code today")
        return View("citizen", ticket=ticket), Welcome(role="citizen", view="citizen"), "citizen"
    principal = _principal(directory, hello, session)
    if hello.role != principal.role:
        raise Refused(4403, f"this credential is for a {principal.role.value}, not a {hello.role}")
    wanted = hello.view or _default_view(principal.role)
    counters = directory.counter_services()
    unknown = [
        c
        for c in [*hello.counters, *([hello.counter] if hello.counter else [])]
        if c not in counters
    ]
    if unknown:
        raise Refused(4400, f"no counter {unknown[0]}")
    view = _allowed_view(principal, wanted, hello, counters)
    welcome = Welcome(role=principal.role.value, view=view.kind, name=principal.name)
    return view, welcome, f"{principal.role.value}:{principal.name}"


def _principal(directory: Directory, hello: Hello, session: str | None) -> Principal:
    if hello.token:
        principal = directory.principal_for_token(hello.token)
        if principal is None:
            raise Refused(4401, "this token is unknown or has been revoked")
        return principal
    principal = directory.principal_for_session(session) if session else None
    if principal is None:
        raise Refused(4401, "present a token or log in first")
    return principal


def _hall_counters(principal: Principal, hello: Hello) -> tuple[int, ...]:
    """The counters a hall view shows: those asked for, within the credential's own (a
    display bound to one counter, or a hall display given a few); empty: all."""
    own = principal.counters or ((principal.counter,) if principal.counter is not None else ())
    asked = tuple(hello.counters)
    if own and not set(asked) <= set(own):
        outside = sorted(set(asked) - set(own))
        raise Refused(
            4403, f"this {principal.role.value} shows counters {list(own)}, not {outside}"
        )
    return asked or own


def _default_view(role: Role) -> str:
    return {
        Role.DISPLAY: "hall",
        Role.KIOSK: "kiosk",
        Role.VOLUNTEER: "kiosk",
        Role.STAFF: "staff",
        Role.DEVICE: "counter",
    }.get(role, "admin")


def _allowed_view(
    principal: Principal, wanted: str, hello: Hello, counters: Mapping[int, tuple[str, ...]]
) -> View:
    role = principal.role
    engine_counter = hello.counter if hello.counter is not None else principal.counter
    if wanted == "hall" and role in (Role.DISPLAY, Role.DEVICE, Role.SUPERVISOR, Role.ADMIN):
        return View("hall", counters=_hall_counters(principal, hello))
    if wanted == "counter" and role in (Role.DISPLAY, Role.DEVICE, Role.SUPERVISOR, Role.ADMIN):
        if engine_counter is None:
            raise Refused(4400, "a counter view needs a counter")
        if principal.counter not in (None, engine_counter):
            raise Refused(
                4403,
                f"this {role.value} is bound to counter {principal.counter}, not {engine_counter}",
            )
        return View("counter", counters=(engine_counter,))
    if wanted == "kiosk" and role in (Role.KIOSK, Role.VOLUNTEER, Role.SUPERVISOR, Role.ADMIN):
        # A volunteer's tablet shows the waits as the kiosk does; it has no printers of its own.
        return View("kiosk", kiosk=principal.name if role is Role.KIOSK else None)
    if wanted == "staff" and role in (Role.STAFF, Role.SUPERVISOR, Role.ADMIN):
        counter = principal.counter if role is Role.STAFF else engine_counter
        if role is Role.STAFF and hello.counter not in (None, counter):
            raise Refused(4403, f"you are logged in at counter {counter}, not {hello.counter}")
        if counter is None:
            raise Refused(4400, "a staff view needs a counter")
        return View("staff", counters=(counter,), services=counters[counter])
    if wanted == "admin" and role in (Role.SUPERVISOR, Role.ADMIN):
        return View("admin")
    raise Refused(4403, f"a {role.value} may not open the {wanted!r} view")
