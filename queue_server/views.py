"""How the queue looks from outside: typed views for the HTTP API and the live hub alike.

One function per thing shown, so the API's answer and the hub's message about
the same ticket or counter never disagree.  Each view is a msgspec Struct: its
fields are declared once, here, and the API's JSON and its OpenAPI schema both
come from them (web/openapi.py).  Public views carry no personal data: a ticket
is its number, service, status and place in line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal, cast
from zoneinfo import ZoneInfo

import msgspec

from .config import Procedure
from .config import Service as ServiceConfig
from .engine import Engine
from .engine.events import Rating
from .engine.state import (
    LANES,
    CounterState,
    CounterStatus,
    LineKey,
    Ticket,
    TicketStatus,
)
from .engine.state import Appointment as AppointmentState
from .finder import Found

WAITING_LIST_LIMIT = 50
ABSENT_LIMIT = 20

LocalizedText = Annotated[dict[str, str], msgspec.Meta(description="text per language")]
Say = Annotated[
    str,
    msgspec.Meta(
        description="assistants only: the answer as a sentence to speak, in the language "
        "asked (ticket numbers spelled as the hall's voice reads them)"
    ),
]


class PublicTicket(msgspec.Struct):
    """What anyone holding the ticket may see (the citizen status page)."""

    number: str
    service: str
    priority: str | None
    status: TicketStatus
    position: Annotated[int | None, msgspec.Meta(description="people to be called before it")]
    estimated_wait_s: Annotated[
        int | None, msgspec.Meta(description="null when no counter serving it is open")
    ]
    counter: int | None
    called_at: str | None
    recalls: int
    issued_at: str | None
    rating: Annotated[
        Rating | None,
        msgspec.Meta(description="how the citizen rated the finished service (null: not rated)"),
    ]
    lang: Annotated[str, msgspec.Meta(description="the language chosen at the kiosk")]
    booked: Annotated[
        bool,
        msgspec.Meta(description="checked in on time for a booking (a late one is a walk-in)"),
    ]
    booked_for: Annotated[
        str | None,
        msgspec.Meta(description="a booked ticket: the start of its slot (null: a walk-in)"),
    ]
    procedure: Annotated[
        str | None,
        msgspec.Meta(
            description="the procedure chosen at the kiosk (its code), while the ticket is "
            "for its service; GET /api/v1/tickets/{code} gives its papers to bring"
        ),
    ]

    say: Say | msgspec.UnsetType = msgspec.UNSET


class ProcedurePapers(msgspec.Struct):
    """The chosen procedure and its papers to bring, in every language the config has."""

    code: str
    name: LocalizedText
    papers: Annotated[dict[str, list[str]], msgspec.Meta(description="per language")]


class TrackedTicket(PublicTicket):
    """GET /api/v1/tickets/{code}: the public view, and the chosen procedure's papers."""

    papers: ProcedurePapers | None = None


class PrintOutcome(msgspec.Struct):
    """What became of the kiosk's print: failed means the kiosk shows the number and the QR
    code of status_url on screen; none means this kiosk has no printer."""

    status: Literal["printed", "failed", "none"]
    printer: str | None
    error: str | None


class IssuedTicket(PublicTicket, kw_only=True):
    """The kiosk's answer: the public view plus what to print (id and tracking code)."""

    id: int
    tracking_code: str
    status_url: Annotated[
        str, msgspec.Meta(description="the citizen's status page; the ticket's QR code")
    ]
    print: PrintOutcome


class ExpiredTicket(msgspec.Struct):
    """A followed ticket the day no longer holds (live `ticket` messages only)."""

    status: Literal["expired"] = "expired"


class TicketSummary(msgspec.Struct):
    """A ticket as staff see it in lists."""

    id: int
    number: str
    service: str
    priority: str | None
    status: TicketStatus
    waiting_since: str | None
    recalls: int
    called_at: Annotated[
        str | None, msgspec.Meta(description="when it was last called (staff time the wait)")
    ] = None
    started_at: Annotated[
        str | None, msgspec.Meta(description="when its service began (the service timer)")
    ] = None
    requeue_at: Annotated[
        str | None, msgspec.Meta(description="a no-show: when it goes back in line by itself")
    ] = None
    booked: bool = False
    """Checked in for a booking: staff and the hall show it apart from walk-ins."""


