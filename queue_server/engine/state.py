"""The queue's state: tickets, counters and the lines people wait in.

Only `Engine.apply` changes it.  Lines are sorted lists keyed by each ticket's
`order`, so taking the head, removing anyone and finding a position all cost
O(log n) however many people wait.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sortedcontainers import SortedList

LineKey = str | int
"""A service code, or a counter id for tickets sent to that one counter."""


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

    @property
    def is_priority(self) -> bool:
        return self.priority is not None


@dataclass(slots=True)
class CounterState:
    id: int
    services: tuple[str, ...]
    status: CounterStatus = CounterStatus.CLOSED
    current: int | None = None
    priority_run: int = 0
    normal_run: int = 0
    last_served: int | None = None
    """The ticket this counter finished last today: the one its rating tablet may rate."""
    served_today: int = 0
    """Tickets it finished today (served, not ended unstarted): its staff's tally."""
    absent: dict[int, None] = field(default_factory=dict)
    """Today's tickets it marked no-show that are not back in line, in the order marked:
    kept here so showing them costs no scan of the day's tickets on every call."""


class Line:
    """One waiting line in two lanes: priority and normal, each ordered by `order`."""

    __slots__ = ("normal", "priority")

    def __init__(self) -> None:
        self.priority: Any = SortedList()
        self.normal: Any = SortedList()

    def lane(self, priority: bool) -> Any:
        return self.priority if priority else self.normal

    def __len__(self) -> int:
        return len(self.priority) + len(self.normal)


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

    def add(self, ticket: Ticket) -> None:
        self.line(ticket.line).lane(ticket.is_priority).add(ticket.order)
        self.ticket_at[ticket.order] = ticket.id

    def remove(self, ticket: Ticket) -> None:
        self.line(ticket.line).lane(ticket.is_priority).remove(ticket.order)
        del self.ticket_at[ticket.order]

    def head(self, key: LineKey, priority: bool) -> int | None:
        """The order of the first ticket in a lane, or None when it is empty."""
        line = self._lines.get(key)
        if line is None:
            return None
        lane = line.lane(priority)
        return lane[0] if lane else None

    def rank(self, ticket: Ticket) -> int:
        """How many are ahead of a waiting ticket in its own lane."""
        rank: int = self.line(ticket.line).lane(ticket.is_priority).bisect_left(ticket.order)
        return rank

    def count(self, key: LineKey, priority: bool | None = None) -> int:
        line = self._lines.get(key)
        if line is None:
            return 0
        return len(line) if priority is None else len(line.lane(priority))

    def first(self, key: LineKey, priority: bool, limit: int) -> list[int]:
        """The orders of the first `limit` tickets of a lane."""
        line = self._lines.get(key)
        if line is None:
            return []
        return list(line.lane(priority).islice(0, limit))

    def keys(self) -> list[LineKey]:
        return [k for k, line in self._lines.items() if len(line)]

    def snapshot(self) -> dict[str, dict[str, list[int]]]:
        return {
            str(key): {"priority": list(line.priority), "normal": list(line.normal)}
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

    def snapshot(self) -> dict[str, Any]:
        """Everything that defines the state, as plain data (for equality checks)."""
        return {
            "tickets": {tid: _ticket_dict(t) for tid, t in self.tickets.items()},
            "counters": {
                cid: (c.status.value, c.current, c.priority_run, c.normal_run, c.last_served)
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
        }


def _ticket_dict(ticket: Ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in Ticket.__slots__}
