"""Random days at a small centre, checked against the queue's rules.

Hypothesis drives the engine with random commands at a clock that moves in
small steps, large leaps and jumps to just around local midnight.  Beside the
engine the test keeps its own record: every event applied, and a plain model
of each ticket and counter built from those events alone.  After each step:

1. numbers are unique per service per day (and count 1, 2, 3... in the format), on-time
   booked tickets in a series of their own (`HA001`, or a band of their own);
2. no ticket is at two counters, and a counter's ticket is called or serving there;
3. a "next" call takes the head of its lane (line and class): nobody older waits there;
4. per counter, the contested "next" calls since the cycle last restarted (an
   uncontested "next" call, or the counter closing) spell a prefix of (P^p N^n)*;
5. while any ticket in a counter's lines has waited max_wait, that counter's
   next call is the oldest such ticket, reason "overdue" (and only then);
6. replaying the log into a fresh engine gives exactly the live state, and so does
   restoring the state captured at the last close of a day and replaying what
   followed (engine/resume.py; every close leaves a state that can be captured);
7. appointments: a slot never holds more than its capacity, a phone number never more
   than its quota for a day (and one per service); a booking, a cancellation and a
   check-in are accepted exactly when the model says so, and refused with the code it
   expects; a check-in happens only in its window (late ones only as walk-ins); an
   appointment is missed exactly when its window ends, and a day's data is dropped
   `retention_days` after it;
8. the on-time bound: while a booked ticket in a counter's lines is past its `due_at`,
   that counter's next call is the booked ticket due first (reason "overdue"); booked
   tickets are called by `due_at` within their lane, and non-priority "next" calls
   spell a prefix of (B^b W^w)* as priority ones do for p:n.
9. who holds a counter: a sign-in takes it (signing out whoever held it, "replaced"), a
   sign-out leaves it only for its holder, and nobody holds one across a day's close or
   into a new day.

A refused command must leave the state's snapshot unchanged, and the model
cross-checks every event against the ticket's state before it (no call of a
ticket that is not waiting, no requeue before its time...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from queue_server.config import CentreConfig, parse_config
from queue_server.engine import SYSTEM, Actor, CommandRejected, Engine, Event, resume
from queue_server.engine import commands as c
from queue_server.engine import errors as err
from queue_server.engine import events as ev
from queue_server.engine.engine import TABLET_RATING_WINDOW_S
from queue_server.engine.setup import WEEKDAYS
from queue_server.engine.state import AT_COUNTER, LineKey

from .conftest import HANOI, local

START = local(2025, 7, 14, 0, 0)  # Monday, local midnight
STAFF = Actor("staff", "machine")
SERVICES = ("HT", "CT", "TKQ")
COUNTERS: dict[int, tuple[str, ...]] = {1: ("HT", "CT"), 2: ("CT", "TKQ"), 3: ("TKQ", "HT")}
COUNTER_IDS = st.sampled_from(sorted(COUNTERS))
PRIORITIES = st.sampled_from((None, None, "elderly", "disabled"))
SOME_SERVICE = st.sampled_from(("HT", "HT", "CT", "CT", "TKQ"))
BAND = (901, 906)
BOOKED_BAND = (951, 952)
"""TKQ's booked tickets' own band; HT's and CT's are `H` before the service's number."""
UNKNOWN_TICKET = 10**6
BUSY = st.sampled_from((True, True, True, False))
"""Mostly aim counter work at a counter that has a ticket, so it is not all refused."""
REPLAY_EVERY = 5
STEPS = st.one_of(
    st.tuples(st.just("wait"), st.integers(0, 15).map(lambda minutes: 60 * minutes)),
    st.tuples(st.just("wait"), st.integers(0, 120)),
    st.tuples(st.just("wait"), st.integers(0, 600)),
    st.tuples(st.just("wait"), st.integers(0, 900)),
    st.tuples(st.just("leap"), st.integers(901, 3 * 3600)),
    st.tuples(st.just("midnight"), st.integers(-90, 90)),
)
"""Small steps mostly; now and then hours, or to a minute and a half around local midnight."""
CounterCommand = (
    c.OpenCounter
    | c.PauseCounter
    | c.ResumeCounter
    | c.CloseCounter
    | c.CallNext
    | c.Recall
    | c.StartService
    | c.Finish
    | c.MarkNoShow
)

TicketState = Literal[
    "waiting", "called", "serving", "done", "ended", "no_show", "cancelled", "expired"
]
FINAL: frozenset[TicketState] = frozenset({"done", "ended", "cancelled", "expired"})
CounterState = Literal["open", "paused", "closed"]
AppointmentState = Literal["booked", "cancelled", "checked_in", "missed"]
SPANS = ((time(7, 30), time(11, 45)), (time(13, 0), time(17, 0)))
"""Every day's hours (not enforced for walk-ins): slots from 07:30 to 11:30 (the quarter
hour before noon holds none) and 13:00 to 17:00."""
SLOT_S = 30 * 60
DAYS_AHEAD = 2
PER_SLOT = 2
CUTOFF_S = 30 * 60
EARLY_S = 15 * 60
LATE_S = 15 * 60
PERSONS = st.sampled_from(("p0", "p1", "p2"))


