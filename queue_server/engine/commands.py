"""Commands: what someone asks the queue to do.  The engine answers with events or a refusal."""

from __future__ import annotations

import msgspec

from .events import Rating


class _Command(msgspec.Struct, frozen=True, kw_only=True):
    pass


class IssueTicket(_Command, frozen=True):
    service: str
    tracking_code: str
    priority: str | None = None
    lang: str = "vi"


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


class CloseDay(_Command, frozen=True):
    pass


Command = (
    IssueTicket
    | CallNext
    | CallTicket
    | Recall
    | StartService
    | Finish
    | MarkNoShow
    | Reactivate
    | Transfer
    | RateService
    | Cancel
    | OpenCounter
    | PauseCounter
    | ResumeCounter
    | CloseCounter
    | CloseDay
)
