"""Events: the facts the queue's state is rebuilt from.

Each event is immutable and carries its time, its actor and everything
`Engine.apply` needs, so replaying the log gives the live state again.  They
are msgspec structs tagged by `type`: one JSON encoding serves the log, the
hub and the reports.  Adding a field needs a default, so old logs still load.
"""

from __future__ import annotations

from typing import Literal

import msgspec

ActorKind = Literal[
    "staff",
    "kiosk",
    "keypad",
    "system",
    "admin",
    "supervisor",
    "display",
    "citizen",
    "partner",
    "volunteer",
    "assistant",
]
CallReason = Literal["next", "overdue", "chosen"]
Rating = Literal["very_satisfied", "satisfied", "neutral", "dissatisfied"]
"""How satisfied a citizen was with a service, on the four levels Vietnamese one-stop
centres ask (rất hài lòng, hài lòng, bình thường, không hài lòng), best first."""
RATINGS: tuple[Rating, ...] = ("very_satisfied", "satisfied", "neutral", "dissatisfied")


class Actor(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who caused an event: a role and the name of the account or device."""

    kind: ActorKind
    id: str = ""
    request: str = ""
    """Which of its requests, for a device that resends one it had no answer to (a
    keypad's press: `<seq>:<key>:<payload hex>`): the log keeps it, so a resend that
    reaches a restarted server is answered, not run a second time."""


SYSTEM = Actor("system", "engine")


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    at: float
    actor: Actor


class TicketIssued(_Event, tag=True, frozen=True):
    ticket: int
    number: str
    service: str
    priority: str | None
    day: str
    serial: int
    order: int
    tracking_code: str
    lang: str
    booked: str | None = None
    """The appointment this ticket was checked in for (its code); None for a walk-in."""
    due_at: float | None = None
    """An on-time booked ticket: called by then, whenever a counter serving it calls
    (it waits in the booked lane); None for every other ticket."""
    procedure: str | None = None
    """The procedure of the service the citizen chose at the kiosk (the finder's): its
    papers to bring are printed and shown on the status page."""
    series: Literal["booked"] | None = None
    """The series its serial counts in: "booked" for an on-time booked ticket numbered
    apart (`numbering.format_booked_number`); None for the service's own series (and
    for every ticket of older logs)."""


class TicketCalled(_Event, tag=True, frozen=True):
    ticket: int
    counter: int
    reason: CallReason
    contested: bool
    """Both lanes were waiting.  A contested "next" call counts in the priority:normal
    cycle; an uncontested one starts the cycle afresh."""
    booked_contested: bool = False
    """Booked and walk-in tickets were both waiting: a non-priority "next" call counts in
    the booked:walk-in cycle (`lane_ratio`) when contested, else starts it afresh."""
    note: str | None = None
    """A chosen call: why staff called it out of order, as they wrote it."""


class TicketRecalled(_Event, tag=True, frozen=True):
    ticket: int
    counter: int
    recalls: int


class ServiceStarted(_Event, tag=True, frozen=True):
    ticket: int
    counter: int


class TicketFinished(_Event, tag=True, frozen=True):
    ticket: int
    counter: int
    by_close: bool = False
    """Finished because the day closed while it was served: nobody timed that service."""
    never_started: bool = False
    """Ended by the counter's NEXT while only called: not known to be served (`ENDED`)."""


class TicketNoShow(_Event, tag=True, frozen=True):
    ticket: int
    counter: int
    requeue_at: float | None
    """When the ticket goes back in line; None when it is out."""


class TicketRequeued(_Event, tag=True, frozen=True):
    ticket: int


class TicketReactivated(_Event, tag=True, frozen=True):
    ticket: int


class TicketPriorityChanged(_Event, tag=True, frozen=True):
    """A person at the reception desk checked the citizen's papers: the waiting ticket
    joins (or leaves) a priority class, keeping its place by issue order."""

    ticket: int
    priority: str | None


class TicketTransferred(_Event, tag=True, frozen=True):
    ticket: int
    counter: int | None
    to_service: str
    to_counter: int | None
    order: int
    waiting_since: float


class ServiceRated(_Event, tag=True, frozen=True):
    """The citizen said how satisfied they were with a finished service (once a ticket)."""

    ticket: int
    rating: Rating
    reason: str | None = None
    """Why, when dissatisfied and the citizen said (one of the configured reasons)."""


class TicketCancelled(_Event, tag=True, frozen=True):
    ticket: int


class TicketExpired(_Event, tag=True, frozen=True):
    ticket: int


class CounterOpened(_Event, tag=True, frozen=True):
    counter: int


class CounterPaused(_Event, tag=True, frozen=True):
    counter: int


class CounterResumed(_Event, tag=True, frozen=True):
    counter: int


class CounterClosed(_Event, tag=True, frozen=True):
    counter: int


SignOutReason = Literal["signed_out", "replaced", "day_closed", "session_ended"]


class StaffSignedIn(_Event, tag=True, frozen=True):
    """A person logged in at a counter: from now on whatever happens at that counter, from
    their console, its keypad or its radio button, is theirs in the day's figures."""

    counter: int
    staff: str
    """Their account name (nothing else about them: the report names them by it)."""


class StaffSignedOut(_Event, tag=True, frozen=True):
    """The person holding a counter left it: logged out, another logged in there
    (`replaced`), or the day closed; nothing more at that counter is theirs."""

    counter: int
    staff: str
    reason: SignOutReason


class DayOpened(_Event, tag=True, frozen=True):
    """A new business day: numbers restart; `ends_at` is its local midnight."""

    day: str
    ends_at: float


class DayClosed(_Event, tag=True, frozen=True):
    """The day is over: nothing still waits (expired by events before this one)."""

    day: str


class TicketPrinted(_Event, tag=True, frozen=True):
    """A ticket came out of a printer (after the printers in `fallback_from` failed)."""

    ticket: int
    printer: str
    fallback_from: list[str] = []
    reason: str = ""
    """Why the printers in `fallback_from` did not print it, and what the printer that did
    said after taking it, if it was in trouble (paper end, no answer)."""


class TicketPrintFailed(_Event, tag=True, frozen=True):
    """No printer could print a ticket: the kiosk showed it on screen instead."""

    ticket: int
    printers_tried: list[str]
    reason: str


class AppointmentBooked(_Event, tag=True, frozen=True):
    """A queue number booked ahead for a slot.  `person` is a keyed digest of the phone
    number made outside the engine (which only compares them); `masked_phone` is what
    pages show.  Both are forgotten by `AppointmentDataDropped`."""

    code: str
    service: str
    start: float
    end: float
    person: str
    masked_phone: str
    lang: str = "vi"


class AppointmentCancelled(_Event, tag=True, frozen=True):
    code: str


class AppointmentCheckedIn(_Event, tag=True, frozen=True):
    """The citizen came: decided with the `TicketIssued` of `ticket`, in the same batch."""

    code: str
    ticket: int


class AppointmentMissed(_Event, tag=True, frozen=True):
    """Not checked in by the end of its window: a no-show."""

    code: str


class AppointmentDataDropped(_Event, tag=True, frozen=True):
    """`retention_days` after a day: its appointments (their phone digests and masked
    numbers) are forgotten."""

    day: str


Event = (
    TicketIssued
    | TicketCalled
    | TicketRecalled
    | ServiceStarted
    | TicketFinished
    | TicketNoShow
    | TicketRequeued
    | TicketReactivated
    | TicketPriorityChanged
    | TicketTransferred
    | ServiceRated
    | TicketCancelled
    | TicketExpired
    | CounterOpened
    | CounterPaused
    | CounterResumed
    | CounterClosed
    | StaffSignedIn
    | StaffSignedOut
    | DayOpened
    | DayClosed
    | TicketPrinted
    | TicketPrintFailed
    | AppointmentBooked
    | AppointmentCancelled
    | AppointmentCheckedIn
    | AppointmentMissed
    | AppointmentDataDropped
)

TICKET_EVENTS = (
    TicketIssued,
    TicketCalled,
    TicketRecalled,
    ServiceStarted,
    TicketFinished,
    TicketNoShow,
    TicketRequeued,
    TicketReactivated,
    TicketPriorityChanged,
    TicketTransferred,
    ServiceRated,
    TicketCancelled,
    TicketExpired,
)

APPOINTMENT_EVENTS = (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentMissed,
    AppointmentDataDropped,
)

STAFF_EVENTS = (StaffSignedIn, StaffSignedOut)
"""Who holds a counter: they change what the day's figures attribute to whom, not the queue."""

DEVICE_EVENTS = (TicketPrinted, TicketPrintFailed)
"""What devices did with the queue's facts, recorded for the audit trail; they change no
queue state and the engine never decides them."""


def untimed_finish(event: TicketFinished) -> bool:
    """A service the close of the day finished, not a person: its length (up to a night)
    says nothing of how long serving takes.  Logs from before `by_close` mark the
    midnight close by the system actor."""
    return event.by_close or event.actor.kind == "system"


event_encoder = msgspec.json.Encoder()
event_decoder: msgspec.json.Decoder[Event] = msgspec.json.Decoder(Event)


def encode_event(event: Event) -> bytes:
    return event_encoder.encode(event)


def decode_event(data: bytes | str) -> Event:
    return event_decoder.decode(data)


def event_type(event: Event) -> str:
    """The `type` tag as written in JSON (the class name)."""
    return type(event).__name__
