"""The queue's state: tickets, counters and the lines people wait in.

Only `Engine.apply` changes it.  Lines are sorted lists keyed by each ticket's
`order`, so taking the head, removing anyone and finding a position all cost
O(log n) however many people wait.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from sortedcontainers import SortedList

LineKey = str | int
"""A service code, or a counter id for tickets sent to that one counter."""
LaneName = Literal["priority", "booked", "normal"]
LANES: tuple[LaneName, ...] = ("priority", "booked", "normal")


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    ENDED = "ended"
    """Called, never started, and ended by the counter's next NEXT: nobody knows it was
    served, so it counts as neither served nor rated."""
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


AT_COUNTER = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})
FINAL = frozenset(
    {TicketStatus.DONE, TicketStatus.ENDED, TicketStatus.CANCELLED, TicketStatus.EXPIRED}
)


class CounterStatus(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


@dataclass(slots=True)
class Ticket:
    id: int
    number: str
    service: str
    priority: str | None
    day: str
    serial: int
    tracking_code: str
    lang: str
    issued_at: float
    order: int
    waiting_since: float
    line: LineKey
    status: TicketStatus = TicketStatus.WAITING
    counter: int | None = None
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    recalls: int = 0
    requeues: int = 0
    requeue_at: float | None = None
    rating: str | None = None
    rating_reason: str | None = None
    booked: str | None = None
    """The appointment's code, for a ticket checked in for one."""
    due_at: float | None = None
    """Set for an on-time booked ticket: it waits in the booked lane, called by then."""
    procedure: str | None = None
    """The procedure chosen at the kiosk, while the ticket is for its service."""

    @property
    def is_priority(self) -> bool:
        return self.priority is not None

    @property
    def lane(self) -> LaneName:
        if self.priority is not None:
            return "priority"
        return "normal" if self.due_at is None else "booked"


@dataclass(slots=True)
class CounterState:
    id: int
    services: tuple[str, ...]
    status: CounterStatus = CounterStatus.CLOSED
    current: int | None = None
    priority_run: int = 0
    normal_run: int = 0
    booked_run: int = 0
    walk_in_run: int = 0
    last_served: int | None = None
    """The ticket this counter finished last today: the one its rating tablet may rate."""
    served_today: int = 0
    """Tickets it finished today (served, not ended unstarted): its staff's tally."""
    staff: str | None = None
    """Who is signed in here (an account name): every action at this counter is theirs."""
    absent: dict[int, None] = field(default_factory=dict)
    """Today's tickets it marked no-show that are not back in line, in the order marked:
    kept here so showing them costs no scan of the day's tickets on every call."""


class Line:
    """One waiting line in three lanes: priority and walk-in (`normal`) ordered by `order`,
    and booked ordered by `(due_at, order)`: the appointment due first is called first."""

    __slots__ = ("booked", "normal", "priority")

    def __init__(self) -> None:
        self.priority: Any = SortedList()
        self.booked: Any = SortedList()
        self.normal: Any = SortedList()

    def lane(self, name: LaneName) -> Any:
        return (
            self.priority
            if name == "priority"
            else self.normal
            if name == "normal"
            else self.booked
        )

    def orders(self, name: LaneName) -> Any:
        """A lane's orders, first to be called first."""
        if name == "booked":
            return (order for _, order in self.booked)
        return iter(self.lane(name))

    def __len__(self) -> int:
        return len(self.priority) + len(self.booked) + len(self.normal)


def _lane_key(ticket: Ticket) -> Any:
    return (
        ticket.order if ticket.due_at is None or ticket.priority else (ticket.due_at, ticket.order)
    )


