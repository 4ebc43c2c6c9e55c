"""Refusals: a typed error with a stable code, a message naming what is wrong, and no change.

`Desk.reject` checks the exact error class, that the message names each given
word, and that the state's snapshot is the same before and after.
"""

from __future__ import annotations

import inspect

import pytest

from queue_server.engine import commands as c
from queue_server.engine import errors as err
from queue_server.web.errors import refusal_status

from .conftest import Desk


def codes() -> dict[type[err.CommandRejected], str]:
    return {
        cls: cls.code
        for _, cls in inspect.getmembers(err, inspect.isclass)
        if issubclass(cls, err.CommandRejected)
    }


def test_every_refusal_has_its_own_stable_code() -> None:
    found = codes()
    assert len(found) > 10
    assert len(set(found.values())) == len(found), "two refusals share a code"
    for cls, code in found.items():
        assert code.isidentifier(), cls
        assert code == code.lower(), cls
        assert 400 <= refusal_status(cls("x")) < 500, cls


# ---------------------------------------------------------------------- issuing


def test_unknown_service(desk: Desk) -> None:
    refusal = desk.reject(
        c.IssueTicket(service="XYZ", tracking_code="t"), err.UnknownService, "'XYZ'", "HT"
    )
    assert (refusal.code, refusal_status(refusal)) == ("unknown_service", 404)


def test_unknown_priority_class(desk: Desk) -> None:
    refusal = desk.reject(
        c.IssueTicket(service="HT", tracking_code="t", priority="vip"),
        err.UnknownPriorityClass,
        "'vip'",
        "elderly",
    )
    assert refusal.code == "unknown_priority_class"


def test_unknown_language(desk: Desk) -> None:
    refusal = desk.reject(
        c.IssueTicket(service="HT", tracking_code="t", lang="fr"), err.UnknownLanguage, "'fr'"
    )
    assert refusal.code == "unknown_language"


def test_a_tracking_code_is_used_once(desk: Desk) -> None:
    desk.do(c.IssueTicket(service="HT", tracking_code="same"))
    refusal = desk.reject(
        c.IssueTicket(service="CT", tracking_code="same"), err.DuplicateTrackingCode, "tracking"
    )
    assert refusal.code == "duplicate_tracking_code"


# ---------------------------------------------------------------------- unknown things


@pytest.mark.parametrize(
    "command",
    [
        c.CallNext(counter=99),
        c.CallTicket(counter=99, ticket=1),
        c.Recall(counter=99),
        c.StartService(counter=99),
        c.Finish(counter=99),
        c.MarkNoShow(counter=99),
        c.Transfer(counter=99, to_service="CT"),
        c.OpenCounter(counter=99),
        c.PauseCounter(counter=99),
        c.ResumeCounter(counter=99),
        c.CloseCounter(counter=99),
    ],
)
def test_unknown_counter(desk: Desk, command: c.Command) -> None:
    desk.issue("HT")
    refusal = desk.reject(command, err.UnknownCounter, "99")
    assert refusal.code == "unknown_counter"


def test_transfer_to_an_unknown_counter(desk: Desk) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.call(1)
    desk.reject(c.Transfer(counter=1, to_counter=99), err.UnknownCounter, "99")


def test_transfer_to_an_unknown_service(desk: Desk) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.call(1)
    desk.reject(c.Transfer(counter=1, to_service="XYZ"), err.UnknownService, "'XYZ'")


@pytest.mark.parametrize(
    "command",
    [c.CallTicket(counter=1, ticket=99), c.Cancel(ticket=99), c.Reactivate(ticket=99)],
)
def test_unknown_ticket(desk: Desk, command: c.Command) -> None:
    desk.open(1)
    desk.issue("HT")
    refusal = desk.reject(command, err.UnknownTicket, "99")
    assert refusal.code == "unknown_ticket"


def test_a_ticket_of_a_closed_day_is_unknown(desk: Desk) -> None:
    a = desk.issue("HT")
    desk.do(c.CloseDay())
    desk.reject(c.Cancel(ticket=a.ticket), err.UnknownTicket, str(a.ticket))


# ---------------------------------------------------------------------- calling