def centre(
    ratio: tuple[int, int],
    choice: str,
    keeps_place: bool,
    max_wait_minutes: int,
    grace_minutes: int,
    max_requeues: int,
    action: str,
    lane_ratio: tuple[int, int] = (2, 1),
    booked_wait_minutes: int = 10,
    late: str = "walk_in",
) -> CentreConfig:
    spans = [f"{a:%H:%M}-{b:%H:%M}" for a, b in SPANS]
    return parse_config(
        {
            "version": 1,
            "centre": {"id": "machine", "name": {"vi": "Phường"}, "languages": ["vi", "en"]},
            "priority_classes": [
                {"code": "elderly", "name": {"vi": "Người cao tuổi"}},
                {"code": "disabled", "name": {"vi": "Người khuyết tật"}},
            ],
            "services": [
                {"code": "HT", "prefix": "A", "name": {"vi": "Hộ tịch"}},
                {"code": "CT", "prefix": "B", "digits": 2, "name": {"vi": "Chứng thực"}},
                {"code": "TKQ", "band": list(BAND), "name": {"vi": "Trả kết quả"}},
            ],
            "counters": [{"id": k, "services": list(v)} for k, v in COUNTERS.items()],
            "hours": {"enforce": False, **dict.fromkeys(WEEKDAYS, spans)},
            "appointments": {
                "enabled": True,
                "days_ahead": DAYS_AHEAD,
                "per_slot": PER_SLOT,
                "per_service": {"TKQ": 1},
                "max_share": 1.0,
                "cutoff_minutes": CUTOFF_S // 60,
                "early_minutes": EARLY_S // 60,
                "late_minutes": LATE_S // 60,
                "max_wait_minutes": booked_wait_minutes,
                "late": late,
                "retention_days": 1,
                "lane_ratio": list(lane_ratio),
                "bands": {"TKQ": list(BOOKED_BAND)},
            },
            "queue": {
                "priority_ratio": list(ratio),
                "service_choice": choice,
                "transfer_keeps_place": keeps_place,
                "max_wait_minutes": max_wait_minutes,
                "service_time_window": 4,
                "no_show": {
                    "action": action,
                    "grace_minutes": grace_minutes,
                    "max_requeues": max_requeues,
                },
            },
        }
    )


def expected_number(service: str, serial: int, booked: bool = False) -> str:
    if service == "TKQ":
        return str((BOOKED_BAND if booked else BAND)[0] + serial - 1)
    number = {"HT": "A", "CT": "B"}[service] + str(serial).zfill({"HT": 3, "CT": 2}[service])
    return "H" + number if booked else number


def local_day(at: float) -> date:
    return datetime.fromtimestamp(at, HANOI).date()


def midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=HANOI).timestamp()


def slot_starts(day: date) -> list[float]:
    starts = []
    for begin, end in SPANS:
        at = datetime.combine(day, begin, tzinfo=HANOI).timestamp()
        last = datetime.combine(day, end, tzinfo=HANOI).timestamp()
        while at + SLOT_S <= last:
            starts.append(at)
            at += SLOT_S
    return starts


def next_local_midnight(at: float) -> float:
    day = datetime.fromtimestamp(at, HANOI).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=HANOI).timestamp()


@dataclass
class Model:
    """What the events alone say about one ticket."""

    service: str
    priority: bool
    line: LineKey
    order: int
    since: float
    state: TicketState = "waiting"
    counter: int | None = None
    requeue_at: float | None = None
    requeues: int = 0
    rated: bool = False
    finished_at: float | None = None
    called_at: float | None = None
    due_at: float | None = None

    @property
    def lane(self) -> str:
        if self.priority:
            return "priority"
        return "normal" if self.due_at is None else "booked"

    def lane_key(self) -> tuple[float, int]:
        """Where it stands in its lane: booked tickets by due time, the rest by order."""
        return (self.due_at if self.lane == "booked" else 0.0, self.order)  # type: ignore[return-value]


@dataclass
class Booking:
    """What the events alone say about one appointment."""

    service: str
    start: float
    day: date
    person: str
    state: AppointmentState = "booked"
    ticket: int | None = None


