"""A second NEXT moments after the first is a double press, not a decision.

At a console or a keypad, NEXT pressed twice (a double click, a key held, a 150 ms
second press) used to end the citizen just called as "served" in 0.0 minutes, ask
their phone for a rating and count them in the report.  A NEXT that would end a
ticket called less than `queue.next_guard_seconds` ago, and never started, is now
refused, changing nothing.
"""

from __future__ import annotations

import pytest

from queue_server.engine import commands as c
from queue_server.engine import errors as err
from queue_server.engine.state import TicketStatus

from .conftest import Desk, DeskFactory, make_config

GUARD_S = 5.0


@pytest.fixture
def guarded(desk_for: DeskFactory) -> Desk:
    desk = desk_for(make_config(queue={"next_guard_seconds": GUARD_S}))
    desk.open(1)
    return desk


@pytest.mark.parametrize("later", [0.0, 0.15, 0.4, GUARD_S - 0.01])
def test_a_second_next_soon_after_is_refused(guarded: Desk, later: float) -> None:
    first = guarded.issue("HT")
    guarded.issue("HT")
    guarded.call(1)
    guarded.advance(later)
    refusal = guarded.reject(c.CallNext(counter=1), err.JustCalled, first.number, "START")
    assert refusal.code == "just_called"
    assert guarded.ticket(first.ticket).status is TicketStatus.CALLED


def test_after_the_guard_next_ends_the_ticket_as_not_served(guarded: Desk) -> None:
    first = guarded.issue("HT")
    second = guarded.issue("HT")
    guarded.call(1)
    guarded.advance(GUARD_S)
    assert guarded.call(1).ticket == second.ticket
    assert guarded.ticket(first.ticket).status is TicketStatus.ENDED


def test_a_started_service_is_finished_by_next_at_once(guarded: Desk) -> None:
    first = guarded.issue("HT")
    guarded.issue("HT")
    guarded.call(1)
    guarded.do(c.StartService(counter=1))
    guarded.call(1)  # the citizen sat down: NEXT finishes the service, however soon
    assert guarded.ticket(first.ticket).status is TicketStatus.DONE


def test_done_and_no_show_are_never_held_back(guarded: Desk) -> None:
    first, second = guarded.issue("HT"), guarded.issue("HT")
    guarded.call(1)
    guarded.do(c.MarkNoShow(counter=1))  # they did not come: said at once
    assert guarded.call(1).ticket == second.ticket
    guarded.do(c.Finish(counter=1))  # DONE says it was served, whenever
    assert guarded.ticket(second.ticket).status is TicketStatus.DONE
    assert guarded.ticket(first.ticket).status is TicketStatus.NO_SHOW
