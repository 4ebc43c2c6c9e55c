"""A day at the centre in figures: how long people waited, how long they were served, how
satisfied they were; per service, per counter, per hour, priority against normal and
booked against walk-in.

Built from the day's events alone (the log is the truth), by a pure class fed events in
order: no I/O, so every figure is tested on hand-made days.  `reports/build.py` feeds it
from the log file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import CentreConfig
from ..engine import events as ev
from ..engine.events import RATINGS, Event
from .spreadsheet import STAFF_COLUMNS, write_csv

SATISFIED = ("very_satisfied", "satisfied")
ROW_COLUMNS = (
    "number",
    "service",
    "priority",
    "arrival",
    "language",
    "issued",
    "called",
    "counter",
    "finished",
    "wait_minutes",
    "wait_seconds",
    "service_minutes",
    "service_seconds",
    "outcome",
    "transfers",
    "rating",
    "reason",
    "staff",
)
"""The columns of `DayReport.rows()`, the same on a day without tickets."""

Outcome = str
"""done, ended (called, never started, ended by NEXT), no_show, cancelled, expired, or
waiting / at_counter while the day is open."""


@dataclass(slots=True)
class TicketRecord:
    """One ticket's day, as the report needs it."""

    id: int
    number: str
    service: str
    priority: str | None
    issued_at: float
    lang: str
    outcome: Outcome = "waiting"
    first_called_at: float | None = None
    began_at: float | None = None
    """When the service that finished began: started, else last called."""
    finished_at: float | None = None
    finished_by_close: bool = False
    called_at: set[int] = field(default_factory=set)
    """Every counter that called it (a transfer sends it to another)."""
    counter: int | None = None
    """The counter that finished it (or last held it)."""
    transfers: int = 0
    rating: str | None = None
    rating_reason: str | None = None
    booked: bool = False
    """Checked in on time for a booking: it waited in the booked lane."""
    booking: str | None = None
    """The booking it was checked in for, on time or late (a late one waits as a walk-in)."""
    staff: str | None = None
    """Who was signed in at the counter that last dealt with it (called, finished, marked
    absent): the one its service, time and rating count for."""

    @property
    def arrival(self) -> str:
        """booked (on time: the booked lane), booked_late (waited as a walk-in), walk_in."""
        if self.booked:
            return "booked"
        return "walk_in" if self.booking is None else "booked_late"

    @property
    def wait_s(self) -> float | None:
        """Issued to first called: the wait in the hall."""
        return None if self.first_called_at is None else self.first_called_at - self.issued_at

    @property
    def service_s(self) -> float | None:
        """Time at the counter for a service someone finished (not the night's close)."""
        if self.outcome != "done" or self.finished_by_close:
            return None
        if self.began_at is None or self.finished_at is None:
            return None
        return max(0.0, self.finished_at - self.began_at)


@dataclass(slots=True)
class StaffRecord:
    """One person's day at the counters: what happened at a counter while they held it."""

    name: str
    counters: set[int] = field(default_factory=set)
    called: int = 0
    no_shows: int = 0
    open_s: float = 0.0
    """Open and not paused, while they held it."""
    paused_s: float = 0.0


@dataclass(slots=True)
class CounterRecord:
    """Who holds a counter and how it stands, since when: to add up each person's time."""

    staff: str | None = None
    status: str = "closed"
    since: float = 0.0


def minutes(seconds: list[float]) -> dict[str, Any]:
    """count, mean, median, p90 and max of durations, in minutes to 0.1, and the same in
    whole seconds (`mean_s`...: pages show minutes and seconds)."""
    if not seconds:
        return {"count": 0, **dict.fromkeys(_FIGURES), **{f"{k}_s": None for k in _FIGURES}}
    ordered = sorted(seconds)

    def rank(q: float) -> float:  # nearest rank: a value that happened
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    figures = {
        "mean": sum(ordered) / len(ordered),
        "median": rank(0.5),
        "p90": rank(0.9),
        "max": ordered[-1],
    }
    return {
        "count": len(ordered),
        **{k: _min(v) for k, v in figures.items()},
        **{f"{k}_s": round(v) for k, v in figures.items()},
    }


_FIGURES = ("mean", "median", "p90", "max")


def _min(seconds: float) -> float:
    return round(seconds / 60.0, 1)


