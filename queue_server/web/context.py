"""What the web layer may use of a running centre: narrow, typed, and never `app.py`.

The composition root (queue_server/app.py) builds the centre and hands it to
`create_app`; the handlers see it only through `CentreContext`, a Protocol listing
what they use.  So the web layer cannot reach a device by a back door, and a test
can serve the same handlers with any object of this shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiohttp import web

from ..accounts import AccountStore
from ..accounts.day_keys import DayKeys
from ..config import CentreConfig
from ..dispatcher import Dispatcher
from ..engine import Engine
from ..finder import Finder
from ..issuing import TicketIssuer
from ..live.fanout import Hub
from ..voice import Announcer
from .metrics import Metrics


class EventLogPosition(Protocol):
    @property
    def last_seq(self) -> int: ...
    @property
    def path(self) -> Path: ...
    @property
    def durability(self) -> str: ...


class PrintedTicket(Protocol):
    """A ticket as handed to the printers, for the admin page."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    def view(self, zone: ZoneInfo, image_url: str) -> dict[str, Any]: ...
    async def png(self) -> bytes | None: ...


class PrintedTickets(Protocol):
    def newest_first(self) -> Sequence[PrintedTicket]: ...
    def get(self, record: int) -> PrintedTicket | None: ...


class Printers(Protocol):
    @property
    def recent(self) -> PrintedTickets: ...
    def has_printer(self, name: str) -> bool: ...
    def printer_views(self) -> list[dict[str, Any]]: ...


class RadioButton(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def counter(self) -> int: ...
    @property
    def key(self) -> str: ...


class HeardButton(Protocol):
    @property
    def line(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def button(self) -> RadioButton | None: ...


class RadioReceivers(Protocol):
    async def learn(self, timeout_s: float) -> HeardButton | None: ...


class RadioBindings(Protocol):
    def bind(self, code: str, counter: int, key: str) -> RadioButton: ...
    def unbind(self, code: str) -> bool: ...
    def buttons(self) -> Sequence[RadioButton]: ...


class CentreContext(Protocol):
    """A running centre as its handlers see it."""

    config: CentreConfig
    engine: Engine
    dispatcher: Dispatcher
    accounts: AccountStore
    day_keys: DayKeys
    hub: Hub
    metrics: Metrics
    issuer: TicketIssuer
    announcer: Announcer
    finder: Finder
    replayed_events: int

    @property
    def log(self) -> EventLogPosition: ...
    @property
    def printers(self) -> Printers | None: ...
    @property
    def radio(self) -> RadioReceivers | None: ...
    @property
    def radio_bindings(self) -> RadioBindings: ...

    def device_states(self) -> list[dict[str, Any]]:
        """Every device's latest state (printers, serial lines)."""
        ...

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


CENTRE: web.AppKey[CentreContext] = web.AppKey("centre")