class TicketResult(msgspec.Struct):
    ticket: TicketSummary


class LastServed(msgspec.Struct):
    """The ticket finished last at a counter today.  Whether it was rated, never how: the
    counter's own staff see this, and a citizen must be free to rate them badly."""

    id: int
    number: str
    rated: bool


class Counter(msgspec.Struct):
    id: int
    status: CounterStatus
    services: list[str]
    current: TicketSummary | None
    waiting: int
    last_served: LastServed | None
    served_today: Annotated[
        int, msgspec.Meta(description="tickets this counter finished today (served, not ended)")
    ] = 0
    absent: Annotated[
        list[TicketSummary],
        msgspec.Meta(
            description="today's tickets this counter marked no-show, not back in line yet "
            "(reactivate puts one back), latest first, at most 20"
        ),
    ] = []


class Counters(msgspec.Struct):
    counters: list[Counter]


class PeopleAtCounter(msgspec.Struct):
    """Who is logged in at a counter (display names, first logged in first)."""

    counter: int
    people: list[str]


class PeopleAtCounters(msgspec.Struct):
    """Who is at each counter: a supervisor sees who holds which desk."""

    counters: list[PeopleAtCounter]


class CounterRated(msgspec.Struct):
    counter: Counter


class CounterAction(msgspec.Struct):
    """A counter command's answer: the counter and its current ticket."""

    counter: Counter
    ticket: TicketSummary | None


class Service(msgspec.Struct):
    """A service with its names, its line and its estimated wait."""

    code: str
    name: LocalizedText
    description: LocalizedText
    waiting: int
    waiting_priority: int
    estimated_wait_s: int | None
    open_counters: int


class WaitingList(msgspec.Struct):
    """The first tickets of a line in calling order (priority lane first), and the total."""

    line: str | int
    total: int
    tickets: list[TicketSummary]


class State(msgspec.Struct):
    """The whole centre at one seq: counters, services and the head of every line."""

    seq: int
    day: str | None
    day_closed: bool
    issued_today: int
    services: list[Service]
    counters: list[Counter]
    waiting: list[WaitingList]