@pytest.mark.parametrize("pick", ["next", "chosen"])
def test_call_on_a_closed_counter(desk: Desk, pick: str) -> None:
    a = desk.issue("HT")
    command: c.Command = (
        c.CallNext(counter=1) if pick == "next" else c.CallTicket(counter=1, ticket=a.ticket)
    )
    refusal = desk.reject(command, err.CounterClosed, "counter 1", "closed")
    assert refusal.code == "counter_closed"


@pytest.mark.parametrize("pick", ["next", "chosen"])
def test_call_on_a_paused_counter(desk: Desk, pick: str) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.do(c.PauseCounter(counter=1))
    command: c.Command = (
        c.CallNext(counter=1) if pick == "next" else c.CallTicket(counter=1, ticket=a.ticket)
    )
    refusal = desk.reject(command, err.CounterPaused, "counter 1", "paused")
    assert refusal.code == "counter_paused"


def test_call_on_an_empty_queue(desk: Desk) -> None:
    desk.open(1)
    refusal = desk.reject(c.CallNext(counter=1), err.NobodyWaiting, "counter 1")
    assert refusal.code == "nobody_waiting"


def test_call_when_only_other_lines_wait(desk: Desk) -> None:
    desk.open(1, 2)
    desk.issue("DD")  # counter 3's service
    desk.issue("HT")
    desk.call(2)
    desk.do(c.Transfer(counter=2, to_counter=4, insist=True))  # counter 4's own line
    desk.reject(c.CallNext(counter=1), err.NobodyWaiting, "counter 1")


