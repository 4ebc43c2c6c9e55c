"""Issue a ticket and print it: the one way any front end gives a citizen a number.

The kiosk's API call, a volunteer's tablet and the robot all come here: the ticket is
committed first (nothing is printed that the log does not hold), then printed on the
printers of the kiosk (or robot) that asked, or on the one printer a volunteer chose.
Whatever printing does, the ticket stands: a failure is reported, and the screen shows
the number and its QR code instead.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from .dispatcher import Dispatcher
from .engine import Actor, Engine
from .engine import commands as c
from .engine.events import TicketIssued
from .engine.state import Ticket
from .views import PrintOutcome

log = logging.getLogger(__name__)

NOT_PRINTED = PrintOutcome("none", None, None)
"""What a ticket issued where there is no printer says about printing."""


class PrintResult(Protocol):
    @property
    def status(self) -> Literal["printed", "failed", "none"]: ...
    @property
    def printer(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...


class TicketPrinter(Protocol):
    """The centre's printers, as issuing needs them (integrations/escpos/service.py)."""

    def handles(self, kiosk: str) -> bool: ...

    def refuses_tickets(self, kiosk: str) -> bool: ...

    async def print_ticket(
        self, kiosk: str, ticket: Ticket, status_url: str, actor: Actor
    ) -> PrintResult: ...

    async def print_on(
        self, printer: str, ticket: Ticket, status_url: str, actor: Actor
    ) -> PrintResult: ...


class IssuedTicket:
    """A committed ticket and what became of its printing."""

    __slots__ = ("printed", "ticket")

    def __init__(self, ticket: Ticket, printed: PrintOutcome) -> None:
        self.ticket, self.printed = ticket, printed


class TicketIssuer:
    def __init__(
        self, dispatcher: Dispatcher, engine: Engine, printer: TicketPrinter | None
    ) -> None:
        self.dispatcher, self.engine, self.printer = dispatcher, engine, printer

    def refuses_tickets(self, kiosk: str) -> bool:
        """The kiosk cannot print and may not show tickets on screen instead: a ticket
        from it would leave a citizen without a phone with nothing."""
        return self.printer is not None and self.printer.refuses_tickets(kiosk)

    async def issue(
        self,
        *,
        service: str,
        priority: str | None,
        lang: str,
        actor: Actor,
        print_at: str | None,
        status_url: Callable[[str], str],
        printer: str | None = None,
        procedure: str | None = None,
    ) -> IssuedTicket:
        """Commit a new ticket; print it on the printers of kiosk `print_at`, or on the
        one `printer` chosen (neither: no printing).  `status_url(tracking_code)` is the
        citizen's page, for the QR code; `procedure` the one chosen (its papers are
        printed).  Raises CommandRejected when the queue refuses it."""
        events = await self.dispatcher.execute(
            c.IssueTicket(
                service=service,
                priority=priority,
                lang=lang,
                tracking_code=secrets.token_urlsafe(12),
                procedure=procedure,
            ),
            actor,
        )
        issued = events[-1]
        assert isinstance(issued, TicketIssued)
        ticket = self.engine.ticket(issued.ticket)
        url = status_url(ticket.tracking_code)
        if printer is not None:
            printed = await self._print_on(printer, ticket, url, actor)
        else:
            printed = await self._print(print_at, ticket, url, actor)
        return IssuedTicket(ticket, printed)

    async def check_in(
        self, *, code: str, actor: Actor, print_at: str | None, status_url: Callable[[str], str]
    ) -> IssuedTicket:
        """A booked citizen is here: commit the check-in and its ticket, and print it as a
        kiosk's ticket.  Raises CommandRejected (too early, cancelled...)."""
        events = await self.dispatcher.execute(
            c.CheckIn(code=code, tracking_code=secrets.token_urlsafe(12)), actor
        )
        issued = events[-1]
        assert isinstance(issued, TicketIssued)
        ticket = self.engine.ticket(issued.ticket)
        printed = await self._print(print_at, ticket, status_url(ticket.tracking_code), actor)
        return IssuedTicket(ticket, printed)

    async def _print(
        self, kiosk: str | None, ticket: Ticket, url: str, actor: Actor
    ) -> PrintOutcome:
        printer = self.printer
        if kiosk is None or printer is None or not printer.handles(kiosk):
            return NOT_PRINTED
        return await _outcome(printer.print_ticket(kiosk, ticket, url, actor), ticket)

    async def _print_on(self, name: str, ticket: Ticket, url: str, actor: Actor) -> PrintOutcome:
        if self.printer is None:
            return NOT_PRINTED
        return await _outcome(self.printer.print_on(name, ticket, url, actor), ticket)


async def _outcome(printing: Awaitable[PrintResult], ticket: Ticket) -> PrintOutcome:
    """What printing did; a bug in it is a failed print, never a lost ticket."""
    try:
        outcome = await printing
    except Exception:
        log.exception("printing ticket %s failed unexpectedly", ticket.number)
        return PrintOutcome("failed", None, "internal error while printing")
    return PrintOutcome(outcome.status, outcome.printer, outcome.error)
