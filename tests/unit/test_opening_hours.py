"""When the centre next opens, and a refusal outside the hours that says it.

The test centre opens 07:30-12:00 and 13:00-17:00 on weekdays, 07:30-11:30 on
Saturday, never on Sunday (Hanoi time).
"""

from __future__ import annotations

import pytest

from queue_server.engine import Engine
from queue_server.engine import commands as c
from queue_server.engine.errors import CentreClosed

from .conftest import DeskFactory, local, make_config

NO_HOURS: dict[str, list[str]] = {
    day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


@pytest.mark.parametrize(
    ("when", "opens"),
    [
        (local(2025, 7, 19, 11, 30), local(2025, 7, 21, 7, 30)),  # Saturday noon -> Monday
        (local(2025, 7, 20, 10, 0), local(2025, 7, 21, 7, 30)),  # Sunday -> Monday
        (local(2025, 7, 14, 12, 15), local(2025, 7, 14, 13, 0)),  # lunch break -> same day
        (local(2025, 7, 14, 6, 0), local(2025, 7, 14, 7, 30)),  # before opening -> same day
        (local(2025, 7, 14, 0, 0), local(2025, 7, 14, 7, 30)),  # midnight
        (local(2025, 7, 14, 17, 0), local(2025, 7, 15, 7, 30)),  # closing time -> next day
        (local(2025, 7, 14, 9, 0), local(2025, 7, 14, 13, 0)),  # open: the next span's start
        (local(2025, 7, 14, 7, 30), local(2025, 7, 14, 13, 0)),  # opening: not this instant
    ],
)
def test_next_opening(when: float, opens: float) -> None:
    engine = Engine(make_config(hours={"enforce": True}).queue_setup())
    assert engine.next_opening(when) == opens


def test_next_opening_a_week_on_when_only_one_day_opens() -> None:
    hours = {"enforce": True, **NO_HOURS, "mon": ["07:30-12:00"]}
    engine = Engine(make_config(hours=hours).queue_setup())
    assert engine.next_opening(local(2025, 7, 14, 9, 0)) == local(2025, 7, 21, 7, 30)


def test_no_opening_when_no_day_has_hours() -> None:
    engine = Engine(make_config(hours={"enforce": True, **NO_HOURS}).queue_setup())
    assert engine.next_opening(local(2025, 7, 14, 9, 0)) is None


@pytest.mark.parametrize(
    ("when", "is_open"),
    [
        (local(2025, 7, 14, 9, 0), True),
        (local(2025, 7, 14, 12, 15), False),
        (local(2025, 7, 20, 10, 0), False),
    ],
)
def test_is_open_follows_the_hours_when_enforced(when: float, is_open: bool) -> None:
    enforced = Engine(make_config(hours={"enforce": True}).queue_setup())
    assert enforced.is_open(when) is is_open
    assert Engine(make_config().queue_setup()).is_open(when), "hours not enforced: always open"


def test_refusal_says_when_the_centre_opens(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(hours={"enforce": True}), now=local(2025, 7, 19, 12, 0))
    refusal = desk.reject(
        c.IssueTicket(service="HT", tracking_code="t1"),
        CentreClosed,
        "closed now",
        "opens Monday at 07:30",
    )
    assert refusal.opens_at == local(2025, 7, 21, 7, 30)


def test_refusal_in_a_lunch_break_says_today_s_afternoon(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(hours={"enforce": True}), now=local(2025, 7, 16, 12, 5))
    refusal = desk.reject(
        c.IssueTicket(service="HT", tracking_code="t1"), CentreClosed, "opens Wednesday at 13:00"
    )
    assert refusal.opens_at == local(2025, 7, 16, 13, 0)


def test_refusal_without_any_hours_has_no_opening(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(hours={"enforce": True, **NO_HOURS}))
    refusal = desk.reject(
        c.IssueTicket(service="HT", tracking_code="t1"), CentreClosed, "no opening hours"
    )
    assert refusal.opens_at is None