def test_a_refused_next_keeps_the_current_ticket(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    desk.reject(c.CallNext(counter=1), err.NobodyWaiting)
    assert desk.engine.counter(1).current == a.ticket


def test_call_a_ticket_of_a_service_the_counter_does_not_serve(desk: Desk) -> None:
    desk.open(3)
    a = desk.issue("HT")
    refusal = desk.reject(
        c.CallTicket(counter=3, ticket=a.ticket), err.ServiceNotServed, "counter 3", "HT", "A001"
    )
    assert refusal.code == "service_not_served"


def test_call_a_ticket_sent_to_another_counter(desk: Desk) -> None:
    desk.open(1, 2)
    a = desk.issue("HT")
    desk.call(1)
    desk.do(c.Transfer(counter=1, to_counter=2))
    desk.reject(c.CallTicket(counter=1, ticket=a.ticket), err.ServiceNotServed, "counter 1", "A001")


@pytest.mark.parametrize("state", ["called", "done", "cancelled"])
def test_call_a_ticket_that_is_not_waiting(desk: Desk, state: str) -> None:
    desk.open(1, 2)
    a = desk.issue("HT")
    desk.call(1)
    if state == "done":
        desk.do(c.Finish(counter=1))
    elif state == "cancelled":
        desk.do(c.Cancel(ticket=a.ticket))
    refusal = desk.reject(
        c.CallTicket(counter=2, ticket=a.ticket), err.WrongTicketState, "A001", state, "waiting"
    )
    assert refusal.code == "wrong_ticket_state"


# ---------------------------------------------------------------------- at the counter


@pytest.mark.parametrize(
    "command",
    [
        c.Recall(counter=1),
        c.StartService(counter=1),
        c.Finish(counter=1),
        c.MarkNoShow(counter=1),
        c.Transfer(counter=1, to_service="CT"),
        c.Transfer(counter=1, to_counter=2),
    ],
)
def test_no_current_ticket(desk: Desk, command: c.Command) -> None:
    desk.open(1)
    desk.issue("HT")
    refusal = desk.reject(command, err.NoCurrentTicket, "counter 1")
    assert refusal.code == "no_current_ticket"


@pytest.mark.parametrize(
    "command", [c.Recall(counter=1), c.StartService(counter=1), c.MarkNoShow(counter=1)]
)
def test_only_a_called_ticket_is_recalled_started_or_marked_no_show(
    desk: Desk, command: c.Command
) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.reject(command, err.WrongTicketState, "A001", "serving")


def test_transfer_to_its_own_service(desk: Desk) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.call(1)
    refusal = desk.reject(
        c.Transfer(counter=1, to_service="HT"), err.TransferToSelf, "A001", "'HT'"
    )
    assert (refusal.code, refusal_status(refusal)) == ("transfer_to_self", 422)


def test_transfer_to_its_own_counter(desk: Desk) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.call(1)
    desk.reject(c.Transfer(counter=1, to_counter=1), err.TransferToSelf, "A001", "counter 1")


@pytest.mark.parametrize(
    "command",
    [c.Transfer(counter=1), c.Transfer(counter=1, to_service="CT", to_counter=2)],
    ids=["neither", "both"],
)
def test_transfer_needs_exactly_one_target(desk: Desk, command: c.Transfer) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.call(1)
    refusal = desk.reject(command, err.InvalidTransfer, "exactly one", "service", "counter")
    assert (refusal.code, refusal_status(refusal)) == ("invalid_transfer", 422)


@pytest.mark.parametrize(("end", "status"), [("finish", "done"), ("cancel", "cancelled")])
def test_cancel_a_ticket_that_is_already_over(desk: Desk, end: str, status: str) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    if end == "finish":
        desk.do(c.Finish(counter=1))
    else:
        desk.do(c.Cancel(ticket=a.ticket))
    refusal = desk.reject(c.Cancel(ticket=a.ticket), err.WrongTicketState, "A001", status)
    assert refusal.code == "wrong_ticket_state"


@pytest.mark.parametrize("state", ["waiting", "called", "serving", "done"])
def test_reactivate_a_ticket_that_is_not_a_no_show(desk: Desk, state: str) -> None:
    desk.open(1)
    a = desk.issue("HT")
    if state != "waiting":
        desk.call(1)
    if state in ("serving", "done"):
        desk.do(c.StartService(counter=1))
    if state == "done":
        desk.do(c.Finish(counter=1))
    desk.reject(c.Reactivate(ticket=a.ticket), err.WrongTicketState, "A001", state, "no-show")


# ---------------------------------------------------------------------- counters and the day


def test_open_an_open_counter(desk: Desk) -> None:
    desk.open(1)
    refusal = desk.reject(c.OpenCounter(counter=1), err.WrongCounterState, "counter 1", "open")
    assert refusal.code == "wrong_counter_state"


def test_open_a_paused_counter(desk: Desk) -> None:
    desk.open(1)
    desk.do(c.PauseCounter(counter=1))
    desk.reject(c.OpenCounter(counter=1), err.WrongCounterState, "counter 1", "paused")


@pytest.mark.parametrize("opened", [False, True])
def test_pause_a_counter_that_is_not_open(desk: Desk, opened: bool) -> None:
    if opened:
        desk.open(1)
        desk.do(c.PauseCounter(counter=1))
    state = "paused" if opened else "closed"
    desk.reject(c.PauseCounter(counter=1), err.WrongCounterState, "counter 1", state)


def test_resume_an_open_counter(desk: Desk) -> None:
    desk.open(1)
    desk.reject(c.ResumeCounter(counter=1), err.WrongCounterState, "counter 1", "open")


def test_close_a_closed_counter(desk: Desk) -> None:
    desk.reject(c.CloseCounter(counter=1), err.WrongCounterState, "counter 1", "closed")


def test_close_the_day_twice(desk: Desk) -> None:
    desk.issue("HT")
    desk.do(c.CloseDay())
    refusal = desk.reject(c.CloseDay(), err.DayAlreadyClosed, "already closed")
    assert refusal.code == "day_already_closed"


def test_a_transfer_where_no_counter_is_open_is_refused_unless_insisted(desk: Desk) -> None:
    """A ticket sent to a closed counter, or to a service no open counter serves, would
    wait in a line nobody calls: refused, unless a supervisor insists (tomorrow's work)."""
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    refusal = desk.reject(
        c.Transfer(counter=1, to_counter=3), err.NobodyThereToCall, "counter 3", "closed"
    )
    assert refusal.code == "nobody_there_to_call"
    desk.reject(c.Transfer(counter=1, to_service="DD"), err.NobodyThereToCall, "'DD'")
    desk.open(3)
    desk.do(c.Transfer(counter=1, to_service="DD"))  # counter 3 serves DD and is open now
    assert desk.ticket(a.ticket).line == "DD"
