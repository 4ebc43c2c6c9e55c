"""Every fold of events says, for every kind of event, what it does with it.

Events are folded in one style (a table keyed by event type, as the engine's
`_appliers`): a new kind of event that a table forgets would be silently ignored, so
each table is checked against the whole `Event` union, with what it leaves out on
purpose named here.
"""

from __future__ import annotations

from typing import get_args

import pytest

from queue_server.engine import events as ev
from queue_server.integrations import counters
from queue_server.reports import daily

ALL_EVENTS = frozenset(get_args(ev.Event))


def test_the_engine_applies_every_event() -> None:
    from queue_server.config import parse_config
    from queue_server.engine import Engine
    from tests.unit.conftest import BASE_CONFIG

    engine = Engine(parse_config(BASE_CONFIG).queue_setup())
    assert set(engine._appliers) == ALL_EVENTS


@pytest.mark.parametrize(
    ("table", "left_out"),
    [
        (
            counters._TOUCHES,
            # the day's events touch every counter (checked before the table); a rating
            # and a printing change nothing a counter's keypad or sign shows, nor does an
            # appointment (its check-in's ticket comes as TicketIssued)
            {
                ev.DayOpened,
                ev.DayClosed,
                ev.ServiceRated,
                *ev.DEVICE_EVENTS,
                *ev.APPOINTMENT_EVENTS,
                *ev.STAFF_EVENTS,  # who is signed in shows on no keypad or sign
            },
        ),
        (
            {**daily._DAY_FOLDS, **daily._TICKET_FOLDS, **daily._STAFF_FOLDS},
            # a recall changes no wait or outcome; printing is not the queue
            {ev.TicketRecalled, *ev.DEVICE_EVENTS},
        ),
    ],
    ids=["counter devices", "daily report"],
)
def test_each_fold_handles_or_names_every_event(
    table: dict[type, object], left_out: set[type]
) -> None:
    assert set(table) | left_out == ALL_EVENTS
    assert not set(table) & left_out


def test_the_reports_staff_folds_follow_every_counter_event() -> None:
    """Each event that happens at a counter is attributed to whoever holds it."""
    at_counter = {
        kind
        for kind in ALL_EVENTS
        if "counter" in kind.__struct_fields__ and kind is not ev.TicketTransferred
    }
    left_out = {ev.TicketRecalled, ev.ServiceStarted}  # counted through the ticket's finish
    assert at_counter - left_out == set(daily._STAFF_FOLDS)
