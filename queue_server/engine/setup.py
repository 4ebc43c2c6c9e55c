"""What the engine reads of a centre's configuration, and nothing more.

The configuration file holds much the queue's rules never look at (names in three
languages, printers, the ticket's footer).  The engine takes this type instead of the
whole configuration, so that it imports nothing outside `engine/`, and so that the
state saved at a day's close (`resume.py`) holds exactly as long as these rules do:
its fingerprint is the hash of this value, and renaming a service or moving a printer
no longer forces a replay of the whole log.

`QueueRules`, `NoShowPolicy`, `OpeningHours` and `AppointmentRules` are also the schema
of the config file's `[queue]`, `[hours]` and `[appointments]` tables (config.py reads
them straight into these).
"""

from __future__ import annotations

import hashlib
import re
from datetime import time
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class _Rules(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class NoShowPolicy(_Rules, frozen=True):
    action: Literal["requeue", "out"] = "requeue"
    grace_minutes: float = 5.0
    max_requeues: int = 1


class QueueRules(_Rules, frozen=True):
    priority_ratio: tuple[int, int] = (2, 1)
    max_wait_minutes: float = 45.0
    transfer_keeps_place: bool = True
    service_choice: Literal["in_order", "oldest"] = "in_order"
    service_time_window: int = 20
    no_show: NoShowPolicy = NoShowPolicy()
    next_guard_seconds: float = 5.0
    """A NEXT that would end a ticket called less than this ago, and not started, is refused:
    a double press (a second click, a key held) must not pass a citizen over."""
    after_close_hours: float = 12.0
    """How long after the day's close its tickets are still found by their tracking code
    (the citizen's page says how the ticket ended) and a finished service may be rated."""


class OpeningHours(_Rules, frozen=True):
    """Opening hours per weekday as "HH:MM-HH:MM" spans; an absent day is closed."""

    enforce: bool = True
    mon: list[str] = []
    tue: list[str] = []
    wed: list[str] = []
    thu: list[str] = []
    fri: list[str] = []
    sat: list[str] = []
    sun: list[str] = []

    def spans(self, weekday: int) -> list[tuple[time, time]]:
        """Parsed spans for a weekday (0 = Monday)."""
        return [parse_span(s) for s in getattr(self, WEEKDAYS[weekday])]


def parse_span(span: str) -> tuple[time, time]:
    """`"07:30-12:00"` as two times; ValueError saying what is wrong."""
    match = _SPAN.match(span)
    if not match:
        raise ValueError(f"{span!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise ValueError(f"{span!r} is not a valid time span")
    start = time(h1, m1)
    end = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
    if end <= start:
        raise ValueError(f"{span!r} ends before it starts")
    return start, end


class AppointmentRules(_Rules, frozen=True):
    """Queue numbers booked ahead (`[appointments]`): slots within the opening hours, for
    today and the next `days_ahead` days, each with a few places that walk-ins never lose."""

    enabled: bool = False
    days_ahead: int = 6
    slot_minutes: int = 30
    per_slot: int = 2
    per_service: dict[str, int] = {}
    """Places per slot for some services, instead of `per_slot`."""
    max_share: float = 0.5
    """Booked places per slot never exceed this share of what the counters serving the
    service can serve in a slot (counters x slot_minutes / expected_minutes, floored):
    walk-ins keep the rest."""
    cutoff_minutes: float = 30.0
    """Booking a slot closes this long before it starts."""
    per_person_per_day: int = 2
    """Bookings one phone number may hold for one day (and one per service)."""
    early_minutes: float = 15.0
    late_minutes: float = 15.0
    """Check-in is open from `early_minutes` before the slot to `late_minutes` after its
    start; an appointment not checked in by then is missed (a no-show, counted)."""
    max_wait_minutes: float = 10.0
    """An on-time booked ticket is called by the later of its slot's start and its
    check-in, plus this, whenever a counter serving it calls."""
    late: Literal["walk_in", "refuse"] = "walk_in"
    """A check-in after the window: a walk-in ticket, or refused."""
    retention_days: int = 30
    """The day's phone digests and masked numbers are dropped this many days after it."""
    lane_ratio: tuple[int, int] = (2, 1)
    """Booked to walk-in calls among non-priority calls while both wait."""
    number_prefix: str = "H"
    """Tickets checked in on time count in their own series, this before the service's
    number: `HA001` ("H" for hẹn, an appointment), read aloud and shown as any number.
    Empty: they take the next walk-in number (unless the service has a band below)."""
    bands: dict[str, tuple[int, int]] = {}
    """A band of numbers for a service's booked tickets instead of the prefix, for
    centres whose displays show digits only."""

    def places(self, service: str) -> int:
        return self.per_service.get(service, self.per_slot)


class ServiceSetup(_Rules, frozen=True):
    """A service as the queue sees it: its code, how its tickets are numbered, and how
    long a service takes before any has been timed."""

    code: str
    prefix: str | None = None
    digits: int = 3
    band: tuple[int, int] | None = None
    expected_minutes: float = 10.0


class CounterSetup(_Rules, frozen=True):
    id: int
    services: tuple[str, ...]


class QueueSetup(_Rules, frozen=True, dict=True):
    """Everything the engine's decisions depend on."""

    services: tuple[ServiceSetup, ...]
    counters: tuple[CounterSetup, ...]
    priority_classes: tuple[str, ...] = ()
    desk_classes: tuple[str, ...] = ()
    """Priority classes a person checks (papers) at the reception desk: no kiosk issues
    them; the desk gives a waiting ticket the class (`SetPriority`)."""
    rating_reasons: tuple[str, ...] = ()
    """Why a citizen may say they were dissatisfied (codes of `[ratings] reasons`)."""
    languages: tuple[str, ...] = ("vi",)
    timezone: str = "Asia/Ho_Chi_Minh"
    rules: QueueRules = QueueRules()
    hours: OpeningHours = OpeningHours(enforce=False)
    appointments: AppointmentRules = AppointmentRules()

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def service_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.services)

    def fingerprint(self, release: str) -> str:
        """A digest of these rules and of the server's release (`resume.py`)."""
        return hashlib.sha256(msgspec.json.encode((release, self))).hexdigest()