class WaitingLines:
    """Every line of the centre, and which ticket holds each `order`."""

    __slots__ = ("_lines", "ticket_at")

    def __init__(self) -> None:
        self._lines: dict[LineKey, Line] = {}
        self.ticket_at: dict[int, int] = {}

    def line(self, key: LineKey) -> Line:
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = Line()
        return line

    def get(self, key: LineKey) -> Line | None:
        return self._lines.get(key)

    def add(self, ticket: Ticket) -> None:
        self.line(ticket.line).lane(ticket.lane).add(_lane_key(ticket))
        self.ticket_at[ticket.order] = ticket.id

    def remove(self, ticket: Ticket) -> None:
        self.line(ticket.line).lane(ticket.lane).remove(_lane_key(ticket))
        del self.ticket_at[ticket.order]

    def head(self, key: LineKey, lane: LaneName) -> int | None:
        """The order of the first ticket in a lane, or None when it is empty."""
        line = self._lines.get(key)
        if line is None:
            return None
        return next(line.orders(lane), None)

    def rank(self, ticket: Ticket) -> int:
        """How many are ahead of a waiting ticket in its own lane."""
        lane = self.line(ticket.line).lane(ticket.lane)
        rank: int = lane.bisect_left(_lane_key(ticket))
        return rank

    def count(self, key: LineKey, lane: LaneName | None = None) -> int:
        line = self._lines.get(key)
        if line is None:
            return 0
        return len(line) if lane is None else len(line.lane(lane))

    def first(self, key: LineKey, lane: LaneName, limit: int) -> list[int]:
        """The orders of the first `limit` tickets of a lane."""
        line = self._lines.get(key)
        if line is None or limit <= 0:
            return []
        if lane == "booked":
            return [order for _, order in line.booked.islice(0, limit)]
        return list(line.lane(lane).islice(0, limit))

    def keys(self) -> list[LineKey]:
        return [k for k, line in self._lines.items() if len(line)]

    def snapshot(self) -> dict[str, dict[str, list[int]]]:
        return {
            str(key): {name: list(line.orders(name)) for name in LANES}
            for key, line in self._lines.items()
            if len(line)
        }


@dataclass(slots=True)
class ServiceTimes:
    """Recent service durations per service, for estimated waits."""

    window: int
    samples: dict[str, deque[float]] = field(default_factory=dict)

    def add(self, service: str, seconds: float) -> None:
        recent = self.samples.get(service)
        if recent is None:
            recent = self.samples[service] = deque(maxlen=self.window)
        recent.append(seconds)

    def mean(self, service: str, default: float) -> float:
        recent = self.samples.get(service)
        if not recent:
            return default
        return sum(recent) / len(recent)


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    MISSED = "missed"


@dataclass(slots=True)
class Appointment:
    code: str
    service: str
    start: float
    end: float
    day: str
    """The slot's local date (ISO)."""
    person: str
    masked_phone: str
    lang: str
    booked_at: float
    missed_at: float
    """When it is missed if not checked in: the end of its check-in window."""
    drop_at: float
    """When its day's personal data is dropped (`retention_days` after the day)."""
    status: AppointmentStatus = AppointmentStatus.BOOKED
    ticket: int | None = None