@dataclass
class Desk:
    state: CounterState = "closed"
    current: int | None = None
    last_served: int | None = None
    staff: str | None = None


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._start(centre((2, 1), "in_order", True, 10, 1, 1, "requeue"), START)

    def _start(self, config: CentreConfig, now: float) -> None:
        self.config = config
        self.engine = Engine(config.queue_setup())
        self.now = now
        self.whole_minutes = False
        self.log: list[Event] = []
        self.tickets: dict[int, Model] = {}
        self.closed: dict[int, Model] = {}
        """The last closed day's tickets: rated until `after_close_hours` after `closed_at`."""
        self.closed_at = 0.0
        self.desks = {k: Desk() for k in COUNTERS}
        self.numbers: dict[tuple[str, str, bool], list[str]] = {}
        """Numbers used per service, day and series (True: booked on time)."""
        self.cycles: dict[int, str] = dict.fromkeys(COUNTERS, "")
        self.lane_cycles: dict[int, str] = dict.fromkeys(COUNTERS, "")
        self.bookings: dict[str, Booking] = {}
        self.booking_codes: list[str] = []
        """Every code ever tried, dropped ones too."""
        self.checking_in: tuple[str, float | None] | None = None
        """The appointment just checked in and its ticket's due time, until its ticket."""
        self.issued: list[int] = []
        self.replacing: int | None = None
        """The counter whose holder was just signed out for another: its sign-in is next."""
        self.day: str | None = None
        self.max_order = 0
        self.codes = 0
        self.steps = 0
        rules = config.queue
        self.pattern = "P" * rules.priority_ratio[0] + "N" * rules.priority_ratio[1]
        self.max_wait_s = rules.max_wait_minutes * 60.0
        booking = config.appointments
        self.lane_pattern = "B" * booking.lane_ratio[0] + "W" * booking.lane_ratio[1]
        self.booked_wait_s = booking.max_wait_minutes * 60.0

    @initialize(
        ratio=st.tuples(st.integers(1, 3), st.integers(1, 3)),
        choice=st.sampled_from(("in_order", "oldest")),
        keeps_place=st.booleans(),
        max_wait=st.sampled_from((1, 3, 10, 45)),
        grace=st.sampled_from((0, 1, 3)),
        max_requeues=st.integers(0, 2),
        action=st.sampled_from(("requeue", "requeue", "out")),
        start=st.one_of(st.integers(7 * 3600, 17 * 3600), st.integers(0, 24 * 3600 - 1)),
        whole_minutes=st.booleans(),
        closed=st.sets(COUNTER_IDS, max_size=1),
        lane_ratio=st.tuples(st.integers(1, 3), st.integers(1, 3)),
        booked_wait=st.sampled_from((1, 10)),
        late=st.sampled_from(("walk_in", "refuse")),
    )
    def configure(
        self,
        ratio: tuple[int, int],
        choice: str,
        keeps_place: bool,
        max_wait: int,
        grace: int,
        max_requeues: int,
        action: str,
        start: int,
        whole_minutes: bool,
        closed: set[int],
        lane_ratio: tuple[int, int],
        booked_wait: int,
        late: str,
    ) -> None:
        config = centre(
            ratio,
            choice,
            keeps_place,
            max_wait,
            grace,
            max_requeues,
            action,
            lane_ratio,
            booked_wait,
            late,
        )
        self._start(config, START + start)
        # Whole minutes only: waits then land exactly on the bounds (max wait, grace).
        self.whole_minutes = whole_minutes
        self._staff_arrive(closed)

    def _staff_arrive(self, stay_closed: set[int] | frozenset[int] = frozenset()) -> None:
        for counter in sorted(set(COUNTERS) - stay_closed):
            if self.desks[counter].state == "closed":
                self._run(c.OpenCounter(counter=counter))

    # ------------------------------------------------------------------ time

    @rule(step=STEPS)
    def time_passes(self, step: tuple[str, int]) -> None:
        kind, seconds = step
        if self.whole_minutes:
            seconds -= seconds % 60
        if kind == "midnight":
            target = next_local_midnight(self.now) + seconds
            self.now = target if target > self.now else target + 24 * 3600
        else:
            self.now += seconds
        if kind != "wait":
            self._housekeep()  # as the server's timer does

    # ------------------------------------------------------------------ commands

    @rule(
        service=SOME_SERVICE,
        priority=PRIORITIES,
        lang=st.sampled_from(("vi", "en")),
    )
    def issue(self, service: str, priority: str | None, lang: str) -> None:
        self._issue(service, priority, lang)

    @rule(
        services=st.lists(SOME_SERVICE, min_size=2, max_size=6),
        priorities=st.lists(PRIORITIES, min_size=6, max_size=6),
    )
    def issue_several(self, services: list[str], priorities: list[str | None]) -> None:
        for service, priority in zip(services, priorities, strict=False):
            self._issue(service, priority, "vi")

    @rule(
        service=st.sampled_from(("HT", "XX")),
        priority=st.sampled_from((None, "vip")),
        lang=st.sampled_from(("vi", "fr")),
    )
    def issue_maybe_invalid(self, service: str, priority: str | None, lang: str) -> None:
        self._issue(service, priority, lang)

    @rule(
        counter=COUNTER_IDS,
        action=st.sampled_from(
            (c.OpenCounter, c.ResumeCounter, c.ResumeCounter, c.PauseCounter, c.CloseCounter)
        ),
    )
    def counter_admin(self, counter: int, action: type[CounterCommand]) -> None:
        self._run(action(counter=counter))

    @rule(counter=COUNTER_IDS, times=st.integers(1, 4))
    def call_next(self, counter: int, times: int) -> None:
        for _ in range(times):
            self._run(c.CallNext(counter=counter))

    @rule(counter=COUNTER_IDS, index=st.integers(0, 10**6), anyone=st.booleans())
    def call_chosen(self, counter: int, index: int, anyone: bool) -> None:
        pool = self.issued if anyone else self._in_state("waiting")
        self._run(c.CallTicket(counter=counter, ticket=self._pick(pool, index)))

    @rule(
        counter=COUNTER_IDS,
        busy=BUSY,
        action=st.sampled_from(
            (c.CallNext, c.Recall, c.StartService, c.StartService, c.Finish, c.MarkNoShow)
        ),
    )
    def at_counter(self, counter: int, busy: bool, action: type[CounterCommand]) -> None:
        self._run(action(counter=self._counter(counter, busy)))

    @rule(
        counter=COUNTER_IDS,
        then=st.sampled_from(
            ("start", "no_show", "no_show", "recall", "finish", "service", "counter")
        ),
        other=st.integers(0, 10**6),
    )
    def call_then(self, counter: int, then: str, other: int) -> None:
        """A call and what usually follows at that counter."""
        self._run(c.CallNext(counter=counter))
        follows: dict[str, c.Command] = {
            "start": c.StartService(counter=counter),
            "no_show": c.MarkNoShow(counter=counter),
            "recall": c.Recall(counter=counter),
            "finish": c.Finish(counter=counter),
            "service": c.Transfer(counter=counter, to_service=SERVICES[other % len(SERVICES)]),
            "counter": c.Transfer(
                counter=counter, to_counter=sorted(COUNTERS)[other % len(COUNTERS)]
            ),
        }
        self._run(follows[then])

    @rule(index=st.integers(0, 10**6), anyone=st.booleans())
    def reactivate(self, index: int, anyone: bool) -> None:
        pool = self.issued if anyone else self._in_state("no_show")
        self._run(c.Reactivate(ticket=self._pick(pool, index)))

    @rule(
        counter=COUNTER_IDS,
        busy=BUSY,
        to=st.one_of(
            st.tuples(st.sampled_from(SERVICES), st.none()),
            st.tuples(st.sampled_from(SERVICES), st.none()),
            st.tuples(st.none(), COUNTER_IDS),
            st.tuples(st.none(), COUNTER_IDS),
            st.tuples(st.sampled_from(SERVICES), COUNTER_IDS),
            st.just((None, None)),
        ),
    )
    def transfer(self, counter: int, busy: bool, to: tuple[str | None, int | None]) -> None:
        command = c.Transfer(
            counter=self._counter(counter, busy), to_service=to[0], to_counter=to[1]
        )
        self._run(command)

    @rule(index=st.integers(0, 10**6))
    def cancel(self, index: int) -> None:
        self._run(c.Cancel(ticket=self._pick(self.issued, index)))

    @rule(index=st.integers(0, 10**6), rating=st.sampled_from(ev.RATINGS))
    def rate(self, index: int, rating: ev.Rating) -> None:
        self._run(c.RateService(ticket=self._pick(self.issued, index), rating=rating))

    @rule(
        counter=COUNTER_IDS,
        index=st.integers(0, 10**6),
        last=st.booleans(),
        rating=st.sampled_from(ev.RATINGS),
    )
    def rate_at_counter(self, counter: int, index: int, last: bool, rating: ev.Rating) -> None:
        """A counter's rating tablet: mostly the ticket it served last, sometimes another."""
        served = self.desks[counter].last_served
        ticket = served if last and served is not None else self._pick(self.issued, index)
        self._run(c.RateService(ticket=ticket, rating=rating, counter=counter))

    @rule(
        service=SOME_SERVICE,
        ahead=st.integers(-1, DAYS_AHEAD + 1),
        index=st.integers(0, 20),
        jitter=st.sampled_from((0, 0, 0, 60)),
        person=PERSONS,
        reuse=st.integers(0, 9),
    )
    def book(
        self, service: str, ahead: int, index: int, jitter: int, person: str, reuse: int
    ) -> None:
        """A slot of some day: mostly a real one, now and then past, too far, or no slot."""
        day = local_day(self.now) + timedelta(days=ahead)
        starts = slot_starts(day)
        noon = datetime.combine(day, time(12, 0), tzinfo=HANOI).timestamp()
        start = (starts[index] if index < len(starts) else noon) + jitter
        self._book(service, start, person, reuse)

    @rule(service=SOME_SERVICE, later=st.integers(0, 3), person=PERSONS)
    def book_soon(self, service: str, later: int, person: str) -> None:
        """One of the next slots still open: what most citizens do."""
        today = local_day(self.now)
        starts = [
            t
            for d in (today, today + timedelta(days=1))
            for t in slot_starts(d)
            if t - CUTOFF_S >= self.now
        ]
        if starts:
            self._book(service, starts[min(later, len(starts) - 1)], person, 1)

    @rule(index=st.integers(0, 10**6))
    def cancel_booking(self, index: int) -> None:
        pool = self.booking_codes or ["NONE"]
        self._run(c.CancelAppointment(code=pool[index % len(pool)]))

    @rule(
        index=st.integers(0, 10**6),
        offset=st.sampled_from((0, 300, 900, 1500, 1799, 1800, 2400, 7200)),
        anyone=st.booleans(),
    )
    def check_in(self, index: int, offset: int, anyone: bool) -> None:
        """A booked citizen comes, mostly around their slot (the clock goes there)."""
        waiting = [k for k, b in self.bookings.items() if b.state == "booked"]
        pool = self.booking_codes if anyone or not waiting else waiting
        code = pool[index % len(pool)] if pool else "NONE"
        booking = self.bookings.get(code)
        if booking is not None and not anyone:
            self.now = max(self.now, booking.start - EARLY_S + offset)
        self.codes += 1
        self._run(c.CheckIn(code=code, tracking_code=f"m{self.codes}"))

    def _book(self, service: str, start: float, person: str, reuse: int) -> None:
        if reuse == 0 and self.booking_codes:
            code = self.booking_codes[-1]
        else:
            code = f"K{len(self.booking_codes)}"
            self.booking_codes.append(code)
        command = c.BookAppointment(
            service=service, start=start, person=person, masked_phone="09xx xxx 000", code=code
        )
        self._run(command)

    @rule(counter=COUNTER_IDS, person=st.sampled_from(("lan", "binh")), out=st.booleans())
    def sign_in_or_out(self, counter: int, person: str, out: bool) -> None:
        held_by = self.desks[counter].staff
        if out:
            self._run(c.SignOut(counter=counter, staff=person))
            assert self.desks[counter].staff == (None if held_by == person else held_by)
        else:
            self._run(c.SignIn(counter=counter, staff=person))
            assert self.desks[counter].staff == person

    @rule(dice=st.integers(0, 7))
    def close_day(self, dice: int) -> None:
        """Now and then; otherwise only housekeeping (the server's timer)."""
        if dice == 0:
            self._run(c.CloseDay())
        else:
            self._housekeep()

    # ------------------------------------------------------------------ invariants

    @invariant()
    def no_ticket_at_two_counters(self) -> None:
        state = self.engine.state
        holders: dict[int, int] = {}
        for counter in state.counters.values():
            if counter.current is None:
                continue
            assert counter.current not in holders, (counter.current, holders)
            holders[counter.current] = counter.id
            ticket = state.tickets[counter.current]
            assert ticket.status in AT_COUNTER
            assert ticket.counter == counter.id
        at_counters = {t.id for t in state.tickets.values() if t.status in AT_COUNTER}
        assert at_counters == set(holders)

    @invariant()
    def engine_agrees_with_the_model(self) -> None:
        state = self.engine.state
        assert set(state.tickets) == set(self.tickets)
        assert set(state.closed_tickets) == set(self.closed)
        assert {k: state.counters[k].staff for k in COUNTERS} == {
            k: desk.staff for k, desk in self.desks.items()
        }
        for ticket_id, model in self.closed.items():
            closed = state.closed_tickets[ticket_id]
            assert (closed.status.value, closed.rating is not None) == (model.state, model.rated)
        lines: dict[str, dict[str, list[int]]] = {}
        keyed: dict[str, dict[str, list[tuple[tuple[float, int], int]]]] = {}
        for ticket_id, model in self.tickets.items():
            ticket = state.tickets[ticket_id]
            assert ticket.status.value == model.state, ticket_id
            assert (ticket.rating is not None) == model.rated, ticket_id
            assert (ticket.service, ticket.is_priority) == (model.service, model.priority)
            assert ticket.due_at == model.due_at
            if model.state == "waiting":
                assert (ticket.line, ticket.order) == (model.line, model.order)
                assert ticket.waiting_since == model.since
                line_keys = keyed.setdefault(
                    str(model.line), {"priority": [], "booked": [], "normal": []}
                )
                line_keys[model.lane].append((model.lane_key(), model.order))
        for key, lanes in keyed.items():
            lines[key] = {lane: [order for _, order in sorted(k)] for lane, k in lanes.items()}
        assert state.lines.snapshot() == lines
        book = state.appointments
        assert set(book.by_code) == set(self.bookings)
        for code, booking in self.bookings.items():
            held = book.by_code[code]
            assert (held.status.value, held.ticket, held.start) == (
                booking.state,
                booking.ticket,
                booking.start,
            )
        for counter_id, desk in self.desks.items():
            counter = state.counters[counter_id]
            assert (counter.status.value, counter.current, counter.last_served) == (
                desk.state,
                desk.current,
                desk.last_served,
            )
        parked = sorted(
            (m.requeue_at, t) for t, m in self.tickets.items() if m.requeue_at is not None
        )
        assert list(state.parked) == parked

    @invariant()
    def capacity_and_quota_hold(self) -> None:
        taken: dict[tuple[str, float], int] = {}
        held: dict[tuple[date, str], list[str]] = {}
        for booking in self.bookings.values():
            if booking.state == "cancelled":
                continue
            slot = (booking.service, booking.start)
            taken[slot] = taken.get(slot, 0) + 1
            held.setdefault((booking.day, booking.person), []).append(booking.service)
        for (service, _), count in taken.items():
            assert count <= self._capacity(service), (service, count)
        for services in held.values():
            assert len(services) <= self.config.appointments.per_person_per_day
            assert len(set(services)) == len(services), "one per service per day"

    @invariant()
    def replay_gives_the_live_state(self) -> None:
        self.steps += 1
        if self.steps % REPLAY_EVERY == 0:
            self._check_replay()

    def teardown(self) -> None:
        self._check_replay()

    # ------------------------------------------------------------------ driving

    def _issue(self, service: str, priority: str | None, lang: str) -> None:
        self.codes += 1
        command = c.IssueTicket(
            service=service, tracking_code=f"m{self.codes}", priority=priority, lang=lang
        )
        self._run(command)

    def _run(self, command: c.Command) -> None:
        self._housekeep()
        before = self.engine.state.snapshot()
        expected = self._verdict(command)
        try:
            events = self.engine.handle(command, self.now, STAFF)
        except CommandRejected as refusal:
            assert self.engine.state.snapshot() == before, command
            self._check_refusal(command, refusal, expected)
            return
        assert expected in (None, "-"), (command, expected)
        if isinstance(command, c.SignIn | c.SignOut):
            held_by = self.desks[command.counter].staff
            nothing_to_do = (held_by == command.staff) == isinstance(command, c.SignIn)
            assert (events == []) == nothing_to_do, (command, held_by, events)
        else:
            assert events, command
        for event in events:
            assert (event.at, event.actor) == (self.now, STAFF), event
        if isinstance(command, c.CallNext):
            self._check_next_call(command.counter, events)
        elif isinstance(command, c.CallTicket):
            call = events[-1]
            assert isinstance(call, ev.TicketCalled)
            assert (call.ticket, call.counter, call.reason) == (
                command.ticket,
                command.counter,
                "chosen",
            )
            assert call.ticket in dict(self._waiting_for(command.counter)), "not in its lines"
        self._record(events)

    def _housekeep(self) -> None:
        due = self.engine.housekeeping(self.now)
        for event in due:
            assert (event.at, event.actor) == (self.now, SYSTEM), event
        self.engine.apply_all(due)
        self._record(due)
        late = [
            t
            for t, m in self.tickets.items()
            if m.requeue_at is not None and m.requeue_at <= self.now
        ]
        assert not late, f"no-shows past their grace and not back in line: {late}"
        missed = [
            k
            for k, b in self.bookings.items()
            if b.state == "booked" and self._missed_at(b) <= self.now
        ]
        assert not missed, f"appointments past their window and not missed: {missed}"
        kept = [k for k, b in self.bookings.items() if self._drop_at(b.day) <= self.now]
        assert not kept, f"appointments kept past their retention: {kept}"
        assert self.engine.housekeeping(self.now) == [], "housekeeping is done once"
        if any(isinstance(e, ev.DayOpened) for e in due) and len(self.log) > len(due):
            self._staff_arrive()  # a new day: the counters open again

    def _in_state(self, state: TicketState) -> list[int]:
        return [t for t, m in self.tickets.items() if m.state == state]

    def _counter(self, counter: int, busy: bool) -> int:
        """`counter`, or when `busy` one with a ticket at it (if any) picked by `counter`."""
        holding = [k for k, desk in self.desks.items() if desk.current is not None]
        return holding[counter % len(holding)] if busy and holding else counter

    @staticmethod
    def _pick(pool: list[int], index: int) -> int:
        return pool[index % len(pool)] if pool else UNKNOWN_TICKET

    def _lines_of(self, counter: int) -> tuple[LineKey, ...]:
        return (counter, *COUNTERS[counter])

    def _waiting_for(self, counter: int) -> list[tuple[int, Model]]:
        keys = self._lines_of(counter)
        return [(t, m) for t, m in self.tickets.items() if m.state == "waiting" and m.line in keys]

    def _check_replay(self) -> None:
        live = self.engine.state.snapshot()
        fresh = Engine(self.config.queue_setup())
        fresh.apply_all(self.log)
        assert fresh.state.snapshot() == live
        closes = [i for i, e in enumerate(self.log) if isinstance(e, ev.DayClosed)]
        if closes:
            last = closes[-1]
            closed = Engine(self.config.queue_setup())
            closed.apply_all(self.log[: last + 1])
            captured = resume.capture(closed, self.log[last].at)
            assert captured is not None, "a closed day leaves a state that can be saved"
            resumed = Engine(self.config.queue_setup())
            assert resume.restore(resumed, captured) == self.log[last].at
            resumed.apply_all(self.log[last + 1 :])
            assert resumed.state.snapshot() == live

    def _capacity(self, service: str) -> int:
        rules = self.config.appointments
        counters = sum(1 for services in COUNTERS.values() if service in services)
        servable = rules.max_share * counters * rules.slot_minutes / 10.0  # expected 10 min
        return min(rules.per_service.get(service, rules.per_slot), math.floor(servable))

    @staticmethod
    def _missed_at(booking: Booking) -> float:
        return booking.start + LATE_S

    def _drop_at(self, day: date) -> float:
        return midnight(day + timedelta(days=self.config.appointments.retention_days + 1))

    def _verdict(self, command: c.Command) -> str | None:
        """The refusal the model expects for an appointment's command (None: accepted);
        "-" for any other command."""
        if isinstance(command, c.BookAppointment):
            return self._booking_verdict(command)
        if not isinstance(command, c.CancelAppointment | c.CheckIn):
            return "-"
        booking = self.bookings.get(command.code)
        if booking is None:
            return "unknown_appointment"
        if booking.state == "cancelled":
            return "appointment_cancelled"
        if booking.state == "checked_in":
            return "already_checked_in"
        if isinstance(command, c.CancelAppointment):
            return "too_late" if booking.state == "missed" else None
        if self.now < booking.start - EARLY_S:
            return "too_early"
        on_time = booking.state == "booked" and self.now < self._missed_at(booking)
        late = self.config.appointments.late
        if not on_time and (late == "refuse" or booking.day != local_day(self.now)):
            return "too_late"
        return None

    def _booking_verdict(self, command: c.BookAppointment) -> str | None:
        if command.code in self.bookings:
            return "duplicate_appointment_code"
        start = command.start
        day = local_day(start)
        if (
            start not in slot_starts(day)
            or start - CUTOFF_S < self.now
            or (day - local_day(self.now)).days > DAYS_AHEAD
        ):
            return "invalid_slot"
        active = [b for b in self.bookings.values() if b.state != "cancelled"]
        taken = sum(1 for b in active if (b.service, b.start) == (command.service, start))
        if taken >= self._capacity(command.service):
            return "slot_full"
        held = [b for b in active if (b.day, b.person) == (day, command.person)]
        if len(held) >= self.config.appointments.per_person_per_day or any(
            b.service == command.service for b in held
        ):
            return "quota_exceeded"
        return None

    # ------------------------------------------------------------------ checks on commands

    def _check_refusal(
        self, command: c.Command, refusal: CommandRejected, expected: str | None
    ) -> None:
        """A refusal must be for a reason the model confirms (for an appointment's
        command, exactly the one it expects)."""
        assert refusal.code
        assert refusal.message
        if expected != "-":
            exhausted = isinstance(refusal, err.NumberingExhausted)
            assert refusal.code == expected or (exhausted and expected is None), (command, refusal)
        counter = getattr(command, "counter", None)
        desk = self.desks.get(counter) if isinstance(counter, int) else None
        if isinstance(refusal, err.JustCalled):
            assert isinstance(command, c.CallNext) and desk is not None
            assert desk.current is not None
            current = self.tickets[desk.current]
            assert current.state == "called" and current.called_at is not None
            assert self.now - current.called_at < self.config.queue.next_guard_seconds
        elif isinstance(refusal, err.NobodyWaiting):
            assert isinstance(command, c.CallNext)
            assert self._waiting_for(command.counter) == []
        elif isinstance(refusal, err.CounterClosed | err.CounterPaused):
            assert desk is not None
            assert desk.state == ("closed" if isinstance(refusal, err.CounterClosed) else "paused")
        elif isinstance(refusal, err.NoCurrentTicket):
            assert desk is not None
            assert desk.current is None
        elif isinstance(refusal, err.NumberingExhausted):
            assert isinstance(command, c.IssueTicket | c.CheckIn)
            assert self.day is not None
            booked = False
            if isinstance(command, c.CheckIn):
                booking = self.bookings[command.code]
                service = booking.service
                booked = booking.state == "booked" and self.now < self._missed_at(booking)
            else:
                service = command.service
            used = self.numbers.get((service, self.day, booked), [])
            first, last = BOOKED_BAND if booked else BAND
            assert len(used) == last - first + 1
        elif (
            isinstance(refusal, err.RatingClosed)
            and isinstance(command, c.RateService)
            and command.ticket in self.closed
        ):
            # A ticket of the closed day: never from a tablet, else only for a while.
            grace = self.config.queue.after_close_hours * 3600
            assert desk is not None or self.now >= self.closed_at + grace
        elif isinstance(refusal, err.RatingClosed):
            assert isinstance(command, c.RateService) and desk is not None
            rated = self.tickets[command.ticket]
            assert desk.last_served == command.ticket and rated.finished_at is not None
            serving = desk.current is not None and self.tickets[desk.current].state == "serving"
            assert serving or self.now - rated.finished_at > TABLET_RATING_WINDOW_S
        elif isinstance(refusal, err.NotServedHere):
            assert isinstance(command, c.RateService) and desk is not None
            assert desk.last_served != command.ticket
        elif isinstance(refusal, err.AlreadyRated):
            assert isinstance(command, c.RateService)
            assert self._rated_ticket(command.ticket).rated
        elif isinstance(refusal, err.WrongTicketState) and isinstance(command, c.RateService):
            assert self._rated_ticket(command.ticket).state != "done"
        elif isinstance(refusal, err.NobodyThereToCall):
            assert isinstance(command, c.Transfer) and not command.insist
            assert self._target_closed(command)
        elif isinstance(refusal, err.DayAlreadyClosed):
            assert all(m.state in FINAL or m.state == "no_show" for m in self.tickets.values())

    def _check_next_call(self, counter: int, events: list[Event]) -> None:
        """Invariants 3, 5 and the contested flag, on the model as it was before the call."""
        call = events[-1]
        assert isinstance(call, ev.TicketCalled)
        assert call.counter == counter
        # A ticket still at the counter is finished first, and nothing else happens.
        current = self.desks[counter].current
        finished = [(e.ticket, e.counter) for e in events[:-1] if isinstance(e, ev.TicketFinished)]
        assert len(finished) == len(events) - 1
        assert finished == ([] if current is None else [(current, counter)])
        if current is not None and self.tickets[current].state == "called":
            # A NEXT ends a ticket only called after the guard: never a double press.
            called_at = self.tickets[current].called_at
            assert called_at is not None
            assert self.now - called_at >= self.config.queue.next_guard_seconds
        waiting = self._waiting_for(counter)
        ids = [t for t, _ in waiting]
        assert call.ticket in ids, "a next call takes a ticket waiting in the counter's lines"
        taken = self.tickets[call.ticket]
        lanes = {m.priority for _, m in waiting}
        assert call.contested == (lanes == {True, False})
        rest = {m.lane for _, m in waiting if not m.priority}
        assert call.booked_contested == (rest == {"booked", "normal"})
        # 3. FIFO within a lane: nobody older (booked: due sooner) waits in the same line
        # and lane.
        same_lane = [m for _, m in waiting if (m.line, m.lane) == (taken.line, taken.lane)]
        assert taken.lane_key() == min(m.lane_key() for m in same_lane)
        # 8. The on-time bound: a booked ticket past its due time goes first, due first.
        due = [m for _, m in waiting if m.due_at is not None and m.lane == "booked"]
        late = [m for m in due if m.due_at is not None and m.due_at <= self.now]
        if late:
            assert call.reason == "overdue"
            assert taken.lane_key() == min(m.lane_key() for m in late)
            return
        # 5. The oldest overdue ticket goes first, and "overdue" means overdue.
        overdue = [
            m for _, m in waiting if m.lane != "booked" and self.now - m.since >= self.max_wait_s
        ]
        if overdue:
            assert call.reason == "overdue"
            assert taken.order == min(m.order for m in overdue)
            return
        assert call.reason == "next"
        # The counter's choice between its lines, within the lane taken.
        in_lane = [m for _, m in waiting if m.lane == taken.lane]
        if self.config.queue.service_choice == "oldest":
            assert taken.lane_key() == min(m.lane_key() for m in in_lane)
        else:
            first = next(k for k in self._lines_of(counter) if any(m.line == k for m in in_lane))
            assert taken.line == first

    # ------------------------------------------------------------------ the model

    def _record(self, events: list[Event]) -> None:
        for event in events:
            self._follow(event)
            self.log.append(event)

    def _at_counter(self, ticket: int, counter: int) -> Model:
        model = self.tickets[ticket]
        assert model.state in ("called", "serving"), (ticket, model)
        assert model.counter == counter
        assert self.desks[counter].current == ticket
        return model

    def _leave_counter(self, model: Model) -> None:
        if model.state in ("called", "serving"):
            assert model.counter is not None
            self.desks[model.counter].current = None

    def _follow(self, event: Event) -> None:
        rules = self.config.queue
        if self.replacing is not None:
            assert isinstance(event, ev.StaffSignedIn) and event.counter == self.replacing, event
            self.replacing = None
        match event:
            case ev.TicketIssued():
                self._follow_issued(event)
            case ev.TicketCalled():
                model = self.tickets[event.ticket]
                assert model.state == "waiting"
                desk = self.desks[event.counter]
                assert (desk.state, desk.current) == ("open", None)
                model.state, model.counter, desk.current = "called", event.counter, event.ticket
                model.called_at = event.at
                if event.reason == "next":
                    self._follow_cycle(event.counter, event.contested, model.priority)
                    if not model.priority:
                        self._follow_lane_cycle(
                            event.counter, event.booked_contested, model.lane == "booked"
                        )
            case ev.TicketRecalled():
                self._at_counter(event.ticket, event.counter)
                assert self.tickets[event.ticket].state == "called"
            case ev.ServiceStarted():
                model = self._at_counter(event.ticket, event.counter)
                assert model.state == "called"
                model.state = "serving"
            case ev.TicketFinished():
                model = self._at_counter(event.ticket, event.counter)
                # Only NEXT ends a ticket that was only called; DONE and the close finish it.
                if event.never_started:
                    assert model.state == "called", model
                self._leave_counter(model)
                model.state = "ended" if event.never_started else "done"
                model.finished_at = event.at
                if not ev.untimed_finish(event) and not event.never_started:
                    self.desks[event.counter].last_served = event.ticket
            case ev.TicketNoShow():
                model = self._at_counter(event.ticket, event.counter)
                assert model.state == "called"
                self._leave_counter(model)
                model.state = "no_show"
                if rules.no_show.action == "out" or model.requeues >= rules.no_show.max_requeues:
                    assert event.requeue_at is None
                else:
                    assert event.requeue_at == event.at + rules.no_show.grace_minutes * 60
                model.requeue_at = event.requeue_at
            case ev.TicketRequeued():
                model = self.tickets[event.ticket]
                assert model.state == "no_show"
                assert model.requeue_at is not None
                assert model.requeue_at <= event.at
                model.state, model.requeue_at = "waiting", None
                model.requeues += 1
            case ev.TicketReactivated():
                model = self.tickets[event.ticket]
                assert model.state == "no_show"
                model.state, model.requeue_at = "waiting", None
            case ev.TicketTransferred():
                self._follow_transfer(event)
            case ev.ServiceRated():
                model = self._rated_ticket(event.ticket)
                assert model.state == "done" and not model.rated, model
                model.rated = True
            case ev.TicketCancelled():
                model = self.tickets[event.ticket]
                assert model.state not in FINAL
                self._leave_counter(model)
                model.state, model.requeue_at = "cancelled", None
            case ev.TicketExpired():
                model = self.tickets[event.ticket]
                assert model.state in ("waiting", "called") or model.requeue_at is not None
                self._leave_counter(model)
                model.state, model.requeue_at = "expired", None
            case ev.CounterOpened() | ev.CounterResumed() | ev.CounterPaused():
                desk = self.desks[event.counter]
                before: CounterState = "closed" if isinstance(event, ev.CounterOpened) else "open"
                if isinstance(event, ev.CounterResumed):
                    before = "paused"
                assert desk.state == before, (event, desk)
                desk.state = "paused" if isinstance(event, ev.CounterPaused) else "open"
            case ev.CounterClosed():
                desk = self.desks[event.counter]
                assert desk.state != "closed"
                assert desk.current is None, "a counter closes after its ticket is finished"
                desk.state = "closed"
                self.cycles[event.counter] = ""
                self.lane_cycles[event.counter] = ""
            case ev.StaffSignedIn():
                desk = self.desks[event.counter]
                assert desk.staff is None, "whoever held it was signed out first"
                desk.staff = event.staff
            case ev.StaffSignedOut():
                desk = self.desks[event.counter]
                assert desk.staff == event.staff, (event, desk)
                desk.staff = None
                if event.reason == "replaced":
                    self.replacing = event.counter
            case ev.DayOpened():
                assert all(d.staff is None for d in self.desks.values()), "nobody held over"
                local_start = datetime.fromtimestamp(event.ends_at, HANOI)
                assert (local_start.hour, local_start.minute, local_start.second) == (0, 0, 0)
                assert 0 < event.ends_at - event.at <= 24 * 3600
                assert event.day == datetime.fromtimestamp(event.at, HANOI).date().isoformat()
                assert self.day != event.day
                self.day = event.day
            case ev.AppointmentBooked():
                assert event.code not in self.bookings
                assert event.end == event.start + SLOT_S
                self.bookings[event.code] = Booking(
                    event.service, event.start, local_day(event.start), event.person
                )
            case ev.AppointmentCancelled():
                booking = self.bookings[event.code]
                assert booking.state == "booked"
                booking.state = "cancelled"
            case ev.AppointmentCheckedIn():
                # 7. Only in its window; after it, only as a walk-in, the same day.
                booking = self.bookings[event.code]
                assert booking.state in ("booked", "missed")
                assert event.at >= booking.start - EARLY_S
                if booking.state == "missed" or event.at >= self._missed_at(booking):
                    assert self.config.appointments.late == "walk_in"
                    assert local_day(event.at) == booking.day
                    self.checking_in = (event.code, None)
                else:
                    due = max(booking.start, event.at) + self.booked_wait_s
                    self.checking_in = (event.code, due)
                booking.state, booking.ticket = "checked_in", event.ticket
            case ev.AppointmentMissed():
                booking = self.bookings[event.code]
                assert booking.state == "booked"
                assert event.at >= self._missed_at(booking)
                booking.state = "missed"
            case ev.AppointmentDataDropped():
                dropped = [k for k, b in self.bookings.items() if b.day.isoformat() == event.day]
                assert dropped
                assert event.at >= self._drop_at(self.bookings[dropped[0]].day)
                for code in dropped:
                    del self.bookings[code]
            case ev.DayClosed():
                assert event.day == self.day
                for model in self.tickets.values():
                    assert model.state in FINAL or model.state == "no_show", model
                    assert model.requeue_at is None, model
                assert all(d.state == "closed" for d in self.desks.values())
                assert all(d.staff is None for d in self.desks.values())
                self.closed, self.tickets, self.closed_at = self.tickets, {}, event.at
                for desk in self.desks.values():
                    desk.last_served = None

    def _rated_ticket(self, ticket: int) -> Model:
        """A ticket a rating names: today's, or the closed day's."""
        return self.tickets.get(ticket) or self.closed[ticket]

    def _follow_lane_cycle(self, counter: int, contested: bool, booked: bool) -> None:
        # 8. Contested non-priority "next" calls spell a prefix of (B^b W^w)*.
        if not contested:
            self.lane_cycles[counter] = ""
            return
        cycle = self.lane_cycles[counter] + ("B" if booked else "W")
        expected = self.lane_pattern * (len(cycle) // len(self.lane_pattern) + 1)
        assert expected.startswith(cycle), (counter, cycle, self.lane_pattern)
        self.lane_cycles[counter] = cycle

    def _follow_issued(self, event: ev.TicketIssued) -> None:
        # 1. Numbers count 1, 2, 3... per service and day, in the service's format.
        assert event.day == self.day
        assert event.ticket not in self.tickets
        booked = event.due_at is not None
        assert event.series == ("booked" if booked else None)
        used = self.numbers.setdefault((event.service, event.day, booked), [])
        assert event.serial == len(used) + 1
        assert event.number == expected_number(event.service, event.serial, booked)
        assert all(
            event.number not in numbers
            for (_, day, _), numbers in self.numbers.items()
            if day == event.day
        )
        used.append(event.number)
        assert event.order > self.max_order
        self.max_order = event.order
        self.issued.append(event.ticket)
        if event.booked is None:
            assert event.due_at is None
        else:
            assert self.checking_in == (event.booked, event.due_at), (self.checking_in, event)
            assert self.bookings[event.booked].ticket == event.ticket
            assert event.priority is None
        self.checking_in = None
        self.tickets[event.ticket] = Model(
            service=event.service,
            priority=event.priority is not None,
            line=event.service,
            order=event.order,
            since=event.at,
            due_at=event.due_at,
        )

    def _follow_cycle(self, counter: int, contested: bool, priority: bool) -> None:
        # 4. Contested "next" calls spell a prefix of (P^p N^n)* until the cycle restarts.
        if not contested:
            self.cycles[counter] = ""
            return
        cycle = self.cycles[counter] + ("P" if priority else "N")
        expected = self.pattern * (len(cycle) // len(self.pattern) + 1)
        assert expected.startswith(cycle), (counter, cycle, self.pattern)
        self.cycles[counter] = cycle

    def _target_closed(self, command: c.Transfer) -> bool:
        """Nobody open where a transfer would send the ticket."""
        if command.to_counter is not None:
            return self.desks[command.to_counter].state == "closed"
        serving = [k for k, services in COUNTERS.items() if command.to_service in services]
        return all(self.desks[k].state == "closed" for k in serving)

    def _follow_transfer(self, event: ev.TicketTransferred) -> None:
        assert event.counter is not None
        # Never to where nobody is open to call it (the model never insists).
        if event.to_counter is not None:
            assert self.desks[event.to_counter].state != "closed"
        else:
            serving = [k for k, services in COUNTERS.items() if event.to_service in services]
            assert any(self.desks[k].state != "closed" for k in serving)
        model = self._at_counter(event.ticket, event.counter)
        if event.to_counter is None:  # to another service, or back from one counter's line
            assert event.to_service != model.service or model.line != model.service
        else:
            assert event.to_counter != event.counter
            assert event.to_service == model.service
        if self.config.queue.transfer_keeps_place:
            assert (event.order, event.waiting_since) == (model.order, model.since)
        else:
            assert event.order > self.max_order
            assert event.waiting_since == event.at
            self.max_order = event.order
        self._leave_counter(model)
        model.state, model.service = "waiting", event.to_service
        model.line = event.to_counter if event.to_counter is not None else event.to_service
        model.order, model.since = event.order, event.waiting_since


EngineMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=150, deadline=None)
TestEngineMachine = EngineMachine.TestCase
