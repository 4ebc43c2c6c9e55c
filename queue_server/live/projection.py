"""Committed events -> typed messages for topics, and the snapshot each view starts from.

Pure: no asyncio, no sockets, no encoding.  It reads the engine's state right after
the engine applied a batch (the state then matches the batch exactly), so the hub
calls it before the batch is durable and delivers what it made once it is.

A batch is folded in one pass: each event type has its fold (as the engine has its
appliers), which notes the counters, lines and tickets the batch touched; then one
message per touched thing that someone listens to.  A burst of twenty events about
one counter makes one counter message, not twenty.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any

import msgspec

from ..config import Service as ServiceConfig
from ..engine import Engine, Event
from ..engine import events as ev
from ..engine.state import LineKey, Ticket
from ..views import (
    ExpiredTicket,
    Service,
    counter_view,
    iso_time,
    service_view,
    state_snapshot,
    ticket_public,
    waiting_list,
)
from .messages import (
    AdminSnapshot,
    Call,
    CitizenSnapshot,
    CounterSnapshot,
    CounterUpdate,
    DayChange,
    EventsFeed,
    HallSnapshot,
    KioskSnapshot,
    Message,
    ServiceUpdate,
    Snapshot,
    StaffSnapshot,
    TicketUpdate,
    WaitingUpdate,
)
from .topics import DAY, EVENTS, View

RECENT_CALLS = 12
"""Calls a snapshot carries, for displays that list the last few."""

Addressed = tuple[tuple[str, ...], Message]
"""A message and the topics it goes to (a subscriber of any of them gets it once)."""


class Touched:
    """What one batch changed, as its folds found it: the counters, lines and tickets
    whose views are now different, or everything (a day opened or closed)."""

    __slots__ = ("counters", "everything", "lines", "tickets")

    def __init__(self) -> None:
        self.counters: set[int] = set()
        self.lines: dict[LineKey, None] = {}
        """Insertion-ordered, so a batch's messages come out in the same order every run."""
        self.tickets: set[int] = set()
        self.everything = False


_Fold = Callable[[Any, Touched], None]