class Appointments:
    """Every appointment the state still holds (today's, the next days', and past days'
    until their data is dropped), with the counts that bookings are checked against."""

    __slots__ = ("by_code", "by_day", "drops", "pending", "person_day", "slot_taken")

    def __init__(self) -> None:
        self.by_code: dict[str, Appointment] = {}
        self.slot_taken: dict[tuple[str, float], int] = {}
        """(service, start) -> places held (every appointment not cancelled)."""
        self.person_day: dict[tuple[str, str], list[str]] = {}
        """(day, person) -> the codes of that person's appointments not cancelled."""
        self.pending: Any = SortedList()
        """(missed_at, code) of appointments still waiting for their citizen."""
        self.by_day: dict[str, list[str]] = {}
        self.drops: Any = SortedList()
        """(drop_at, day) of days that still hold personal data, soonest first."""

    def get(self, code: str) -> Appointment | None:
        return self.by_code.get(code)

    def taken(self, service: str, start: float) -> int:
        return self.slot_taken.get((service, start), 0)

    def held_by(self, day: str, person: str) -> list[Appointment]:
        return [self.by_code[c] for c in self.person_day.get((day, person), ())]

    def add(self, appointment: Appointment) -> None:
        """Hold an appointment (a new booking, or one restored in any state)."""
        a = appointment
        self.by_code[a.code] = a
        codes = self.by_day.get(a.day)
        if codes is None:
            codes = self.by_day[a.day] = []
            self.drops.add((a.drop_at, a.day))
        codes.append(a.code)
        if a.status is AppointmentStatus.CANCELLED:
            return
        slot = (a.service, a.start)
        self.slot_taken[slot] = self.slot_taken.get(slot, 0) + 1
        self.person_day.setdefault((a.day, a.person), []).append(a.code)
        if a.status is AppointmentStatus.BOOKED:
            self.pending.add((a.missed_at, a.code))

    def cancel(self, code: str) -> None:
        a = self.by_code[code]
        self.pending.discard((a.missed_at, a.code))
        self._release(a)
        a.status = AppointmentStatus.CANCELLED

    def settle(self, code: str, status: AppointmentStatus, ticket: int | None = None) -> None:
        """Checked in or missed: no longer pending, still holding its place."""
        a = self.by_code[code]
        self.pending.discard((a.missed_at, a.code))
        a.status = status
        if ticket is not None:
            a.ticket = ticket

    def drop_day(self, day: str) -> None:
        """Forget a day's appointments, and with them its phone digests and masked numbers."""
        for code in self.by_day.pop(day, ()):
            a = self.by_code.pop(code)
            if a.status is not AppointmentStatus.CANCELLED:
                self._release(a)
            self.pending.discard((a.missed_at, a.code))
            self.drops.discard((a.drop_at, day))

    def _release(self, a: Appointment) -> None:
        """Give back the place and the quota an appointment held."""
        slot = (a.service, a.start)
        self.slot_taken[slot] -= 1
        if not self.slot_taken[slot]:
            del self.slot_taken[slot]
        held = self.person_day[(a.day, a.person)]
        held.remove(a.code)
        if not held:
            del self.person_day[(a.day, a.person)]

    def snapshot(self) -> dict[str, Any]:
        return {
            "by_code": {k: _fields(a) for k, a in self.by_code.items()},
            "slot_taken": dict(self.slot_taken),
            "person_day": {k: sorted(v) for k, v in self.person_day.items()},
            "pending": list(self.pending),
            "by_day": {k: sorted(v) for k, v in self.by_day.items()},
            "drops": list(self.drops),
        }


@dataclass(slots=True)
class CentreState:
    counters: dict[int, CounterState]
    service_times: ServiceTimes
    tickets: dict[int, Ticket] = field(default_factory=dict)
    lines: WaitingLines = field(default_factory=WaitingLines)
    by_tracking_code: dict[str, int] = field(default_factory=dict)
    by_number: dict[str, int] = field(default_factory=dict)
    serials: dict[str, int] = field(default_factory=dict)
    parked: Any = field(default_factory=SortedList)
    """(requeue_at, ticket) of no-shows that go back in line later, soonest first."""
    day: str | None = None
    day_ends_at: float = 0.0
    day_closed: bool = False
    next_ticket_id: int = 1
    next_order: int = 1
    issued_today: int = 0
    closed_tickets: dict[int, Ticket] = field(default_factory=dict)
    """The last closed day's tickets, all final: their citizens' pages still find them, and
    a finished service may still be rated, for `after_close_hours` after `closed_at`."""
    closed_by_code: dict[str, int] = field(default_factory=dict)
    closed_at: float = 0.0
    appointments: Appointments = field(default_factory=Appointments)
    """Kept across days: they are for the next days too."""

    def snapshot(self) -> dict[str, Any]:
        """Everything that defines the state, as plain data (for equality checks)."""
        return {
            "tickets": {tid: _ticket_dict(t) for tid, t in self.tickets.items()},
            "counters": {
                cid: (
                    c.status.value,
                    c.current,
                    c.priority_run,
                    c.normal_run,
                    c.booked_run,
                    c.walk_in_run,
                    c.last_served,
                    c.staff,
                )
                for cid, c in self.counters.items()
            },
            "lines": self.lines.snapshot(),
            "serials": dict(self.serials),
            "parked": list(self.parked),
            "service_times": {k: list(v) for k, v in self.service_times.samples.items()},
            "day": (self.day, self.day_ends_at, self.day_closed),
            "next": (self.next_ticket_id, self.next_order, self.issued_today),
            "closed": (
                self.closed_at,
                {tid: _ticket_dict(t) for tid, t in self.closed_tickets.items()},
            ),
            "appointments": self.appointments.snapshot(),
        }


def _fields(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in type(item).__slots__}


_ticket_dict = _fields