def satisfaction(ratings: list[str], reasons: list[str] | None = None) -> dict[str, Any]:
    """Counts per level, the share satisfied (very satisfied or satisfied), and why the
    dissatisfied said they were (reason code -> count, most said first)."""
    counts = Counter(ratings)
    rated = len(ratings)
    share = None if rated == 0 else round(sum(counts[r] for r in SATISFIED) / rated, 3)
    return {
        "rated": rated,
        **{r: counts[r] for r in RATINGS},
        "satisfied_share": share,
        "reasons": dict(Counter(reasons or []).most_common()),
    }


@dataclass(slots=True)
class DayReport:
    """Feed it one day's events in log order (`add`), then ask for `result()`."""

    config: CentreConfig
    day: str
    tickets: dict[int, TicketRecord] = field(default_factory=dict)
    closed: bool = False
    ended: bool = False
    days: list[str] = field(default_factory=list)
    """Every day the log holds, newest first (for moving between reports)."""
    appointments: Counter[str] = field(default_factory=Counter)
    """What happened to bookings this day: booked (made today, for any day), cancelled,
    checked_in, missed (not checked in by the end of their window: the bookings' no-shows)."""
    staff: dict[str, StaffRecord] = field(default_factory=dict)
    counters: dict[int, CounterRecord] = field(default_factory=dict)
    last_at: float = 0.0
    """The time of the last event of the day: an open day's figures run up to it."""

    def add(self, event: Event) -> None:
        kind = type(event)
        if self.ended:
            if isinstance(event, ev.ServiceRated):  # rated after the close: the next day's log
                self._late_rating(event)
            return
        day_fold = _DAY_FOLDS.get(kind)
        if day_fold is not None:
            day_fold(self, event)
            return
        self.last_at = max(self.last_at, event.at)
        follow = _TICKET_FOLDS.get(kind)
        if follow is not None:
            record = self.tickets.get(event.ticket)  # type: ignore[union-attr]
            if record is not None:
                follow(record, event)
        at_counter = _STAFF_FOLDS.get(kind)
        if at_counter is not None:
            at_counter(self, event)

    def _late_rating(self, event: ev.ServiceRated) -> None:
        record = self.tickets.get(event.ticket)
        if record is not None:
            _rated(record, event)

    def _day_opened(self, event: ev.DayOpened) -> None:
        if event.day != self.day:
            self.ended = True  # the next day's events are the next report's

    def _day_closed(self, event: ev.DayClosed) -> None:
        self.closed = True
        self.last_at = max(self.last_at, event.at)

    # ------------------------------------------------------------------ who did it

    def _counter_record(self, counter: int) -> CounterRecord:
        record = self.counters.get(counter)
        if record is None:
            record = self.counters[counter] = CounterRecord()
        return record

    def _holder(self, counter: int) -> StaffRecord | None:
        """The person signed in at a counter now, if anyone."""
        record = self.counters.get(counter)
        return None if record is None or record.staff is None else self.staff[record.staff]

    def _settle(self, counter: int, at: float) -> CounterRecord:
        """Count the time since the counter's last change to whoever held it."""
        record = self._counter_record(counter)
        holder = self._holder(counter)
        if holder is not None and at > record.since:
            if record.status == "open":
                holder.open_s += at - record.since
            elif record.status == "paused":
                holder.paused_s += at - record.since
        record.since = at
        return record

    def _counter_changed(self, event: Any) -> None:
        self._settle(event.counter, event.at).status = _COUNTER_STATUS[type(event)]

    def _signed_in(self, event: ev.StaffSignedIn) -> None:
        self._settle(event.counter, event.at).staff = event.staff
        person = self.staff.get(event.staff)
        if person is None:
            person = self.staff[event.staff] = StaffRecord(event.staff)
        person.counters.add(event.counter)

    def _signed_out(self, event: ev.StaffSignedOut) -> None:
        record = self._settle(event.counter, event.at)
        if record.staff == event.staff:
            record.staff = None

    def _staff_called(self, event: ev.TicketCalled) -> None:
        holder = self._holder(event.counter)
        if holder is not None:
            holder.called += 1
        self._attribute(event.ticket, holder)

    def _staff_finished(self, event: ev.TicketFinished) -> None:
        self._attribute(event.ticket, self._holder(event.counter))

    def _staff_no_show(self, event: ev.TicketNoShow) -> None:
        holder = self._holder(event.counter)
        if holder is not None:
            holder.no_shows += 1
        self._attribute(event.ticket, holder)

    def _attribute(self, ticket: int, holder: StaffRecord | None) -> None:
        record = self.tickets.get(ticket)
        if record is not None:
            record.staff = None if holder is None else holder.name

    def _staff_rows(self, tickets: list[TicketRecord]) -> list[dict[str, Any]]:
        """Per person signed in at a counter today, by name: what they called, served and
        marked absent, how long their services took, how satisfied their citizens were,
        and how long their counters were open and paused while they held them (an open
        day: up to its last event)."""
        served_by: dict[str, list[TicketRecord]] = {}
        for ticket in tickets:
            if ticket.outcome == "done" and ticket.staff is not None:
                served_by.setdefault(ticket.staff, []).append(ticket)
        rows = []
        for name in sorted(self.staff):
            person = self.staff[name]
            open_s, paused_s = person.open_s, person.paused_s
            for record in self.counters.values():  # still held: count up to the last event
                if record.staff == name and self.last_at > record.since:
                    if record.status == "open":
                        open_s += self.last_at - record.since
                    elif record.status == "paused":
                        paused_s += self.last_at - record.since
            served = served_by.get(name, [])
            rows.append(
                {
                    "staff": name,
                    "counters": sorted(person.counters),
                    "called": person.called,
                    "served": len(served),
                    "no_show": person.no_shows,
                    "service_minutes": _service_times(served),
                    "satisfaction": _ratings(served),
                    "open_s": round(open_s),
                    "paused_s": round(paused_s),
                }
            )
        return rows

    def _issued(self, event: ev.TicketIssued) -> None:
        self.closed = False  # a ticket issued after a close reopens the day
        self.tickets[event.ticket] = TicketRecord(
            id=event.ticket,
            number=event.number,
            service=event.service,
            priority=event.priority,
            issued_at=event.at,
            lang=event.lang,
            booked=event.due_at is not None,
            booking=event.booked,
        )

    def _appointment(self, event: ev.Event) -> None:
        self.appointments[_APPOINTMENT_COUNTS[type(event)]] += 1

    def _data_dropped(self, event: ev.AppointmentDataDropped) -> None:
        """An older day's personal data forgotten: no figure of this day changes."""

    def result(self) -> dict[str, Any]:
        tickets = list(self.tickets.values())
        return {
            "day": self.day,
            "complete": self.closed,
            "days": self.days,
            "tickets": _outcomes(tickets),
            "wait_minutes": _waits(tickets),
            "wait_target": self._within_target(tickets),
            "service_minutes": _service_times(tickets),
            "satisfaction": _ratings(tickets),
            "services": [self._service(s.code, tickets) for s in self.config.services],
            "counters": [self._counter(k.id, tickets) for k in self.config.counters],
            "staff": self._staff_rows(tickets),
            "priority": {
                "priority": _group([t for t in tickets if t.priority is not None]),
                "normal": _group([t for t in tickets if t.priority is None]),
            },
            "hours": self._hours(tickets),
            "booking": self._booking(tickets),
        }

    def _booking(self, tickets: list[TicketRecord]) -> dict[str, Any]:
        """Booked against walk-in: a late check-in waited as a walk-in and counts as one."""
        booked = [t for t in tickets if t.booked]
        late = sum(1 for t in tickets if t.booking is not None and not t.booked)
        return {
            "booked": _group(booked),
            "walk_in": _group([t for t in tickets if not t.booked]),
            "booked_share": round(len(booked) / len(tickets), 3) if tickets else None,
            "appointments": {
                **{name: self.appointments[name] for name in _APPOINTMENT_COUNTS.values()},
                "checked_in_late": late,
            },
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per ticket, in issue order (the CSV export: a spreadsheet's raw data)."""
        zone = self.config.zone

        def clock(at: float | None) -> str:
            return "" if at is None else datetime.fromtimestamp(at, zone).strftime("%H:%M:%S")

        def mins(seconds: float | None) -> float | None:
            return None if seconds is None else _min(seconds)

        def secs(seconds: float | None) -> int | None:
            return None if seconds is None else round(seconds)

        return [
            dict(
                zip(
                    ROW_COLUMNS,
                    (
                        t.number,
                        t.service,
                        t.priority or "",
                        t.arrival,
                        t.lang,
                        clock(t.issued_at),
                        clock(t.first_called_at),
                        t.counter,
                        clock(t.finished_at),
                        mins(t.wait_s),
                        secs(t.wait_s),
                        mins(t.service_s),
                        secs(t.service_s),
                        t.outcome,
                        t.transfers,
                        t.rating or "",
                        t.rating_reason or "",
                        t.staff or "",
                    ),
                    strict=True,
                )
            )
            for t in sorted(self.tickets.values(), key=lambda t: t.id)
        ]

    def csv(self, lang: str | None = None) -> str:
        """`rows()` as CSV text for a spreadsheet in `lang` (the centre's language by
        default): its header, separator and decimal mark (reports/spreadsheet.py)."""
        lang = lang or self.config.centre.default_language
        reasons = {r.code: r.name.get(lang) or r.code for r in self.config.ratings.reasons}
        return write_csv(self.rows(), lang, reasons)

    def staff_rows(self) -> list[dict[str, Any]]:
        """One row per person signed in at a counter today (the figures of `result()`'s
        `staff`), flat for a spreadsheet: minutes with a decimal, and whole seconds."""
        rows = []
        for person in self._staff_rows(list(self.tickets.values())):
            times, rated = person["service_minutes"], person["satisfaction"]
            share = rated["satisfied_share"]
            rows.append(
                {
                    "staff": person["staff"],
                    "counters": person["counters"],
                    "called": person["called"],
                    "served": person["served"],
                    "no_show": person["no_show"],
                    "service_median_minutes": times["median"],
                    "service_median_seconds": times["median_s"],
                    "service_p90_minutes": times["p90"],
                    "service_p90_seconds": times["p90_s"],
                    "rated": rated["rated"],
                    "satisfied_percent": None if share is None else round(100.0 * share, 1),
                    "open_minutes": _min(person["open_s"]),
                    "paused_minutes": _min(person["paused_s"]),
                }
            )
        return rows

    def staff_csv(self, lang: str | None = None) -> str:
        """`staff_rows()` as CSV text, in the same spreadsheet dialects as `csv()`."""
        lang = lang or self.config.centre.default_language
        return write_csv(self.staff_rows(), lang, columns=STAFF_COLUMNS)

    def _within_target(self, tickets: list[TicketRecord]) -> dict[str, Any]:
        """The centre's target wait (`[queue] target_wait_minutes`) and the share of those
        called today who waited no longer."""
        return within_target(tickets, self.config.queue.target_wait_minutes)

    def _service(self, code: str, tickets: list[TicketRecord]) -> dict[str, Any]:
        return {"code": code, **_group([t for t in tickets if t.service == code])}

    @staticmethod
    def _counter(counter: int, tickets: list[TicketRecord]) -> dict[str, Any]:
        served = [t for t in tickets if t.outcome == "done" and t.counter == counter]
        return {
            "id": counter,
            "called": sum(1 for t in tickets if counter in t.called_at),
            "served": len(served),
            "service_minutes": _service_times(served),
            "satisfaction": _ratings(served),
        }

    def _hours(self, tickets: list[TicketRecord]) -> list[dict[str, Any]]:
        """Per local hour of issue: arrivals and how long they waited."""
        zone = self.config.zone
        by_hour: dict[int, list[TicketRecord]] = {}
        for ticket in tickets:
            by_hour.setdefault(datetime.fromtimestamp(ticket.issued_at, zone).hour, []).append(
                ticket
            )
        return [
            {"hour": hour, "issued": len(group), "wait_minutes": _waits(group)}
            for hour, group in sorted(by_hour.items())
        ]


def _outcomes(tickets: list[TicketRecord]) -> dict[str, int]:
    counts = Counter(t.outcome for t in tickets)
    return {
        "issued": len(tickets),
        "served": counts["done"],
        "ended_unstarted": counts["ended"],
        "no_show": counts["no_show"],
        "cancelled": counts["cancelled"],
        "expired": counts["expired"],
        "open": counts["waiting"] + counts["at_counter"],
    }


def _waits(tickets: list[TicketRecord]) -> dict[str, Any]:
    return minutes([w for t in tickets if (w := t.wait_s) is not None])


def _service_times(tickets: list[TicketRecord]) -> dict[str, Any]:
    return minutes([s for t in tickets if (s := t.service_s) is not None])


def _ratings(tickets: list[TicketRecord]) -> dict[str, Any]:
    return satisfaction(
        [t.rating for t in tickets if t.rating is not None],
        [t.rating_reason for t in tickets if t.rating_reason is not None],
    )


def within_target(tickets: list[TicketRecord], minutes: float) -> dict[str, Any]:
    """A target wait and the share of the tickets called who waited no longer (None
    before anyone was called): the centre's own target, or the city's amber wait."""
    waits = [w for t in tickets if (w := t.wait_s) is not None]
    within = sum(1 for w in waits if w <= minutes * 60.0)
    share = round(within / len(waits), 3) if waits else None
    return {"minutes": minutes, "within_share": share}


def ticket_figures(tickets: list[TicketRecord]) -> dict[str, Any]:
    """A group of tickets' measures (outcomes, waits, service times, satisfaction): the
    report's figures per service, per lane, and the city's per centre, side by side."""
    return _group(tickets)


def _group(tickets: list[TicketRecord]) -> dict[str, Any]:
    return {
        **_outcomes(tickets),
        "wait_minutes": _waits(tickets),
        "service_minutes": _service_times(tickets),
        "satisfaction": _ratings(tickets),
    }


# ---------------------------------------------------------------------- folding events
# As the engine folds them: one table per kind of fold, keyed by event type.


def _called(record: TicketRecord, event: ev.TicketCalled) -> None:
    if record.first_called_at is None:
        record.first_called_at = event.at
    record.called_at.add(event.counter)
    record.outcome, record.counter, record.began_at = "at_counter", event.counter, event.at


def _started(record: TicketRecord, event: ev.ServiceStarted) -> None:
    record.began_at = event.at


def _finished(record: TicketRecord, event: ev.TicketFinished) -> None:
    # Ended by NEXT while only called: not known to be served, so not counted as served.
    outcome = "ended" if event.never_started else "done"
    record.outcome, record.counter, record.finished_at = outcome, event.counter, event.at
    record.finished_by_close = ev.untimed_finish(event)


def _no_show(record: TicketRecord, event: ev.TicketNoShow) -> None:
    record.outcome = "no_show"


def _back_in_line(record: TicketRecord, event: Event) -> None:
    record.outcome = "waiting"


def _transferred(record: TicketRecord, event: ev.TicketTransferred) -> None:
    record.outcome = "waiting"  # counted in the service the citizen chose
    record.transfers += 1


def _priority_changed(record: TicketRecord, event: ev.TicketPriorityChanged) -> None:
    record.priority = event.priority


def _cancelled(record: TicketRecord, event: ev.TicketCancelled) -> None:
    record.outcome = "cancelled"


def _expired(record: TicketRecord, event: ev.TicketExpired) -> None:
    # A no-show still in its grace period when the day closed did not come.
    record.outcome = "no_show" if record.outcome == "no_show" else "expired"


def _rated(record: TicketRecord, event: ev.ServiceRated) -> None:
    record.rating = event.rating
    record.rating_reason = event.reason


_APPOINTMENT_COUNTS: dict[type[Event], str] = {
    ev.AppointmentBooked: "booked",
    ev.AppointmentCancelled: "cancelled",
    ev.AppointmentCheckedIn: "checked_in",
    ev.AppointmentMissed: "missed",
}
_DAY_FOLDS: dict[type[Event], Callable[[DayReport, Any], None]] = {
    ev.DayOpened: DayReport._day_opened,
    ev.DayClosed: DayReport._day_closed,
    ev.TicketIssued: DayReport._issued,
    **dict.fromkeys(_APPOINTMENT_COUNTS, DayReport._appointment),
    ev.AppointmentDataDropped: DayReport._data_dropped,
}
_COUNTER_STATUS: dict[type[Event], str] = {
    ev.CounterOpened: "open",
    ev.CounterResumed: "open",
    ev.CounterPaused: "paused",
    ev.CounterClosed: "closed",
}
_STAFF_FOLDS: dict[type[Event], Callable[[DayReport, Any], None]] = {
    **dict.fromkeys(_COUNTER_STATUS, DayReport._counter_changed),
    ev.StaffSignedIn: DayReport._signed_in,
    ev.StaffSignedOut: DayReport._signed_out,
    ev.TicketCalled: DayReport._staff_called,
    ev.TicketFinished: DayReport._staff_finished,
    ev.TicketNoShow: DayReport._staff_no_show,
}
"""Who held each counter when something happened there, whoever pressed the key: run
after the ticket's own fold, for the per-person figures."""
_TICKET_FOLDS: dict[type[Event], Callable[[TicketRecord, Any], None]] = {
    ev.TicketCalled: _called,
    ev.ServiceStarted: _started,
    ev.TicketFinished: _finished,
    ev.TicketNoShow: _no_show,
    ev.TicketRequeued: _back_in_line,
    ev.TicketReactivated: _back_in_line,
    ev.TicketPriorityChanged: _priority_changed,
    ev.TicketTransferred: _transferred,
    ev.TicketCancelled: _cancelled,
    ev.TicketExpired: _expired,
    ev.ServiceRated: _rated,
}