class Projection:
    """The engine's state, as the live views show it."""

    def __init__(self, engine: Engine, services: Sequence[ServiceConfig]) -> None:
        self.engine = engine
        self.services = {s.code: s for s in services}
        """The centre's services as configured (names and descriptions), in order."""
        self._folds: dict[type, _Fold] = {
            ev.TicketIssued: self._ticket,
            ev.TicketCalled: self._at_counter,
            ev.TicketRecalled: self._at_counter,
            ev.ServiceStarted: self._at_counter,
            ev.TicketNoShow: self._at_counter,
            ev.TicketFinished: self._finished,
            ev.TicketRequeued: self._back_from_counter,
            ev.TicketReactivated: self._back_from_counter,
            ev.TicketPriorityChanged: self._ticket,
            ev.TicketTransferred: self._transferred,
            ev.ServiceRated: self._rated,
            ev.TicketCancelled: self._back_from_counter,
            ev.TicketExpired: self._ticket,
            ev.CounterOpened: self._counter,
            ev.CounterPaused: self._counter,
            ev.CounterResumed: self._counter,
            ev.CounterClosed: self._counter,
            ev.DayOpened: self._day,
            ev.DayClosed: self._day,
            # who is signed in at a counter counts in the day's figures, shows on no screen
            ev.StaffSignedIn: _nothing,
            ev.StaffSignedOut: _nothing,
            # printed or not, the queue is the same: only the audit feed tells
            ev.TicketPrinted: _nothing,
            ev.TicketPrintFailed: _nothing,
            # appointments show on no live view yet: a check-in's ticket comes as issued
            ev.AppointmentBooked: _nothing,
            ev.AppointmentCancelled: _nothing,
            ev.AppointmentCheckedIn: _nothing,
            ev.AppointmentMissed: _nothing,
            ev.AppointmentDataDropped: _nothing,
        }

    # ------------------------------------------------------------------ batches

    def batch(
        self,
        first_seq: int,
        events: Sequence[Event],
        listened: Container[str],
        followed: Iterable[int] = (),
    ) -> list[Addressed]:
        """The messages a just-applied batch makes: its calls (always: displays that
        reconnect replay them), then what changed, for the topics in `listened`;
        `followed` are the tickets citizens follow."""
        messages: list[Addressed] = []
        touched = Touched()
        folds = self._folds
        for i, event in enumerate(events):
            folds[type(event)](event, touched)
            if type(event) is ev.TicketCalled or type(event) is ev.TicketRecalled:
                call = self.call(first_seq + i, event)
                if call is not None:
                    messages.append(((f"calls:{call.counter}", "calls:*"), call))
        engine = self.engine
        seq = first_seq + len(events) - 1
        if touched.everything:
            st = engine.state
            messages.append(((DAY,), DayChange(seq=seq, day=st.day, closed=st.day_closed)))
            touched.counters.update(engine.state.counters)
            touched.lines.update(dict.fromkeys(self.services))
            touched.lines.update(dict.fromkeys(engine.state.counters))
            touched.tickets.update(followed)
        for counter in sorted(touched.counters):
            if f"counter:{counter}" in listened or "counter:*" in listened:
                state = engine.state.counters.get(counter)
                if state is not None:
                    update = CounterUpdate(seq=seq, counter=counter_view(engine, state))
                    messages.append(((f"counter:{counter}", "counter:*"), update))
        for line in touched.lines:
            wanted = f"service:{line}" in listened or "service:*" in listened
            service = self.services.get(line) if wanted and isinstance(line, str) else None
            if service is not None:
                news = ServiceUpdate(seq=seq, service=service_view(engine, service))
                messages.append(((f"service:{line}", "service:*"), news))
            if f"waiting:{line}" in listened or "waiting:*" in listened:
                waiting = WaitingUpdate(seq=seq, waiting=waiting_list(engine, line))
                messages.append(((f"waiting:{line}", "waiting:*"), waiting))
        messages += self._followed(seq, touched, followed)
        if EVENTS in listened:
            feed = EventsFeed(
                seq=seq,
                first_seq=first_seq,
                events=_without_tracking_codes(msgspec.to_builtins(list(events))),
            )
            messages.append(((EVENTS,), feed))
        return messages

    def call(self, seq: int, event: ev.TicketCalled | ev.TicketRecalled) -> Call | None:
        """What displays show and say of a call; None if the day no longer holds the ticket."""
        ticket = self.engine.state.tickets.get(event.ticket)
        if ticket is None:
            return None
        return Call(
            seq=seq,
            counter=event.counter,
            number=ticket.number,
            service=ticket.service,
            priority=ticket.priority,
            recall=event.recalls if type(event) is ev.TicketRecalled else 0,
            at=iso_time(event.at, self.engine.setup.zone),
            lang=ticket.lang,
            booked=ticket.due_at is not None,
        )

    def _followed(self, seq: int, touched: Touched, followed: Iterable[int]) -> list[Addressed]:
        """A message per followed ticket the batch touched, or whose line moved."""
        engine = self.engine
        messages: list[Addressed] = []
        for ticket_id in followed:
            ticket = self._held(ticket_id)
            if ticket_id not in touched.tickets and (
                ticket is None or ticket.line not in touched.lines
            ):
                continue
            view = ExpiredTicket() if ticket is None else ticket_public(engine, ticket)
            messages.append(((f"ticket:{ticket_id}",), TicketUpdate(seq=seq, ticket=view)))
        return messages

    def _held(self, ticket_id: int) -> Ticket | None:
        """Today's ticket, or the closed day's (its citizen still follows it for a while)."""
        state = self.engine.state
        return state.tickets.get(ticket_id) or state.closed_tickets.get(ticket_id)

    # ------------------------------------------------------------------ folds

    def _ticket(self, event: Any, touched: Touched) -> None:
        touched.tickets.add(event.ticket)
        ticket = self.engine.state.tickets.get(event.ticket)
        if ticket is not None:
            touched.lines[ticket.line] = None

    def _back_from_counter(self, event: Any, touched: Touched) -> None:
        """A no-show back in line (or cancelled) leaves its counter's absent list."""
        self._ticket(event, touched)
        ticket = self.engine.state.tickets.get(event.ticket)
        if ticket is not None and ticket.counter is not None:
            touched.counters.add(ticket.counter)

    def _at_counter(self, event: Any, touched: Touched) -> None:
        touched.counters.add(event.counter)
        self._ticket(event, touched)

    def _finished(self, event: ev.TicketFinished, touched: Touched) -> None:
        """Its service's served figures (and so its estimate) change too."""
        self._at_counter(event, touched)
        ticket = self.engine.state.tickets.get(event.ticket)
        if ticket is not None:
            touched.lines[ticket.service] = None

    def _transferred(self, event: ev.TicketTransferred, touched: Touched) -> None:
        if event.counter is not None:
            touched.counters.add(event.counter)
        self._ticket(event, touched)
        if event.to_counter is not None:
            touched.counters.add(event.to_counter)

    def _rated(self, event: ev.ServiceRated, touched: Touched) -> None:
        """Its citizen's page and its counter's view (rated or not); no line moved."""
        touched.tickets.add(event.ticket)
        rated = self.engine.state.tickets.get(event.ticket)
        if rated is not None and rated.counter is not None:
            touched.counters.add(rated.counter)

    def _counter(self, event: Any, touched: Touched) -> None:
        """A counter opening or closing changes the estimates of the services it serves."""
        touched.counters.add(event.counter)
        state = self.engine.state.counters.get(event.counter)
        if state is not None:
            touched.lines.update(dict.fromkeys(state.services))

    def _day(self, event: Any, touched: Touched) -> None:
        touched.everything = True

    # ------------------------------------------------------------------ snapshots

    def snapshot(
        self,
        view: View,
        seq: int,
        resumed: bool = False,
        calls: Iterable[Call] = (),
        devices: Iterable[dict[str, Any]] = (),
    ) -> Snapshot:
        """The state a client of this view starts from; `calls` are the recent calls,
        oldest first, `devices` the latest state of each device (admins see them)."""
        engine = self.engine
        if view.kind == "citizen":
            ticket = self._held(view.ticket) if view.ticket is not None else None
            shown = None if ticket is None else ticket_public(engine, ticket)
            return CitizenSnapshot(seq=seq, resumed=resumed, ticket=shown)
        devices = list(devices)
        kiosks = [d for d in devices if d.get("kind") == "kiosk"]
        if view.kind == "kiosk":
            mine = next((d for d in kiosks if d["kiosk"] == view.kiosk), None)
            return KioskSnapshot(seq=seq, resumed=resumed, services=self._services(), kiosk=mine)
        seen = [call for call in calls if view.sees_calls_of(call.counter)][-RECENT_CALLS:]
        if view.kind == "admin":
            state = state_snapshot(engine, list(self.services.values()), seq)
            return AdminSnapshot(
                seq=seq,
                resumed=resumed,
                day=state.day,
                day_closed=state.day_closed,
                issued_today=state.issued_today,
                services=state.services,
                counters=state.counters,
                waiting=state.waiting,
                devices=devices,
                calls=seen,
            )
        counters = [
            counter_view(engine, c)
            for c in engine.state.counters.values()
            if not view.counters or c.id in view.counters
        ]
        if view.kind == "staff":
            lines: list[LineKey] = [*view.counters, *view.services]
            return StaffSnapshot(
                seq=seq,
                resumed=resumed,
                day=engine.state.day,
                counters=counters,
                services=[service_view(engine, self.services[s]) for s in view.services],
                waiting=[waiting_list(engine, line) for line in lines],
                calls=seen,
                kiosks=kiosks,
            )
        if view.kind == "hall":
            return HallSnapshot(
                seq=seq,
                resumed=resumed,
                day=engine.state.day,
                counters=counters,
                services=self._services(),
                calls=seen,
            )
        return CounterSnapshot(
            seq=seq, resumed=resumed, day=engine.state.day, counters=counters, calls=seen
        )

    def _services(self) -> list[Service]:
        return [service_view(self.engine, s) for s in self.services.values()]


def _nothing(event: Any, touched: Touched) -> None:
    pass


def _without_tracking_codes(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit feed, less each ticket's tracking code: that code is the citizen's (it
    opens their status page and lets them rate the service), not the staff's."""
    for event in events:
        event.pop("tracking_code", None)
    return events