def iso_time(at: float | None, zone: ZoneInfo) -> str | None:
    """Local time with its offset, e.g. 2026-11-28T08:15:02+07:00."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, zone).isoformat(timespec="seconds")


def _wait(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds)


def _public_fields(engine: Engine, ticket: Ticket) -> dict[str, Any]:
    zone = engine.setup.zone
    at_counter = ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING)
    ahead = engine.people_ahead(ticket)
    return {
        "number": ticket.number,
        "service": ticket.service,
        "priority": ticket.priority,
        "status": ticket.status,
        "position": ahead,
        "estimated_wait_s": _wait(engine.ticket_estimated_wait_s(ticket, ahead)),
        "counter": ticket.counter if at_counter else None,
        "called_at": iso_time(ticket.called_at, zone) if at_counter else None,
        "recalls": ticket.recalls,
        "issued_at": iso_time(ticket.issued_at, zone),
        "rating": cast("Rating | None", ticket.rating),
        "lang": ticket.lang,
        "booked": ticket.due_at is not None,
        "booked_for": iso_time(booked_slot(engine, ticket), zone),
        "procedure": ticket.procedure,
    }


def ticket_tracked(engine: Engine, service: ServiceConfig | None, ticket: Ticket) -> TrackedTicket:
    """What the status page asks once: the public view and the papers to bring for the
    procedure chosen at the kiosk (`service`: the ticket's, from the config)."""
    procedure = chosen_procedure(service, ticket)
    papers = (
        None
        if procedure is None
        else ProcedurePapers(code=procedure.code, name=procedure.name, papers=procedure.papers)
    )
    return TrackedTicket(**_public_fields(engine, ticket), papers=papers)


def chosen_procedure(service: ServiceConfig | None, ticket: Ticket) -> Procedure | None:
    """The procedure chosen for a ticket, if it is still one of its service's."""
    if service is None or ticket.procedure is None:
        return None
    return next((p for p in service.procedures if p.code == ticket.procedure), None)


def booked_slot(engine: Engine, ticket: Ticket) -> float | None:
    """The start of the slot an on-time booked ticket was checked in for; None for a
    walk-in (a late check-in is one) or once the booking's data was dropped."""
    if ticket.due_at is None or ticket.booked is None:
        return None
    appointment = engine.state.appointments.get(ticket.booked)
    return None if appointment is None else appointment.start


def ticket_public(engine: Engine, ticket: Ticket) -> PublicTicket:
    """What anyone holding the ticket may see (the citizen status page)."""
    return PublicTicket(**_public_fields(engine, ticket))


def ticket_issued(
    engine: Engine, ticket: Ticket, status_url: str, printed: PrintOutcome
) -> IssuedTicket:
    """The kiosk's answer: the public view plus what to print (id and tracking code)."""
    return IssuedTicket(
        **_public_fields(engine, ticket),
        id=ticket.id,
        tracking_code=ticket.tracking_code,
        status_url=status_url,
        print=printed,
    )


def ticket_summary(engine: Engine, ticket: Ticket) -> TicketSummary:
    """A ticket as staff see it in lists."""
    return TicketSummary(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service,
        priority=ticket.priority,
        status=ticket.status,
        waiting_since=iso_time(ticket.waiting_since, engine.setup.zone),
        recalls=ticket.recalls,
        called_at=iso_time(ticket.called_at, engine.setup.zone),
        started_at=iso_time(ticket.started_at, engine.setup.zone),
        requeue_at=iso_time(ticket.requeue_at, engine.setup.zone)
        if ticket.status is TicketStatus.NO_SHOW
        else None,
        booked=ticket.due_at is not None,
    )


def counter_view(engine: Engine, counter: CounterState) -> Counter:
    tickets = engine.state.tickets
    current = tickets.get(counter.current) if counter.current is not None else None
    served = tickets.get(counter.last_served) if counter.last_served is not None else None
    lines: tuple[LineKey, ...] = (counter.id, *counter.services)
    absent = [tickets[t] for t in reversed(counter.absent)][:ABSENT_LIMIT]
    return Counter(
        id=counter.id,
        status=counter.status,
        services=list(counter.services),
        current=None if current is None else ticket_summary(engine, current),
        waiting=sum(engine.waiting_count(line) for line in lines),
        last_served=None
        if served is None
        else LastServed(id=served.id, number=served.number, rated=served.rating is not None),
        served_today=counter.served_today,
        absent=[ticket_summary(engine, t) for t in absent],
    )


def service_view(engine: Engine, service: ServiceConfig) -> Service:
    """A service with its names, its line and its estimated wait."""
    code = service.code
    ahead, wait = engine.service_estimate(code)
    return Service(
        code=code,
        name=service.name,
        description=service.description,
        waiting=ahead,
        waiting_priority=engine.waiting_count(code, True),
        estimated_wait_s=_wait(wait),
        open_counters=engine.open_counters(code),
    )


class FoundProcedure(msgspec.Struct):
    """The procedure that matched, in the language asked, with the papers to bring."""

    code: str
    name: str
    papers: list[str]


class FoundService(msgspec.Struct):
    """One service the finder found for a citizen's phrase."""

    service: str
    name: str
    procedure: FoundProcedure | None
    """None: the service's own name or description matched, no procedure of it."""
    matched: list[str]
    """The citizen's words that matched, as they typed them."""
    score: float
    """Higher is better; comparable within one answer only."""


class ServiceSearch(msgspec.Struct):
    """`GET /api/v1/services/search`: the services for a phrase, best first."""

    query: str
    lang: str
    results: list[FoundService]
    say: Say | msgspec.UnsetType = msgspec.UNSET


def service_search(
    found: Sequence[Found], services: Sequence[ServiceConfig], query: str, lang: str, default: str
) -> ServiceSearch:
    """The finder's answer in the citizen's language (the centre's when a text lacks it)."""
    by_code = {s.code: s for s in services}

    def text(texts: dict[str, str]) -> str:
        return texts.get(lang) or texts.get(default, "")

    results = []
    for hit in found:
        service = by_code[hit.service]
        procedure = next((p for p in service.procedures if p.code == hit.procedure), None)
        results.append(
            FoundService(
                service=service.code,
                name=text(service.name),
                procedure=None
                if procedure is None
                else FoundProcedure(
                    code=procedure.code,
                    name=text(procedure.name),
                    papers=procedure.papers.get(lang) or procedure.papers.get(default, []),
                ),
                matched=list(hit.matched),
                score=hit.score,
            )
        )
    return ServiceSearch(query=query, lang=lang, results=results)


def waiting_list(engine: Engine, line: LineKey, limit: int = WAITING_LIST_LIMIT) -> WaitingList:
    """The first tickets of a line in calling order (priority lane first, then booked
    tickets, then walk-ins), and the total."""
    lines, tickets = engine.state.lines, engine.state.tickets
    orders: list[int] = []
    for lane in LANES:
        orders += lines.first(line, lane, limit - len(orders))
    return WaitingList(
        line=line,
        total=lines.count(line),
        tickets=[ticket_summary(engine, tickets[lines.ticket_at[o]]) for o in orders],
    )


def state_snapshot(engine: Engine, services: Sequence[ServiceConfig], seq: int) -> State:
    """The whole centre at one seq: counters, services and the head of every line."""
    st = engine.state
    return State(
        seq=seq,
        day=st.day,
        day_closed=st.day_closed,
        issued_today=st.issued_today,
        services=[service_view(engine, s) for s in services],
        counters=[counter_view(engine, c) for c in st.counters.values()],
        waiting=[waiting_list(engine, key) for key in lines_in_order(engine)],
    )


def lines_in_order(engine: Engine) -> list[LineKey]:
    """The lines where someone waits: services as the configuration lists them, then the
    counters' own lines by id.  The same order whatever the history (the engine keeps
    lines in the order of their first use, which a restart from a saved state changes)."""
    services = {code: i for i, code in enumerate(engine.setup.service_codes)}

    def order(line: LineKey) -> tuple[int, int, str]:
        if isinstance(line, int):
            return (1, line, "")
        return (0, services.get(line, len(services)), line)

    return sorted(engine.state.lines.keys(), key=order)


# ---------------------------------------------------------------------- appointments


class AppointmentSlot(msgspec.Struct):
    start: str
    end: str
    capacity: Annotated[int, msgspec.Meta(description="places the slot offers to bookings")]
    free: Annotated[int, msgspec.Meta(description="places left; 0 once booking is closed")]


class AppointmentSlots(msgspec.Struct):
    service: str
    date: str
    slots: list[AppointmentSlot]


class BookedSlot(msgspec.Struct):
    """One slot of a day as its managers see it: what became of its bookings."""

    start: str
    end: str
    booked: Annotated[int, msgspec.Meta(description="booked, not come yet")]
    checked_in: int
    missed: Annotated[int, msgspec.Meta(description="not checked in by the window's end")]
    cancelled: int
    free: Annotated[int, msgspec.Meta(description="booking places nobody took")]
    walk_in: Annotated[
        int,
        msgspec.Meta(description="what the counters can serve in the slot besides bookings"),
    ]


class BookedService(msgspec.Struct):
    service: str
    places: Annotated[int, msgspec.Meta(description="per_slot (or per_service) configured")]
    capacity: Annotated[
        int, msgspec.Meta(description="places a slot offers: places, at most max_share")
    ]
    servable: Annotated[
        int, msgspec.Meta(description="citizens its counters serve in a slot (expected_minutes)")
    ]
    walk_in: Annotated[int, msgspec.Meta(description="servable - capacity: walk-ins keep these")]
    slots: list[BookedSlot]


class BookedDay(msgspec.Struct):
    """A day's slots per service: booked, checked in, no-show, free, against walk-ins."""

    date: str
    slot_minutes: int
    services: list[BookedService]


class Appointment(msgspec.Struct):
    """A booking as its code's holder sees it."""

    code: Annotated[str, msgspec.Meta(description="XXXX-XXXX, to read aloud or scan")]
    service: str
    start: str
    end: str
    status: Literal["booked", "cancelled", "checked_in", "missed"]
    phone: Annotated[str, msgspec.Meta(description="masked: 09xx xxx 123")]
    status_url: Annotated[str, msgspec.Meta(description="the booking's page (its QR code)")]
    ics_url: Annotated[str, msgspec.Meta(description="the booking as an iCalendar event")]
    lang: Annotated[str, msgspec.Meta(description="the language chosen when booking")]
    ticket: str | None = None
    """The number of the ticket its check-in gave."""
    tracking_code: str | None = None
    """That ticket's tracking code: the booking's page follows it over /ws."""


def appointment_slots(engine: Engine, service: str, day: date, at: float) -> AppointmentSlots:
    zone = engine.setup.zone
    return AppointmentSlots(
        service=service,
        date=day.isoformat(),
        slots=[
            AppointmentSlot(_iso(start, zone), _iso(end, zone), capacity, free)
            for start, end, capacity, free in engine.appointment_slots(service, day, at)
        ],
    )


def booked_day(engine: Engine, day: date, at: float) -> BookedDay:
    """Every bookable service's slots of `day` (a service with no places and no bookings
    is left out) with the fate of their bookings, for the admin page."""
    zone, rules = engine.setup.zone, engine.setup.appointments
    book = engine.state.appointments
    counts: dict[tuple[str, float], dict[str, int]] = {}
    for code in book.by_day.get(day.isoformat(), ()):
        appointment = book.by_code[code]
        slot = counts.setdefault((appointment.service, appointment.start), {})
        slot[appointment.status.value] = slot.get(appointment.status.value, 0) + 1
    services = []
    for code in engine.setup.service_codes:
        capacity, servable = engine.slot_capacity(code), engine.slot_servable(code)
        starts = engine.appointment_slots(code, day, at)
        if capacity == 0 and not any((code, start) in counts for start, *_ in starts):
            continue
        slots = []
        for start, end, _, _ in starts:
            seen = counts.get((code, start), {})
            held = seen.get("booked", 0) + seen.get("checked_in", 0) + seen.get("missed", 0)
            slots.append(
                BookedSlot(
                    start=_iso(start, zone),
                    end=_iso(end, zone),
                    booked=seen.get("booked", 0),
                    checked_in=seen.get("checked_in", 0),
                    missed=seen.get("missed", 0),
                    cancelled=seen.get("cancelled", 0),
                    free=max(0, capacity - held),
                    walk_in=max(0, servable - seen.get("booked", 0) - seen.get("checked_in", 0)),
                )
            )
        services.append(
            BookedService(
                service=code,
                places=rules.places(code),
                capacity=capacity,
                servable=servable,
                walk_in=max(0, servable - capacity),
                slots=slots,
            )
        )
    return BookedDay(date=day.isoformat(), slot_minutes=rules.slot_minutes, services=services)


def appointment_view(
    engine: Engine, appointment: AppointmentState, status_url: str, ics_url: str
) -> Appointment:
    zone = engine.setup.zone
    held = None
    if appointment.ticket is not None:
        held = engine.state.tickets.get(appointment.ticket) or engine.state.closed_tickets.get(
            appointment.ticket
        )
    return Appointment(
        code=shown_code(appointment.code),
        service=appointment.service,
        start=_iso(appointment.start, zone),
        end=_iso(appointment.end, zone),
        status=appointment.status.value,
        phone=appointment.masked_phone,
        status_url=status_url,
        ics_url=ics_url,
        lang=appointment.lang,
        ticket=None if held is None else held.number,
        tracking_code=None if held is None else held.tracking_code,
    )


def shown_code(code: str) -> str:
    """`ABCD2345` as people read it: `ABCD-2345`."""
    return f"{code[:4]}-{code[4:]}"


def _iso(at: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, zone).isoformat(timespec="seconds")
