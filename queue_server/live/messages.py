"""Every message the server sends on `/ws`, as msgspec Structs (protocol version 1).

The `type` field is each struct's tag, so it comes first on the wire as it always
has; the rest are in the order firmware_notes/websocket-protocol.md lists them.  The
views inside (counters, services, tickets) are queue_server/views.py's, the same the
HTTP API answers with.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..views import Counter, ExpiredTicket, PublicTicket, Service, WaitingList

PROTOCOL_VERSION = 1


class _Message(msgspec.Struct, tag_field="type"):
    pass


class Welcome(_Message, tag="welcome", kw_only=True):
    """The first answer to a hello: who the server takes the client for, and the seq."""

    protocol: int = PROTOCOL_VERSION
    seq: int = 0
    role: str
    view: str
    name: str | msgspec.UnsetType = msgspec.UNSET
    """A person's or a token's name; citizens have none."""


class Call(_Message, tag="call", kw_only=True):
    """A ticket called (or called again) to a counter: what displays show and say."""

    seq: int
    counter: int
    number: str
    service: str
    priority: str | None
    recall: int
    """0 for the first call, then how many times it was called again."""
    at: str | None
    lang: str
    """The language the citizen chose at the kiosk: the hall says the call in it too."""
    booked: bool = False
    """Checked in for a booking: the hall marks it."""


class CounterUpdate(_Message, tag="counter", kw_only=True):
    seq: int
    counter: Counter


class ServiceUpdate(_Message, tag="service", kw_only=True):
    seq: int
    service: Service


class WaitingUpdate(_Message, tag="waiting", kw_only=True):
    seq: int
    waiting: WaitingList


class TicketUpdate(_Message, tag="ticket", kw_only=True):
    """The followed ticket as its citizen sees it now."""

    seq: int
    ticket: PublicTicket | ExpiredTicket


class EventsFeed(_Message, tag="events", kw_only=True):
    """The audit feed: a batch of events as logged, less the citizens' tracking codes."""

    seq: int
    first_seq: int
    events: list[dict[str, Any]]


class DayChange(_Message, tag="day", kw_only=True):
    """The day closed or a new one opened: displays clear the calls they show (a new day
    numbers from A001 again: yesterday's A001 must not stand beside today's)."""

    seq: int
    day: str | None
    """The centre's day now (YYYY-MM-DD, its local date)."""
    closed: bool


class DeviceUpdate(_Message, tag="device", kw_only=True):
    """A device's new state (devices report it; it is not an event)."""

    seq: int
    device: dict[str, Any]


class Pong(_Message, tag="pong"):
    """The answer to a client's JSON ping."""


class _Snapshot(_Message, tag="snapshot", kw_only=True):
    """The state a client starts from, after its welcome and any calls it missed."""

    seq: int
    resumed: bool
    """The calls missed since the hello's last_seq came before this snapshot."""


class CitizenSnapshot(_Snapshot, tag="snapshot", kw_only=True):
    ticket: PublicTicket | None


class KioskSnapshot(_Snapshot, tag="snapshot", kw_only=True):
    services: list[Service]
    kiosk: dict[str, Any] | None = None
    """Whether this kiosk can print (a "kiosk" device); None when it has no printers."""


class CounterSnapshot(_Snapshot, tag="snapshot", kw_only=True):
    day: str | None
    """The centre's day: calls a display kept from another day are not shown."""
    counters: list[Counter]
    calls: list[Call]


class HallSnapshot(_Snapshot, tag="snapshot", kw_only=True):
    day: str | None
    counters: list[Counter]
    services: list[Service]
    calls: list[Call]


class StaffSnapshot(_Snapshot, tag="snapshot", kw_only=True):
    day: str | None
    counters: list[Counter]
    services: list[Service]
    waiting: list[WaitingList]
    calls: list[Call]
    kiosks: list[dict[str, Any]] = []
    """Each kiosk with printers, and whether it can print ("kiosk" devices)."""


class AdminSnapshot(_Snapshot, tag="snapshot", kw_only=True):
    day: str | None
    day_closed: bool
    issued_today: int
    services: list[Service]
    counters: list[Counter]
    waiting: list[WaitingList]
    devices: list[dict[str, Any]]
    calls: list[Call]


Snapshot = (
    CitizenSnapshot | KioskSnapshot | CounterSnapshot | HallSnapshot | StaffSnapshot | AdminSnapshot
)
Message = (
    Welcome
    | Call
    | CounterUpdate
    | ServiceUpdate
    | WaitingUpdate
    | TicketUpdate
    | EventsFeed
    | DayChange
    | DeviceUpdate
    | Pong
    | Snapshot
)
PONG = Pong()
