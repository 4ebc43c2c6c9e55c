"""Commands: what someone asks the queue to do.  The engine answers with events or a refusal."""

from __future__ import annotations

from typing import Literal

import msgspec

from .events import Rating


class _Command(msgspec.Struct, frozen=True, kw_only=True):
    pass


class IssueTicket(_Command, frozen=True):
    service: str
    tracking_code: str
    priority: str | None = None
    lang: str = "vi"
    procedure: str | None = None
    """The procedure the citizen chose (checked against the config by the caller)."""


class CallNext(_Command, frozen=True):
    counter: int
    seen: int | msgspec.UnsetType | None = msgspec.UNSET
    """The ticket the caller saw at the counter when NEXT was pressed (None: none there).
    Given, NEXT is refused once another call came first: a double press, or a second
    console on the same counter, must not skip a citizen."""


class CallTicket(_Command, frozen=True):
    """Call a chosen waiting ticket out of order."""

    counter: int
    ticket: int
    reason: str | None = None
    """Why staff passed over those ahead of it, in their words: kept in the event."""


class Recall(_Command, frozen=True):
    counter: int


class StartService(_Command, frozen=True):
    counter: int


class Finish(_Command, frozen=True):
    counter: int


class MarkNoShow(_Command, frozen=True):
    counter: int


class Reactivate(_Command, frozen=True):
    ticket: int


class SetPriority(_Command, frozen=True):
    """The reception desk gives a waiting ticket a priority class (papers checked), or
    takes it away (None)."""

    ticket: int
    priority: str | None


class Transfer(_Command, frozen=True):
    """Send the counter's current ticket to another service or to one counter."""

    counter: int
    to_service: str | None = None
    to_counter: int | None = None
    insist: bool = False
    """Send it even where no counter is open to call it (a supervisor's decision)."""


class RateService(_Command, frozen=True):
    """A citizen rates the service of their finished ticket."""

    ticket: int
    rating: Rating
    counter: int | None = None
    """Given by a counter's rating tablet: only the ticket it served last may be rated."""
    reason: str | None = None
    """Why a citizen was dissatisfied: one of the centre's reasons (`rating_reasons`)."""


class Cancel(_Command, frozen=True):
    ticket: int


class OpenCounter(_Command, frozen=True):
    counter: int


class PauseCounter(_Command, frozen=True):
    counter: int


class ResumeCounter(_Command, frozen=True):
    counter: int


class CloseCounter(_Command, frozen=True):
    counter: int


class SignIn(_Command, frozen=True):
    """A person logged in at a counter: it is theirs until they leave or another comes."""

    counter: int
    staff: str


class SignOut(_Command, frozen=True):
    """A person logged out, or their session ended without it (`session_ended`: its 12
    hours ran out, the account was disabled): they leave the counter if they still hold it."""

    counter: int
    staff: str
    reason: Literal["signed_out", "session_ended"] = "signed_out"


class CloseDay(_Command, frozen=True):
    pass


class BookAppointment(_Command, frozen=True):
    """Book a slot.  `person` (a keyed digest of the phone), `masked_phone` and `code`
    are made outside: the engine holds no key and no randomness."""

    service: str
    start: float
    person: str
    masked_phone: str
    code: str
    lang: str = "vi"


class CancelAppointment(_Command, frozen=True):
    code: str


class CheckIn(_Command, frozen=True):
    """The booked citizen is here: a ticket, with this tracking code."""

    code: str
    tracking_code: str


Command = (
    IssueTicket
    | CallNext
    | CallTicket
    | Recall
    | StartService
    | Finish
    | MarkNoShow
    | Reactivate
    | SetPriority
    | Transfer
    | RateService
    | Cancel
    | OpenCounter
    | PauseCounter
    | ResumeCounter
    | CloseCounter
    | SignIn
    | SignOut
    | CloseDay
    | BookAppointment
    | CancelAppointment
    | CheckIn
)
