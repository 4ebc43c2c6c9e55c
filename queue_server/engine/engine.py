"""The queue's rules: commands in, events out; state changes only by applying events.

No I/O, no clock, no randomness: time and tracking codes are passed in, so
every rule is testable and replaying the log rebuilds the live state exactly.

`decide` never mutates: a refused command changes nothing.  `housekeeping`
emits what time alone causes (a new day, a no-show's grace running out) and
must be applied before deciding a command at that time; `handle` does both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from . import commands as c
from . import errors as err
from . import events as ev
from .events import SYSTEM, Actor, Event, untimed_finish
from .hours import OpeningTimes
from .numbering import BOOKED_SERIES, format_booked_number, format_number, has_booked_series
from .setup import QueueSetup, ServiceSetup
from .slots import SlotPlan
from .state import (
    AT_COUNTER,
    FINAL,
    Appointment,
    AppointmentStatus,
    CentreState,
    CounterState,
    CounterStatus,
    LineKey,
    ServiceTimes,
    Ticket,
    TicketStatus,
)

TABLET_RATING_WINDOW_S = 180.0
"""How long after a service a counter's rating tablet may rate it: the citizen is still
at the desk.  A phone, holding the ticket, may rate until the day closes."""

_Pick = tuple[int, bool, bool, ev.CallReason]
"""The next ticket's order, whether priority vs the rest was contested, whether booked vs
walk-in was, and why it is called."""


class Engine:
    """One centre's queue: decides commands, applies events, answers questions."""

    def __init__(self, setup: QueueSetup) -> None:
        self.setup = setup
        self._services: dict[str, ServiceSetup] = {s.code: s for s in setup.services}
        self._classes = frozenset(setup.priority_classes)
        self._languages = frozenset(setup.languages)
        self._zone = setup.zone
        rules = setup.rules
        self._rules = rules
        self._ratio_priority, self._ratio_normal = rules.priority_ratio
        self._max_wait_s = rules.max_wait_minutes * 60.0
        self._in_order = rules.service_choice == "in_order"
        self._hours = OpeningTimes(setup.hours, setup.zone)
        self._booking = setup.appointments
        self._slots = SlotPlan(setup.appointments, setup.hours, setup.zone)
        self._lane_booked, self._lane_walk_in = setup.appointments.lane_ratio
        self._booked_wait_s = setup.appointments.max_wait_minutes * 60.0
        self._served_by: dict[str, list[int]] = {code: [] for code in self._services}
        for counter in setup.counters:
            for code in counter.services:
                self._served_by[code].append(counter.id)
        self.state = CentreState(
            counters={k.id: CounterState(k.id, tuple(k.services)) for k in setup.counters},
            service_times=ServiceTimes(rules.service_time_window),
        )
        self._deciders: dict[type, Callable[[Any, float, Actor], list[Event]]] = {
            c.IssueTicket: self._issue,
            c.CallNext: self._call_next,
            c.CallTicket: self._call_ticket,
            c.Recall: self._recall,
            c.StartService: self._start,
            c.Finish: self._finish,
            c.MarkNoShow: self._no_show,
            c.Reactivate: self._reactivate,
            c.SetPriority: self._set_priority,
            c.Transfer: self._transfer,
            c.RateService: self._rate,
            c.Cancel: self._cancel,
            c.OpenCounter: self._open,
            c.PauseCounter: self._pause,
            c.ResumeCounter: self._resume,
            c.CloseCounter: self._close,
            c.SignIn: self._sign_in,
            c.SignOut: self._sign_out,
            c.CloseDay: self._close_day,
            c.BookAppointment: self._book,
            c.CancelAppointment: self._cancel_appointment,
            c.CheckIn: self._check_in,
        }
        self._appliers: dict[type, Callable[[Any], None]] = {
            ev.TicketIssued: self._on_issued,
            ev.TicketCalled: self._on_called,
            ev.TicketRecalled: self._on_recalled,
            ev.ServiceStarted: self._on_started,
            ev.TicketFinished: self._on_finished,
            ev.TicketNoShow: self._on_no_show,
            ev.TicketRequeued: self._on_back_in_line,
            ev.TicketReactivated: self._on_back_in_line,
            ev.TicketPriorityChanged: self._on_priority_changed,
            ev.TicketTransferred: self._on_transferred,
            ev.ServiceRated: self._on_rated,
            ev.TicketCancelled: self._on_cancelled,
            ev.TicketExpired: self._on_expired,
            ev.CounterOpened: self._on_counter_open,
            ev.CounterResumed: self._on_counter_open,
            ev.CounterPaused: self._on_counter_paused,
            ev.CounterClosed: self._on_counter_closed,
            ev.StaffSignedIn: self._on_signed_in,
            ev.StaffSignedOut: self._on_signed_out,
            ev.DayOpened: self._on_day_opened,
            ev.DayClosed: self._on_day_closed,
            ev.TicketPrinted: self._on_device_event,
            ev.TicketPrintFailed: self._on_device_event,
            ev.AppointmentBooked: self._on_booked,
            ev.AppointmentCancelled: self._on_appointment_cancelled,
            ev.AppointmentCheckedIn: self._on_checked_in,
            ev.AppointmentMissed: self._on_appointment_missed,
            ev.AppointmentDataDropped: self._on_appointment_data_dropped,
        }

    # ------------------------------------------------------------------ entry points

    def decide(self, command: c.Command, at: float, actor: Actor) -> list[Event]:
        """The events a command causes, or CommandRejected.  Changes nothing."""
        return self._deciders[type(command)](command, at, actor)

    def housekeeping(self, at: float) -> list[Event]:
        """Events that time alone causes by `at`: a new day, no-shows back in line,
        appointments missed, a past day's personal data dropped."""
        st = self.state
        if at >= st.day_ends_at:
            events: list[Event] = []
            if st.day is not None and not st.day_closed:
                events.extend(self._day_close_events(at, SYSTEM))
            else:  # closed earlier, but someone signed in since: a day's figures end with it
                events.extend(self._sign_everyone_out(at, SYSTEM))
            day, ends_at = self._local_day(at)
            events.append(ev.DayOpened(at=at, actor=SYSTEM, day=day, ends_at=ends_at))
            events.extend(self._appointments_due(at))
            return events
        due: list[Event] = []
        for requeue_at, ticket_id in self.state.parked:
            if requeue_at > at:
                break
            due.append(ev.TicketRequeued(at=at, actor=SYSTEM, ticket=ticket_id))
        book = st.appointments
        if (book.pending and book.pending[0][0] <= at) or (book.drops and book.drops[0][0] <= at):
            due.extend(self._appointments_due(at))
        return due

    def _appointments_due(self, at: float) -> list[Event]:
        book = self.state.appointments
        due: list[Event] = []
        for missed_at, code in book.pending:
            if missed_at > at:
                break
            due.append(ev.AppointmentMissed(at=at, actor=SYSTEM, code=code))
        for drop_at, day in book.drops:
            if drop_at > at:
                break
            due.append(ev.AppointmentDataDropped(at=at, actor=SYSTEM, day=day))
        return due

    def apply(self, event: Event) -> None:
        self._appliers[type(event)](event)

    def apply_all(self, events: Iterable[Event]) -> None:
        appliers = self._appliers
        for event in events:
            appliers[type(event)](event)

    def handle(self, command: c.Command, at: float, actor: Actor) -> list[Event]:
        """Housekeeping, decide and apply in one step; returns every event applied.

        For tests and tools.  A refused command leaves the housekeeping applied but
        unreturned, so whoever keeps a log (the dispatcher) runs the steps itself."""
        events = self.housekeeping(at)
        self.apply_all(events)
        decided = self.decide(command, at, actor)
        self.apply_all(decided)
        return events + decided

    # ------------------------------------------------------------------ questions

    def ticket(self, ticket_id: int) -> Ticket:
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None:
            raise err.UnknownTicket(f"no ticket {ticket_id} today")
        return ticket

    def ticket_by_number(self, number: str) -> Ticket:
        ticket_id = self.state.by_number.get(number)
        if ticket_id is None:
            raise err.UnknownTicket(f"no ticket numbered {number!r} today")
        return self.state.tickets[ticket_id]

    def ticket_by_tracking_code(self, code: str) -> Ticket | None:
        ticket_id = self.state.by_tracking_code.get(code)
        return None if ticket_id is None else self.state.tickets[ticket_id]

    def recent_ticket(self, code: str, at: float) -> Ticket | None:
        """Today's ticket with this tracking code, or one of the last closed day's while
        its citizen may still look it up (`after_close_hours`)."""
        ticket = self.ticket_by_tracking_code(code)
        if ticket is not None:
            return ticket
        ticket_id = self.state.closed_by_code.get(code)
        if ticket_id is None or not self._after_close_open(at):
            return None
        return self.state.closed_tickets[ticket_id]

    def _after_close_open(self, at: float) -> bool:
        return at < self.state.closed_at + self._rules.after_close_hours * 3600.0

    def counter(self, counter_id: int) -> CounterState:
        counter = self.state.counters.get(counter_id)
        if counter is None:
            raise err.UnknownCounter(f"no counter {counter_id}")
        return counter

    def service(self, code: str) -> ServiceSetup:
        service = self._services.get(code)
        if service is None:
            known = ", ".join(self._services)
            raise err.UnknownService(f"no service {code!r} (known: {known})")
        return service

    def waiting_count(self, line: LineKey, priority: bool | None = None) -> int:
        """Everyone waiting in a line, or its priority lane (True), or its walk-ins (False)."""
        if priority is None:
            return self.state.lines.count(line)
        return self.state.lines.count(line, "priority" if priority else "normal")

    def booked_waiting(self, line: LineKey) -> int:
        return self.state.lines.count(line, "booked")

    def people_ahead(self, ticket: Ticket) -> int | None:
        """How many will be called before this ticket; None if not waiting.  The priority
        lane goes first; booked and walk-in tickets share the calls by `lane_ratio`."""
        if ticket.status is not TicketStatus.WAITING:
            return None
        lines = self.state.lines
        rank = lines.rank(ticket)
        lane = ticket.lane
        if lane == "priority":
            return rank
        ahead = rank + lines.count(ticket.line, "priority")
        if lane == "booked":
            return ahead + self._walk_ins_before(rank, lines.count(ticket.line, "normal"))
        return ahead + self._booked_before(rank, lines.count(ticket.line, "booked"))

    def _booked_before(self, rank: int, booked: int) -> int:
        """Booked tickets called before a walk-in with `rank` walk-ins ahead of it."""
        return min(booked, (rank // self._lane_walk_in + 1) * self._lane_booked)

    def _walk_ins_before(self, rank: int, walk_ins: int) -> int:
        """Walk-ins called before a booked ticket with `rank` booked ones ahead of it."""
        return min(walk_ins, rank // self._lane_booked * self._lane_walk_in)

    def open_counters(self, service: str) -> int:
        counters = self.state.counters
        return sum(
            1
            for cid in self._served_by.get(service, ())
            if counters[cid].status is CounterStatus.OPEN
        )

    def mean_service_s(self, service: str) -> float:
        default = (
            self._services[service].expected_minutes * 60.0 if service in self._services else 600.0
        )
        return self.state.service_times.mean(service, default)

    def estimated_wait_s(self, service: str, ahead: int) -> float | None:
        """Seconds until someone with `ahead` people before them is called; None if no counter is open."""
        open_count = self.open_counters(service)
        if open_count == 0:
            return None
        return ahead * self.mean_service_s(service) / open_count

    def ticket_estimated_wait_s(self, ticket: Ticket, ahead: int | None = None) -> float | None:
        """Seconds until a waiting ticket is called (`ahead`: its people ahead, if known)."""
        if ahead is None:
            ahead = self.people_ahead(ticket)
        if ahead is None:
            return None
        if isinstance(ticket.line, int):
            if self.state.counters[ticket.line].status is not CounterStatus.OPEN:
                return None
            return ahead * self.mean_service_s(ticket.service)
        return self.estimated_wait_s(ticket.line, ahead)

    def service_estimate(self, service: str, priority: bool = False) -> tuple[int, float | None]:
        """People a newcomer would have ahead, and the estimated wait."""
        lines = self.state.lines
        ahead = lines.count(service, "priority")
        if not priority:
            walk_ins = lines.count(service, "normal")
            ahead += walk_ins + self._booked_before(walk_ins, lines.count(service, "booked"))
        return ahead, self.estimated_wait_s(service, ahead)

    def is_open(self, at: float) -> bool:
        """Whether tickets may be issued at `at`: always, unless the hours are enforced."""
        return not self.setup.hours.enforce or self._hours.within(at)

    def next_opening(self, at: float) -> float | None:
        """When the next span of the hours starts after `at` (today or a later day, in the
        centre's zone); None when no day has any.  What a closed kiosk tells the citizen."""
        return self._hours.next_opening(at)

    # ------------------------------------------------------------------ deciding

    def _issue(self, cmd: c.IssueTicket, at: float, actor: Actor) -> list[Event]:
        service = self.service(cmd.service)
        if cmd.priority is not None and cmd.priority not in self._classes:
            known = ", ".join(sorted(self._classes)) or "none configured"
            raise err.UnknownPriorityClass(f"no priority class {cmd.priority!r} (known: {known})")
        if cmd.priority in self.setup.desk_classes and actor.kind == "kiosk":
            raise err.PriorityAtDesk(
                f"{cmd.priority!r} is checked at the reception desk: take a ticket, then show "
                "your papers there"
            )
        if cmd.lang not in self._languages:
            raise err.UnknownLanguage(
                f"language {cmd.lang!r} is not offered (offered: {', '.join(self.setup.languages)})"
            )
        self._check_open_hours(at)
        return [
            self._new_ticket(
                service,
                cmd.tracking_code,
                cmd.lang,
                cmd.priority,
                at,
                actor,
                procedure=cmd.procedure,
            )
        ]

    def _new_ticket(
        self,
        service: ServiceSetup,
        tracking_code: str,
        lang: str,
        priority: str | None,
        at: float,
        actor: Actor,
        booked: str | None = None,
        due_at: float | None = None,
        procedure: str | None = None,
    ) -> ev.TicketIssued:
        st = self.state
        if tracking_code in st.by_tracking_code:
            raise err.DuplicateTrackingCode("tracking code already used")
        apart = due_at is not None and has_booked_series(self._booking, service.code)
        if apart:
            serial = st.serials.get(service.code + BOOKED_SERIES, 0) + 1
            number = format_booked_number(self._booking, service, serial)
        else:
            serial = st.serials.get(service.code, 0) + 1
            number = format_number(service, serial)
        return ev.TicketIssued(
            at=at,
            actor=actor,
            ticket=st.next_ticket_id,
            number=number,
            service=service.code,
            priority=priority,
            day=st.day or self._local_day(at)[0],
            serial=serial,
            order=st.next_order,
            tracking_code=tracking_code,
            lang=lang,
            booked=booked,
            due_at=due_at,
            series="booked" if apart else None,
            procedure=procedure,
        )

    def _call_next(self, cmd: c.CallNext, at: float, actor: Actor) -> list[Event]:
        counter = self._open_counter(cmd.counter)
        if not isinstance(cmd.seen, msgspec.UnsetType) and cmd.seen != counter.current:
            raise err.CurrentChanged(
                f"counter {cmd.counter} has called another ticket since NEXT was pressed"
            )
        self._guard_next(counter, at)
        order, contested, booked_contested, reason = self._pick(counter, at)
        ticket_id = self.state.lines.ticket_at[order]
        events = self._release(counter, at, actor)
        events.append(
            ev.TicketCalled(
                at=at,
                actor=actor,
                ticket=ticket_id,
                counter=counter.id,
                reason=reason,
                contested=contested,
                booked_contested=booked_contested,
            )
        )
        return events

    def _guard_next(self, counter: CounterState, at: float) -> None:
        """A NEXT moments after the last one is a double press, not a decision: the citizen
        just called has had no time to come up."""
        if counter.current is None:
            return
        ticket = self.state.tickets[counter.current]
        if ticket.status is not TicketStatus.CALLED or ticket.called_at is None:
            return
        since = at - ticket.called_at
        guard = self._rules.next_guard_seconds
        if since < guard:
            raise err.JustCalled(
                f"ticket {ticket.number} was called {since:.1f} s ago at counter {counter.id} "
                f"and has not started: press START when the citizen comes, NO-SHOW if they "
                f"do not; NEXT ends it only after {guard:g} s"
            )

    def _pick(self, counter: CounterState, at: float) -> _Pick:
        """Choose the next ticket for a counter: a booked ticket past its due time first
        (the one due first), then anyone overdue, then the priority ratio, and among the
        rest the booked:walk-in ratio.  Looks at each lane's head only: O(lines)."""
        priority: list[int] = []
        booked: list[tuple[float, int]] = []
        normal: list[int] = []
        get = self.state.lines.get
        keys: tuple[LineKey, ...] = (counter.id, *counter.services)
        for key in keys:
            line = get(key)
            if line is None:
                continue
            if line.priority:
                priority.append(line.priority[0])
            if line.booked:
                booked.append(line.booked[0])
            if line.normal:
                normal.append(line.normal[0])
        if not (priority or booked or normal):
            raise err.NobodyWaiting(f"nobody is waiting for counter {counter.id}")
        contested = bool(priority) and bool(booked or normal)
        booked_contested = bool(booked) and bool(normal)
        if booked:
            first_due = min(booked)
            if first_due[0] <= at:
                return first_due[1], contested, booked_contested, "overdue"
        tickets, ticket_at = self.state.tickets, self.state.lines.ticket_at
        deadline = at - self._max_wait_s
        overdue = [
            o for o in (*priority, *normal) if tickets[ticket_at[o]].waiting_since <= deadline
        ]
        if overdue:
            return min(overdue), contested, booked_contested, "overdue"
        take_priority = counter.priority_run < self._ratio_priority if contested else bool(priority)
        if take_priority:
            chosen = priority[0] if self._in_order else min(priority)
        elif booked and (counter.booked_run < self._lane_booked if booked_contested else True):
            chosen = booked[0][1] if self._in_order else min(booked)[1]
        else:
            chosen = normal[0] if self._in_order else min(normal)
        return chosen, contested, booked_contested, "next"

    def _call_ticket(self, cmd: c.CallTicket, at: float, actor: Actor) -> list[Event]:
        counter = self._open_counter(cmd.counter)
        ticket = self.ticket(cmd.ticket)
        if ticket.status is not TicketStatus.WAITING:
            raise err.WrongTicketState(f"ticket {ticket.number} is {ticket.status}, not waiting")
        if ticket.line != counter.id and ticket.line not in counter.services:
            raise err.ServiceNotServed(
                f"counter {counter.id} does not serve {ticket.line!r}, the line of ticket {ticket.number}"
            )
        events = self._release(counter, at, actor)
        events.append(
            ev.TicketCalled(
                at=at,
                actor=actor,
                ticket=ticket.id,
                counter=counter.id,
                reason="chosen",
                contested=False,
                note=cmd.reason,
            )
        )
        return events

    def _recall(self, cmd: c.Recall, at: float, actor: Actor) -> list[Event]:
        counter, ticket = self._current(cmd.counter, TicketStatus.CALLED)
        return [
            ev.TicketRecalled(
                at=at, actor=actor, ticket=ticket.id, counter=counter.id, recalls=ticket.recalls + 1
            )
        ]

    def _start(self, cmd: c.StartService, at: float, actor: Actor) -> list[Event]:
        counter, ticket = self._current(cmd.counter, TicketStatus.CALLED)
        return [ev.ServiceStarted(at=at, actor=actor, ticket=ticket.id, counter=counter.id)]

    def _finish(self, cmd: c.Finish, at: float, actor: Actor) -> list[Event]:
        counter, ticket = self._current(cmd.counter)
        return [ev.TicketFinished(at=at, actor=actor, ticket=ticket.id, counter=counter.id)]

    def _no_show(self, cmd: c.MarkNoShow, at: float, actor: Actor) -> list[Event]:
        counter, ticket = self._current(cmd.counter, TicketStatus.CALLED)
        policy = self._rules.no_show
        requeue_at = None
        if policy.action == "requeue" and ticket.requeues < policy.max_requeues:
            requeue_at = at + policy.grace_minutes * 60.0
        return [
            ev.TicketNoShow(
                at=at, actor=actor, ticket=ticket.id, counter=counter.id, requeue_at=requeue_at
            )
        ]

    def _reactivate(self, cmd: c.Reactivate, at: float, actor: Actor) -> list[Event]:
        ticket = self.ticket(cmd.ticket)
        if ticket.status is not TicketStatus.NO_SHOW:
            raise err.WrongTicketState(f"ticket {ticket.number} is {ticket.status}, not a no-show")
        return [ev.TicketReactivated(at=at, actor=actor, ticket=ticket.id)]

    def _set_priority(self, cmd: c.SetPriority, at: float, actor: Actor) -> list[Event]:
        ticket = self.ticket(cmd.ticket)
        if cmd.priority is not None and cmd.priority not in self._classes:
            known = ", ".join(sorted(self._classes)) or "none configured"
            raise err.UnknownPriorityClass(f"no priority class {cmd.priority!r} (known: {known})")
        if ticket.status is not TicketStatus.WAITING:
            raise err.WrongTicketState(f"ticket {ticket.number} is {ticket.status}, not waiting")
        if ticket.priority == cmd.priority:
            raise err.WrongTicketState(f"ticket {ticket.number} is in that class already")
        return [
            ev.TicketPriorityChanged(at=at, actor=actor, ticket=ticket.id, priority=cmd.priority)
        ]

    def _transfer(self, cmd: c.Transfer, at: float, actor: Actor) -> list[Event]:
        if (cmd.to_service is None) == (cmd.to_counter is None):
            raise err.InvalidTransfer("give exactly one of a service or a counter to transfer to")
        counter, ticket = self._current(cmd.counter)
        to_service = ticket.service
        if cmd.to_counter is not None:
            target = self.counter(cmd.to_counter)
            if target.id == counter.id:
                raise err.TransferToSelf(
                    f"ticket {ticket.number} is already at counter {counter.id}"
                )
            if target.status is CounterStatus.CLOSED and not cmd.insist:
                raise err.NobodyThereToCall(
                    f"counter {target.id} is closed: ticket {ticket.number} would wait where "
                    "nobody calls it (a supervisor may insist)"
                )
        else:
            assert cmd.to_service is not None
            to_service = self.service(cmd.to_service).code
            if to_service == ticket.service and ticket.line == ticket.service:
                raise err.TransferToSelf(
                    f"ticket {ticket.number} is already for service {to_service!r}"
                )
            if not self._served_by.get(to_service):
                raise err.ServiceNotServed(f"no counter serves {to_service!r}")
            counters = self.state.counters
            if not cmd.insist and all(
                counters[k].status is CounterStatus.CLOSED for k in self._served_by[to_service]
            ):
                raise err.NobodyThereToCall(
                    f"no counter serving {to_service!r} is open: ticket {ticket.number} would "
                    "wait where nobody calls it (a supervisor may insist)"
                )
        keeps_place = self._rules.transfer_keeps_place
        return [
            ev.TicketTransferred(
                at=at,
                actor=actor,
                ticket=ticket.id,
                counter=counter.id,
                to_service=to_service,
                to_counter=cmd.to_counter,
                order=ticket.order if keeps_place else self.state.next_order,
                waiting_since=ticket.waiting_since if keeps_place else at,
            )
        ]

    def _rate(self, cmd: c.RateService, at: float, actor: Actor) -> list[Event]:
        ticket = self.state.tickets.get(cmd.ticket)
        if ticket is None and cmd.ticket in self.state.closed_tickets:
            if cmd.counter is not None or not self._after_close_open(at):
                raise err.RatingClosed(f"ratings of the day of ticket {cmd.ticket} are closed")
            ticket = self.state.closed_tickets[cmd.ticket]
        if ticket is None:
            ticket = self.ticket(cmd.ticket)
        if cmd.counter is not None:
            self._check_tablet(self.counter(cmd.counter), ticket, at)
        if ticket.status is not TicketStatus.DONE:
            raise err.WrongTicketState(
                f"ticket {ticket.number} is {ticket.status}: only a finished service is rated"
            )
        if ticket.rating is not None:
            raise err.AlreadyRated(f"ticket {ticket.number} was rated already")
        if cmd.reason is not None:
            if cmd.rating != "dissatisfied":
                raise err.InvalidRatingReason("a reason is asked only of the dissatisfied")
            if cmd.reason not in self.setup.rating_reasons:
                known = ", ".join(self.setup.rating_reasons) or "none configured"
                raise err.InvalidRatingReason(f"no reason {cmd.reason!r} (known: {known})")
        return [
            ev.ServiceRated(
                at=at, actor=actor, ticket=ticket.id, rating=cmd.rating, reason=cmd.reason
            )
        ]

    def _check_tablet(self, counter: CounterState, ticket: Ticket, at: float) -> None:
        """A counter's tablet asks the citizen still at the desk, and nobody else: the
        ticket it served last, within minutes, before the next citizen's service begins."""
        if counter.last_served != ticket.id:
            raise err.NotServedHere(
                f"ticket {ticket.number} is not the last one counter {counter.id} served"
            )
        finished = ticket.finished_at if ticket.finished_at is not None else at
        current = self.state.tickets.get(counter.current) if counter.current is not None else None
        if at - finished > TABLET_RATING_WINDOW_S or (
            current is not None and current.status is TicketStatus.SERVING
        ):
            raise err.RatingClosed(
                f"counter {counter.id}'s tablet no longer asks about ticket {ticket.number}: "
                "the citizen has left (their phone may still rate)"
            )

    def _cancel(self, cmd: c.Cancel, at: float, actor: Actor) -> list[Event]:
        ticket = self.ticket(cmd.ticket)
        if ticket.status in FINAL:
            raise err.WrongTicketState(f"ticket {ticket.number} is already {ticket.status}")
        return [ev.TicketCancelled(at=at, actor=actor, ticket=ticket.id)]

    def _open(self, cmd: c.OpenCounter, at: float, actor: Actor) -> list[Event]:
        counter = self.counter(cmd.counter)
        if counter.status is not CounterStatus.CLOSED:
            raise err.WrongCounterState(f"counter {counter.id} is already {counter.status}")
        return [ev.CounterOpened(at=at, actor=actor, counter=counter.id)]

    def _pause(self, cmd: c.PauseCounter, at: float, actor: Actor) -> list[Event]:
        counter = self.counter(cmd.counter)
        if counter.status is not CounterStatus.OPEN:
            raise err.WrongCounterState(f"counter {counter.id} is {counter.status}, not open")
        return [ev.CounterPaused(at=at, actor=actor, counter=counter.id)]

    def _resume(self, cmd: c.ResumeCounter, at: float, actor: Actor) -> list[Event]:
        counter = self.counter(cmd.counter)
        if counter.status is CounterStatus.PAUSED:
            return [ev.CounterResumed(at=at, actor=actor, counter=counter.id)]
        if counter.status is CounterStatus.CLOSED:
            return [ev.CounterOpened(at=at, actor=actor, counter=counter.id)]
        raise err.WrongCounterState(f"counter {counter.id} is already open")

    def _close(self, cmd: c.CloseCounter, at: float, actor: Actor) -> list[Event]:
        counter = self.counter(cmd.counter)
        if counter.status is CounterStatus.CLOSED:
            raise err.WrongCounterState(f"counter {counter.id} is already closed")
        events = self._release(counter, at, actor)
        events.append(ev.CounterClosed(at=at, actor=actor, counter=counter.id))
        return events

    def _sign_in(self, cmd: c.SignIn, at: float, actor: Actor) -> list[Event]:
        counter = self.counter(cmd.counter)
        if counter.staff == cmd.staff:
            return []  # logged in again (another browser): still theirs
        events: list[Event] = []
        if counter.staff is not None:
            events.append(
                ev.StaffSignedOut(
                    at=at, actor=actor, counter=counter.id, staff=counter.staff, reason="replaced"
                )
            )
        events.append(ev.StaffSignedIn(at=at, actor=actor, counter=counter.id, staff=cmd.staff))
        return events

    def _sign_out(self, cmd: c.SignOut, at: float, actor: Actor) -> list[Event]:
        counter = self.counter(cmd.counter)
        if counter.staff != cmd.staff:
            return []  # another has taken the counter since: nothing of theirs to end
        return [
            ev.StaffSignedOut(
                at=at, actor=actor, counter=counter.id, staff=cmd.staff, reason=cmd.reason
            )
        ]

    def _sign_everyone_out(self, at: float, actor: Actor) -> list[Event]:
        """A day's figures stand alone: nobody holds a counter from one day into the next."""
        events: list[Event] = []
        for counter in self.state.counters.values():
            if counter.staff is not None:
                events.append(
                    ev.StaffSignedOut(
                        at=at,
                        actor=actor,
                        counter=counter.id,
                        staff=counter.staff,
                        reason="day_closed",
                    )
                )
        return events

    def _close_day(self, cmd: c.CloseDay, at: float, actor: Actor) -> list[Event]:
        st = self.state
        if st.day is None or st.day_closed:
            raise err.DayAlreadyClosed("the day is already closed")
        return self._day_close_events(at, actor)

    def _day_close_events(self, at: float, actor: Actor) -> list[Event]:
        """Expire who still waits, finish who is being served, close every counter."""
        st = self.state
        events: list[Event] = []
        for ticket in st.tickets.values():
            if ticket.status is TicketStatus.SERVING:
                assert ticket.counter is not None
                events.append(
                    ev.TicketFinished(
                        at=at, actor=actor, ticket=ticket.id, counter=ticket.counter, by_close=True
                    )
                )
            elif ticket.status in (TicketStatus.WAITING, TicketStatus.CALLED) or (
                ticket.status is TicketStatus.NO_SHOW and ticket.requeue_at is not None
            ):
                events.append(ev.TicketExpired(at=at, actor=actor, ticket=ticket.id))
        for counter in st.counters.values():
            if counter.status is not CounterStatus.CLOSED:
                events.append(ev.CounterClosed(at=at, actor=actor, counter=counter.id))
        events.extend(self._sign_everyone_out(at, actor))
        assert st.day is not None
        events.append(ev.DayClosed(at=at, actor=actor, day=st.day))
        return events

    # ------------------------------------------------------------------ deciding: appointments

    def _book(self, cmd: c.BookAppointment, at: float, actor: Actor) -> list[Event]:
        self._check_booking_open()
        service = self.service(cmd.service)
        if cmd.lang not in self._languages:
            raise err.UnknownLanguage(
                f"language {cmd.lang!r} is not offered (offered: {', '.join(self.setup.languages)})"
            )
        book = self.state.appointments
        if cmd.code in book.by_code:
            raise err.DuplicateAppointmentCode("appointment code already used")
        start, end = self._bookable_slot(cmd.start, at)
        capacity = self.slot_capacity(service.code)
        if book.taken(service.code, start) >= capacity:
            raise err.SlotFull(f"the slot at {self._clock(start)} is full ({capacity} places)")
        day = self._slots.day_of(start).isoformat()
        held = book.held_by(day, cmd.person)
        per_day = self._booking.per_person_per_day
        if len(held) >= per_day:
            raise err.QuotaExceeded(f"this phone number already holds {per_day} bookings on {day}")
        if any(a.service == service.code for a in held):
            raise err.QuotaExceeded(
                f"this phone number already holds a booking for {service.code!r} on {day}"
            )
        return [
            ev.AppointmentBooked(
                at=at,
                actor=actor,
                code=cmd.code,
                service=service.code,
                start=start,
                end=end,
                person=cmd.person,
                masked_phone=cmd.masked_phone,
                lang=cmd.lang,
            )
        ]

    def _cancel_appointment(self, cmd: c.CancelAppointment, at: float, actor: Actor) -> list[Event]:
        appointment = self.appointment(cmd.code)
        self._check_not_settled(appointment)
        if appointment.status is AppointmentStatus.MISSED:
            raise err.TooLate("the appointment was missed: there is nothing left to cancel")
        return [ev.AppointmentCancelled(at=at, actor=actor, code=appointment.code)]

    def _check_in(self, cmd: c.CheckIn, at: float, actor: Actor) -> list[Event]:
        """On time: a ticket in the booked lane, due `max_wait_minutes` after the later of
        the slot's start and now.  Late the same day: a walk-in ticket, or refused."""
        self._check_booking_open()
        rules = self._booking
        appointment = self.appointment(cmd.code)
        self._check_not_settled(appointment)
        opens_at = appointment.start - rules.early_minutes * 60.0
        if at < opens_at:
            raise err.TooEarly(f"check-in opens at {self._clock(opens_at)}")
        on_time = appointment.status is AppointmentStatus.BOOKED and at < appointment.missed_at
        if not on_time:
            same_day = appointment.day == self._slots.day_of(at).isoformat()
            if rules.late == "refuse" or not same_day:
                raise err.TooLate(
                    f"check-in for the slot at {self._clock(appointment.start)} closed at "
                    f"{self._clock(appointment.missed_at)}"
                )
            self._check_open_hours(at)
        service = self.service(appointment.service)
        due_at = max(appointment.start, at) + self._booked_wait_s if on_time else None
        issued = self._new_ticket(
            service, cmd.tracking_code, appointment.lang, None, at, actor, appointment.code, due_at
        )
        checked_in = ev.AppointmentCheckedIn(
            at=at, actor=actor, code=appointment.code, ticket=issued.ticket
        )
        return [checked_in, issued]

    def appointment(self, code: str) -> Appointment:
        appointment = self.state.appointments.get(code)
        if appointment is None:
            raise err.UnknownAppointment("no appointment with this code")
        return appointment

    def slot_capacity(self, service: str) -> int:
        """Places one slot of a service offers: its `per_slot` (or `per_service`), never
        more than `max_share` of what its counters can serve in a slot."""
        rules = self._booking
        servable = self._servable(service)
        return max(0, min(rules.places(service), math.floor(rules.max_share * servable + 1e-9)))

    def slot_servable(self, service: str) -> int:
        """Citizens the counters serving a service can serve in one slot, whole: booked
        places are taken from these, walk-ins have the rest (the admin page's figures)."""
        return math.floor(self._servable(service) + 1e-9)

    def _servable(self, service: str) -> float:
        counters = len(self._served_by.get(service, ()))
        minutes = self._services[service].expected_minutes
        return counters * self._booking.slot_minutes / minutes if minutes > 0 else 0.0

    def appointment_slots(
        self, service: str, day: date, at: float
    ) -> list[tuple[float, float, int, int]]:
        """(start, end, capacity, free) of a day's slots for a service; `free` is 0 where
        booking is closed (past, after the cutoff, beyond `days_ahead`)."""
        code = self.service(service).code
        capacity = self.slot_capacity(code)
        taken = self.state.appointments.taken
        found = []
        for start, end in self._slots.slots(day):
            try:
                self._bookable_slot(start, at)
                free = max(0, capacity - taken(code, start))
            except err.InvalidSlot:
                free = 0
            found.append((start, end, capacity, free))
        return found

    def _check_booking_open(self) -> None:
        if not self._booking.enabled:
            raise err.AppointmentsDisabled("this centre takes no bookings")

    def _check_not_settled(self, appointment: Appointment) -> None:
        if appointment.status is AppointmentStatus.CANCELLED:
            raise err.AppointmentCancelled("the appointment was cancelled")
        if appointment.status is AppointmentStatus.CHECKED_IN:
            raise err.AlreadyCheckedIn("the appointment is already checked in")

    def _bookable_slot(self, start: float, at: float) -> tuple[float, float]:
        rules = self._booking
        if not math.isfinite(start) or start < at:
            raise err.InvalidSlot("the slot has passed")
        if start > at + (rules.days_ahead + 2) * 86400.0:
            raise err.InvalidSlot(f"slots are booked at most {rules.days_ahead} days ahead")
        slot = self._slots.slot_starting(start)
        if slot is None:
            raise err.InvalidSlot(
                f"{self._clock(start)} is not the start of a {rules.slot_minutes}-minute slot "
                "within the opening hours"
            )
        if (self._slots.day_of(start) - self._slots.day_of(at)).days > rules.days_ahead:
            raise err.InvalidSlot(f"slots are booked at most {rules.days_ahead} days ahead")
        if start - rules.cutoff_minutes * 60.0 < at:
            raise err.InvalidSlot(
                f"booking closes {rules.cutoff_minutes:g} minutes before the slot starts"
            )
        return slot

    def _clock(self, at: float) -> str:
        """A moment as the centre's wall clock reads it, for refusals' messages."""
        return f"{datetime.fromtimestamp(at, self._zone):%Y-%m-%d %H:%M}"

    # ------------------------------------------------------------------ deciding: helpers

    def _open_counter(self, counter_id: int) -> CounterState:
        counter = self.counter(counter_id)
        if counter.status is CounterStatus.CLOSED:
            raise err.CounterClosed(f"counter {counter_id} is closed")
        if counter.status is CounterStatus.PAUSED:
            raise err.CounterPaused(f"counter {counter_id} is paused")
        return counter

    def _current(
        self, counter_id: int, required: TicketStatus | None = None
    ) -> tuple[CounterState, Ticket]:
        counter = self.counter(counter_id)
        if counter.current is None:
            raise err.NoCurrentTicket(f"counter {counter_id} has no ticket at the moment")
        ticket = self.state.tickets[counter.current]
        if required is not None and ticket.status is not required:
            raise err.WrongTicketState(f"ticket {ticket.number} is {ticket.status}, not {required}")
        return counter, ticket

    def _release(self, counter: CounterState, at: float, actor: Actor) -> list[Event]:
        """End the counter's current ticket, if any, before it takes another: finished if
        its service started, else ended without being known served."""
        if counter.current is None:
            return []
        never_started = self.state.tickets[counter.current].status is TicketStatus.CALLED
        return [
            ev.TicketFinished(
                at=at,
                actor=actor,
                ticket=counter.current,
                counter=counter.id,
                never_started=never_started,
            )
        ]

    def _check_open_hours(self, at: float) -> None:
        if self.is_open(at):
            return
        opens_at = self.next_opening(at)
        raise err.CentreClosed(self._hours.closed_message(opens_at), opens_at=opens_at)

    def _local_day(self, at: float) -> tuple[str, float]:
        day = datetime.fromtimestamp(at, self._zone).date()
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self._zone)
        return day.isoformat(), midnight.timestamp()

    # ------------------------------------------------------------------ applying

    def _on_issued(self, e: ev.TicketIssued) -> None:
        st = self.state
        ticket = Ticket(
            id=e.ticket,
            number=e.number,
            service=e.service,
            priority=e.priority,
            day=e.day,
            serial=e.serial,
            tracking_code=e.tracking_code,
            lang=e.lang,
            issued_at=e.at,
            order=e.order,
            waiting_since=e.at,
            line=e.service,
            booked=e.booked,
            due_at=e.due_at,
            procedure=e.procedure,
        )
        st.tickets[ticket.id] = ticket
        st.lines.add(ticket)
        st.by_tracking_code[ticket.tracking_code] = ticket.id
        st.by_number[ticket.number] = ticket.id
        st.serials[e.service if e.series is None else e.service + BOOKED_SERIES] = e.serial
        st.next_ticket_id = max(st.next_ticket_id, e.ticket + 1)
        st.next_order = max(st.next_order, e.order + 1)
        st.issued_today += 1
        st.day_closed = False

    def _on_called(self, e: ev.TicketCalled) -> None:
        st = self.state
        ticket = st.tickets[e.ticket]
        self._leave(ticket)
        counter = st.counters[e.counter]
        ticket.status = TicketStatus.CALLED
        ticket.counter = counter.id
        ticket.called_at = e.at
        ticket.started_at = None
        counter.current = ticket.id
        if e.reason == "next":
            self._advance_ratio(counter, e.contested, ticket.is_priority)
            if not ticket.is_priority:
                self._advance_lanes(counter, e.booked_contested, ticket.due_at is not None)

    def _advance_ratio(self, counter: CounterState, contested: bool, priority: bool) -> None:
        """Count a regular call in the p:n cycle; an uncontested call starts a fresh cycle."""
        if not contested:
            counter.priority_run = counter.normal_run = 0
        elif priority:
            counter.priority_run += 1
        else:
            counter.normal_run += 1
            if counter.normal_run >= self._ratio_normal:
                counter.priority_run = counter.normal_run = 0

    def _advance_lanes(self, counter: CounterState, contested: bool, booked: bool) -> None:
        """Count a regular non-priority call in the booked:walk-in cycle, as the p:n one."""
        if not contested:
            counter.booked_run = counter.walk_in_run = 0
        elif booked:
            counter.booked_run += 1
        else:
            counter.walk_in_run += 1
            if counter.walk_in_run >= self._lane_walk_in:
                counter.booked_run = counter.walk_in_run = 0

    def _on_recalled(self, e: ev.TicketRecalled) -> None:
        self.state.tickets[e.ticket].recalls = e.recalls

    def _on_started(self, e: ev.ServiceStarted) -> None:
        ticket = self.state.tickets[e.ticket]
        ticket.status = TicketStatus.SERVING
        ticket.started_at = e.at

    def _on_finished(self, e: ev.TicketFinished) -> None:
        ticket = self.state.tickets[e.ticket]
        began = ticket.started_at if ticket.started_at is not None else ticket.called_at
        self._leave(ticket)
        ticket.status = TicketStatus.ENDED if e.never_started else TicketStatus.DONE
        ticket.finished_at = e.at
        if not e.never_started:
            self._counter(e.counter).served_today += 1
        if untimed_finish(e) or e.never_started:
            return
        self._counter(e.counter).last_served = ticket.id
        if began is not None and e.at > began:
            self.state.service_times.add(ticket.service, e.at - began)

    def _on_rated(self, e: ev.ServiceRated) -> None:
        st = self.state
        ticket = st.tickets.get(e.ticket) or st.closed_tickets[e.ticket]
        ticket.rating = e.rating
        ticket.rating_reason = e.reason

    def _on_no_show(self, e: ev.TicketNoShow) -> None:
        ticket = self.state.tickets[e.ticket]
        self._leave(ticket)
        ticket.status = TicketStatus.NO_SHOW
        ticket.requeue_at = e.requeue_at
        self._counter(e.counter).absent[ticket.id] = None
        if e.requeue_at is not None:
            self.state.parked.add((e.requeue_at, ticket.id))

    def _on_back_in_line(self, e: ev.TicketRequeued | ev.TicketReactivated) -> None:
        ticket = self.state.tickets[e.ticket]
        if isinstance(e, ev.TicketRequeued):
            ticket.requeues += 1
        self._leave(ticket)
        ticket.status = TicketStatus.WAITING
        self.state.lines.add(ticket)

    def _on_priority_changed(self, e: ev.TicketPriorityChanged) -> None:
        ticket = self.state.tickets[e.ticket]
        self.state.lines.remove(ticket)  # from the lane its class put it in
        ticket.priority = e.priority
        self.state.lines.add(ticket)  # by the same order: its place by issue time

    def _on_transferred(self, e: ev.TicketTransferred) -> None:
        st = self.state
        ticket = st.tickets[e.ticket]
        self._leave(ticket)
        ticket.status = TicketStatus.WAITING
        if e.to_service != ticket.service:
            ticket.procedure = None  # another service: the procedure's papers no longer apply
        ticket.service = e.to_service
        ticket.line = e.to_counter if e.to_counter is not None else e.to_service
        ticket.order = e.order
        ticket.waiting_since = e.waiting_since
        st.lines.add(ticket)
        st.next_order = max(st.next_order, e.order + 1)

    def _on_cancelled(self, e: ev.TicketCancelled) -> None:
        self._end(e.ticket, TicketStatus.CANCELLED, e.at)

    def _on_expired(self, e: ev.TicketExpired) -> None:
        self._end(e.ticket, TicketStatus.EXPIRED, e.at)

    def _on_counter_open(self, e: ev.CounterOpened | ev.CounterResumed) -> None:
        self._counter(e.counter).status = CounterStatus.OPEN

    def _on_counter_paused(self, e: ev.CounterPaused) -> None:
        self._counter(e.counter).status = CounterStatus.PAUSED

    def _on_counter_closed(self, e: ev.CounterClosed) -> None:
        counter = self._counter(e.counter)
        counter.status = CounterStatus.CLOSED
        counter.priority_run = counter.normal_run = 0
        counter.booked_run = counter.walk_in_run = 0

    def _on_signed_in(self, e: ev.StaffSignedIn) -> None:
        self._counter(e.counter).staff = e.staff

    def _on_signed_out(self, e: ev.StaffSignedOut) -> None:
        counter = self._counter(e.counter)
        if counter.staff == e.staff:
            counter.staff = None

    def _on_day_opened(self, e: ev.DayOpened) -> None:
        st = self.state
        st.day, st.day_ends_at, st.day_closed = e.day, e.ends_at, False
        st.serials.clear()
        st.issued_today = 0

    def _on_device_event(self, e: ev.TicketPrinted | ev.TicketPrintFailed) -> None:
        """Recorded for the audit trail; the queue is the same whether a ticket was printed."""

    def _on_day_closed(self, e: ev.DayClosed) -> None:
        """Every ticket is final by now; the day's tickets leave the queue.  They are kept
        aside until the next close, for their citizens' pages and ratings
        (`recent_ticket`), and live on in the log."""
        st = self.state
        st.day_closed = True
        for counter in st.counters.values():
            counter.last_served = None
            counter.served_today = 0
            counter.absent.clear()
        st.closed_tickets, st.tickets = st.tickets, {}
        st.closed_by_code, st.by_tracking_code = st.by_tracking_code, {}
        st.closed_at = e.at
        st.by_number.clear()
        self.state.parked.clear()

    def _on_booked(self, e: ev.AppointmentBooked) -> None:
        rules = self._booking
        day = self._slots.day_of(e.start)
        self.state.appointments.add(
            Appointment(
                code=e.code,
                service=e.service,
                start=e.start,
                end=e.end,
                day=day.isoformat(),
                person=e.person,
                masked_phone=e.masked_phone,
                lang=e.lang,
                booked_at=e.at,
                missed_at=e.start + rules.late_minutes * 60.0,
                drop_at=self._slots.midnight(day + timedelta(days=rules.retention_days + 1)),
            )
        )

    def _on_appointment_cancelled(self, e: ev.AppointmentCancelled) -> None:
        self.state.appointments.cancel(e.code)

    def _on_checked_in(self, e: ev.AppointmentCheckedIn) -> None:
        self.state.appointments.settle(e.code, AppointmentStatus.CHECKED_IN, e.ticket)

    def _on_appointment_missed(self, e: ev.AppointmentMissed) -> None:
        self.state.appointments.settle(e.code, AppointmentStatus.MISSED)

    def _on_appointment_data_dropped(self, e: ev.AppointmentDataDropped) -> None:
        self.state.appointments.drop_day(e.day)

    # ------------------------------------------------------------------ applying: helpers

    def _counter(self, counter_id: int) -> CounterState:
        """A counter named by an event; one dropped from the config since is kept closed."""
        counter = self.state.counters.get(counter_id)
        if counter is None:
            counter = self.state.counters[counter_id] = CounterState(counter_id, ())
        return counter

    def _leave(self, ticket: Ticket) -> None:
        """Take a ticket out of wherever it is: its line, the parked list or a counter."""
        if ticket.status is TicketStatus.NO_SHOW and ticket.counter is not None:
            self._counter(ticket.counter).absent.pop(ticket.id, None)
        if ticket.status is TicketStatus.WAITING:
            self.state.lines.remove(ticket)
        elif ticket.status in AT_COUNTER and ticket.counter is not None:
            counter = self._counter(ticket.counter)
            if counter.current == ticket.id:
                counter.current = None
        elif ticket.requeue_at is not None:
            self.state.parked.discard((ticket.requeue_at, ticket.id))
            ticket.requeue_at = None

    def _end(self, ticket_id: int, status: TicketStatus, at: float) -> None:
        ticket = self.state.tickets[ticket_id]
        self._leave(ticket)
        ticket.status = status
        ticket.finished_at = at
