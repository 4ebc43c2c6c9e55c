"""A small centre for the engine's unit tests, and a desk that drives the engine through time.

The centre (times are local to Asia/Ho_Chi_Minh, UTC+7, no daylight saving):

    services  HT  "A001"   expected 8 min
              CT  "B001"   expected 4 min
              DD  "C01"    expected 15 min (two digits)
              TKQ 9001-9003 (a numeric band, small enough to run out)
    counters  1: HT, CT    2: CT, HT    3: DD    4: TKQ, CT
    classes   elderly, disabled
    rules     ratio 2:1, overdue after 30 min, transfers keep their place,
              services in listed order, 3 service times per mean,
              no-shows back in line after 5 min, once, no guard on NEXT
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import pytest

from queue_server.config import CentreConfig, parse_config
from queue_server.engine import CommandRejected, Engine
from queue_server.engine import commands as c
from queue_server.engine import events as ev
from queue_server.engine.events import Actor, Event
from queue_server.engine.state import Ticket

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
STAFF = Actor("staff", "nguyen.van.a")
KIOSK = Actor("kiosk", "kiosk-1")
E = TypeVar("E", bound=CommandRejected)
V = TypeVar("V")


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> float:
    """Epoch seconds of a wall-clock time in Hanoi."""
    return datetime(year, month, day, hour, minute, second, tzinfo=HANOI).timestamp()


MONDAY_9AM = local(2025, 7, 14, 9, 0)
"""Monday 14 July 2025, 09:00 in Hanoi (02:00 UTC)."""

BASE_CONFIG: dict[str, Any] = {
    "version": 1,
    "centre": {
        "id": "test-ward",
        "name": {"vi": "Phường thử", "en": "Test ward"},
        "timezone": "Asia/Ho_Chi_Minh",
        "languages": ["vi", "en"],
    },
    "hours": {
        "enforce": False,
        "mon": ["07:30-12:00", "13:00-17:00"],
        "tue": ["07:30-12:00", "13:00-17:00"],
        "wed": ["07:30-12:00", "13:00-17:00"],
        "thu": ["07:30-12:00", "13:00-17:00"],
        "fri": ["07:30-12:00", "13:00-17:00"],
        "sat": ["07:30-11:30"],
    },
    "queue": {
        "priority_ratio": [2, 1],
        "max_wait_minutes": 30,
        "transfer_keeps_place": True,
        "service_choice": "in_order",
        "service_time_window": 3,
        "no_show": {"action": "requeue", "grace_minutes": 5, "max_requeues": 1},
        # The rules' tests press NEXT in a row at one instant; the guard against a double
        # press has tests of its own (test_next_guard.py).
        "next_guard_seconds": 0,
    },
    "priority_classes": [
        {"code": "elderly", "name": {"vi": "Người cao tuổi"}},
        {"code": "disabled", "name": {"vi": "Người khuyết tật"}},
    ],
    "services": [
        {"code": "HT", "prefix": "A", "expected_minutes": 8, "name": {"vi": "Hộ tịch"}},
        {"code": "CT", "prefix": "B", "expected_minutes": 4, "name": {"vi": "Chứng thực"}},
        {
            "code": "DD",
            "prefix": "C",
            "digits": 2,
            "expected_minutes": 15,
            "name": {"vi": "Đất đai"},
        },
        {"code": "TKQ", "band": [9001, 9003], "expected_minutes": 3, "name": {"vi": "Trả kết quả"}},
    ],
    "counters": [
        {"id": 1, "services": ["HT", "CT"]},
        {"id": 2, "services": ["CT", "HT"]},
        {"id": 3, "services": ["DD"]},
        {"id": 4, "services": ["TKQ", "CT"]},
    ],
}


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def make_config(**changes: Any) -> CentreConfig:
    """The test centre with some sections changed (dicts merge, anything else replaces)."""
    return parse_config(_merge(BASE_CONFIG, changes))


class Desk:
    """Drives one engine the way the dispatcher does, at a clock the test moves.

    Every event applied (by housekeeping or by a command) is kept in `log`, so a
    test can look at it and the fixture can check that replaying it rebuilds the
    live state.
    """

    def __init__(self, config: CentreConfig, now: float = MONDAY_9AM) -> None:
        self.config = config
        self.engine = Engine(config.queue_setup())
        self.now = now
        self.log: list[Event] = []
        self._codes = 0

    # -- time

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def at(self, when: float) -> None:
        assert when >= self.now, "the desk's clock only moves forward"
        self.now = when

    def housekeep(self) -> list[Event]:
        due = self.engine.housekeeping(self.now)
        self.engine.apply_all(due)
        self.log.extend(due)
        return due

    # -- commands

    def do(self, command: c.Command, actor: Actor = STAFF) -> list[Event]:
        events = self.engine.handle(command, self.now, actor)
        self.log.extend(events)
        return events

    def reject(self, command: c.Command, error: type[E], *names: str) -> E:
        """The command is refused with exactly `error`, naming `names`, and changes nothing."""
        self.housekeep()
        before = self.engine.state.snapshot()
        with pytest.raises(error) as info:
            self.engine.handle(command, self.now, STAFF)
        assert type(info.value) is error
        assert self.engine.state.snapshot() == before
        for name in names:
            assert name in info.value.message, (name, info.value.message)
        return info.value

    def issue(self, service: str, priority: str | None = None, lang: str = "vi") -> ev.TicketIssued:
        self._codes += 1
        command = c.IssueTicket(
            service=service, tracking_code=f"trk-{self._codes}", priority=priority, lang=lang
        )
        return only(self.do(command, KIOSK), ev.TicketIssued)

    def open(self, *counters: int) -> None:
        for counter in counters:
            self.do(c.OpenCounter(counter=counter))

    def call(self, counter: int) -> ev.TicketCalled:
        return only(self.do(c.CallNext(counter=counter)), ev.TicketCalled)

    def call_numbers(self, counter: int, times: int) -> list[str]:
        """Call `times` tickets in a row at one counter; their numbers, in call order."""
        return [self.number(self.call(counter).ticket) for _ in range(times)]

    # -- looking

    def ticket(self, ticket_id: int) -> Ticket:
        return self.engine.ticket(ticket_id)

    def number(self, ticket_id: int) -> str:
        for event in self.log:
            if isinstance(event, ev.TicketIssued) and event.ticket == ticket_id:
                return event.number
        raise KeyError(ticket_id)

    def of_type(self, kind: type[V]) -> list[V]:
        return [e for e in self.log if isinstance(e, kind)]


def only(events: list[Event], kind: type[V]) -> V:
    """The one event of a type among `events` (and it is the last one)."""
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    assert events[-1] is found[0], events
    return found[0]


def replayed(config: CentreConfig, log: list[Event]) -> dict[str, Any]:
    fresh = Engine(config.queue_setup())
    fresh.apply_all(log)
    return fresh.state.snapshot()


@pytest.fixture
def config() -> CentreConfig:
    return make_config()


class DeskFactory(Protocol):
    def __call__(self, config: CentreConfig | None = None, now: float = MONDAY_9AM) -> Desk: ...


@pytest.fixture
def desk_for() -> Iterator[DeskFactory]:
    """A desk factory; every desk's log must replay to its live state when the test ends."""
    desks: list[Desk] = []

    def build(config: CentreConfig | None = None, now: float = MONDAY_9AM) -> Desk:
        desk = Desk(config or make_config(), now)
        desks.append(desk)
        return desk

    yield build
    for desk in desks:
        assert replayed(desk.config, desk.log) == desk.engine.state.snapshot()


@pytest.fixture
def desk(desk_for: DeskFactory) -> Desk:
    return desk_for()
