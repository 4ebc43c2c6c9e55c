"""The queue's rules, one or more tests each.  Every desk's log must also replay to its state."""

from __future__ import annotations

from typing import get_args

import pytest

from queue_server.engine import SYSTEM, Actor
from queue_server.engine import commands as c
from queue_server.engine import errors as err
from queue_server.engine import events as ev
from queue_server.engine.errors import (
    CentreClosed,
    CurrentChanged,
    NobodyWaiting,
    NumberingExhausted,
)
from queue_server.engine.events import decode_event, encode_event
from queue_server.engine.state import CounterStatus, TicketStatus

from .conftest import MONDAY_9AM, STAFF, Desk, DeskFactory, local, make_config, only, replayed

MINUTE = 60.0


def lane(desk: Desk, call: ev.TicketCalled) -> str:
    return "P" if desk.ticket(call.ticket).is_priority else "N"


def issue_mix(desk: Desk, normal: int, priority: int, service: str = "HT") -> None:
    """Issue normal and priority tickets, alternating while both remain."""
    for i in range(max(normal, priority)):
        if i < normal:
            desk.issue(service)
        if i < priority:
            desk.issue(service, "elderly" if i % 2 == 0 else "disabled")


# ---------------------------------------------------------------------- issuing and numbering


def test_numbers_count_per_service_with_prefix_and_padding(desk: Desk) -> None:
    numbers = [desk.issue(s).number for s in ("HT", "HT", "CT", "HT", "DD", "CT")]
    assert numbers == ["A001", "A002", "B001", "A003", "C01", "B002"]


def test_an_issued_ticket_waits_in_its_service_line(desk: Desk) -> None:
    first = desk.issue("HT", "elderly", "en")
    second = desk.issue("CT")
    assert (first.service, first.priority, first.lang, first.serial) == ("HT", "elderly", "en", 1)
    assert first.day == "2025-07-14"
    assert first.tracking_code != second.tracking_code
    assert second.ticket != first.ticket
    assert second.order > first.order
    ticket = desk.ticket(first.ticket)
    assert ticket.status is TicketStatus.WAITING
    assert (ticket.number, ticket.line, ticket.issued_at) == ("A001", "HT", desk.now)
    assert desk.engine.ticket_by_number("A001") is ticket
    assert desk.engine.ticket_by_tracking_code(first.tracking_code) is ticket
    assert desk.engine.waiting_count("HT", priority=True) == 1
    assert desk.engine.waiting_count("HT", priority=False) == 0


def test_a_band_numbers_from_its_first_and_refuses_when_exhausted(desk: Desk) -> None:
    assert [desk.issue("TKQ").number for _ in range(3)] == ["9001", "9002", "9003"]
    desk.reject(c.IssueTicket(service="TKQ", tracking_code="late"), NumberingExhausted, "TKQ")
    assert desk.issue("HT").number == "A001", "other services still issue"
    desk.at(local(2025, 7, 15, 8, 0))
    assert desk.issue("TKQ").number == "9001", "the band starts again the next day"


def test_numbers_restart_on_a_new_local_day_and_old_tickets_expire(desk_for: DeskFactory) -> None:
    desk = desk_for(now=local(2025, 7, 14, 23, 59, 0))
    old = [desk.issue("HT"), desk.issue("HT")]
    desk.at(local(2025, 7, 14, 23, 59, 59))
    old.append(desk.issue("HT"))
    assert old[-1].number == "A003", "still the same day one second before midnight"
    desk.at(local(2025, 7, 15, 0, 0, 0))
    new = desk.issue("HT")
    assert (new.number, new.serial, new.day) == ("A001", 1, "2025-07-15")
    assert {e.day for e in old} == {"2025-07-14"}
    expired = [e.ticket for e in desk.of_type(ev.TicketExpired)]
    assert sorted(expired) == sorted(e.ticket for e in old)
    # Never deleted: the old day's tickets live on in the log, after expiring by event.
    assert all(e in desk.log for e in old)
    closed = only(desk.of_type(ev.DayClosed), ev.DayClosed)
    opened = [e for e in desk.of_type(ev.DayOpened) if e.day == "2025-07-15"]
    assert len(opened) == 1
    assert max(desk.log.index(e) for e in desk.of_type(ev.TicketExpired)) < desk.log.index(closed)
    assert desk.log.index(closed) < desk.log.index(opened[0]) < desk.log.index(new)
    assert set(desk.engine.state.tickets) == {new.ticket}


def test_the_day_is_the_local_day_not_the_utc_day(desk_for: DeskFactory) -> None:
    # 06:30 in Hanoi is 23:30 UTC the evening before.
    desk = desk_for(now=local(2025, 7, 15, 6, 30))
    assert desk.issue("HT").day == "2025-07-15"
    # 23:59 and 00:01 in Hanoi are 16:59 and 17:01 UTC, the same UTC date.
    desk.at(local(2025, 7, 15, 23, 59))
    assert desk.issue("HT").number == "A002"
    desk.at(local(2025, 7, 16, 0, 1))
    after = desk.issue("HT")
    assert (after.number, after.day) == ("A001", "2025-07-16")


def test_crossing_midnight_closes_the_old_day(desk_for: DeskFactory) -> None:
    desk = desk_for(now=local(2025, 7, 14, 23, 50))
    desk.open(1, 2)
    serving, called, waiting = desk.issue("HT"), desk.issue("HT"), desk.issue("DD")
    assert desk.call(1).ticket == serving.ticket
    desk.do(c.StartService(counter=1))
    assert desk.call(2).ticket == called.ticket
    midnight = local(2025, 7, 15)
    desk.at(midnight)
    events = desk.housekeep()
    assert events[-2:] == [
        ev.DayClosed(at=midnight, actor=SYSTEM, day="2025-07-14"),
        ev.DayOpened(at=midnight, actor=SYSTEM, day="2025-07-15", ends_at=local(2025, 7, 16)),
    ]
    assert set(events[:-2]) == {
        ev.TicketFinished(
            at=midnight, actor=SYSTEM, ticket=serving.ticket, counter=1, by_close=True
        ),
        ev.TicketExpired(at=midnight, actor=SYSTEM, ticket=called.ticket),
        ev.TicketExpired(at=midnight, actor=SYSTEM, ticket=waiting.ticket),
        ev.CounterClosed(at=midnight, actor=SYSTEM, counter=1),
        ev.CounterClosed(at=midnight, actor=SYSTEM, counter=2),
    }
    state = desk.engine.state
    assert state.tickets == {}
    assert all(
        k.status is CounterStatus.CLOSED and k.current is None for k in state.counters.values()
    )
    assert state.lines.snapshot() == {}
    assert desk.housekeep() == [], "the new day opens once"


@pytest.mark.parametrize(
    ("when", "is_open"),
    [
        (local(2025, 7, 14, 7, 29, 59), False),
        (local(2025, 7, 14, 7, 30), True),
        (local(2025, 7, 14, 11, 59, 59), True),
        (local(2025, 7, 14, 12, 0), False),
        (local(2025, 7, 14, 12, 30), False),
        (local(2025, 7, 14, 13, 0), True),
        (local(2025, 7, 14, 16, 59), True),
        (local(2025, 7, 14, 17, 0), False),
        (local(2025, 7, 14, 22, 0), False),
        (local(2025, 7, 19, 11, 0), True),  # Saturday morning
        (local(2025, 7, 19, 11, 30), False),
        (local(2025, 7, 20, 10, 0), False),  # Sunday
    ],
)
def test_opening_hours_are_enforced(desk_for: DeskFactory, when: float, is_open: bool) -> None:
    desk = desk_for(make_config(hours={"enforce": True}), now=when)
    command = c.IssueTicket(service="HT", tracking_code="t1")
    if is_open:
        only(desk.do(command), ev.TicketIssued)
    else:
        desk.reject(command, CentreClosed, "closed")


def test_opening_hours_are_not_enforced_when_switched_off(desk_for: DeskFactory) -> None:
    desk = desk_for(now=local(2025, 7, 20, 22, 0))  # Sunday night
    assert desk.issue("HT").number == "A001"


# ---------------------------------------------------------------------- calling next


def test_priority_before_normal_two_to_one(desk: Desk) -> None:
    desk.open(1)
    issue_mix(desk, normal=4, priority=5)
    calls = [desk.call(1) for _ in range(9)]
    assert [lane(desk, k) for k in calls] == ["P", "P", "N", "P", "P", "N", "P", "N", "N"]
    assert [k.contested for k in calls] == [True] * 7 + [False] * 2
    assert all(k.reason == "next" for k in calls)


def test_priority_before_normal_three_to_two(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(queue={"priority_ratio": [3, 2]}))
    desk.open(1)
    issue_mix(desk, normal=6, priority=7)
    calls = [desk.call(1) for _ in range(10)]
    assert "".join(lane(desk, k) for k in calls) == "PPPNNPPPNN"
    assert all(k.contested for k in calls)


def test_one_lane_alone_is_called_whatever_the_ratio(desk: Desk) -> None:
    desk.open(1)
    normals = [desk.issue("HT") for _ in range(3)]
    assert [desk.call(1).ticket for _ in range(3)] == [t.ticket for t in normals]
    priorities = [desk.issue("HT", "elderly") for _ in range(4)]
    calls = [desk.call(1) for _ in range(4)]
    assert [k.ticket for k in calls] == [t.ticket for t in priorities]
    assert not any(k.contested for k in calls)


def test_an_uncontested_call_starts_the_cycle_afresh(desk: Desk) -> None:
    desk.open(1)
    p1, n1 = desk.issue("HT", "elderly"), desk.issue("HT")
    assert desk.call(1).ticket == p1.ticket  # contested: one priority of two
    assert desk.call(1).ticket == n1.ticket  # alone: uncontested, cycle restarts
    p2, p3, n2 = desk.issue("HT", "elderly"), desk.issue("HT", "elderly"), desk.issue("HT")
    assert [desk.call(1).ticket for _ in range(3)] == [p2.ticket, p3.ticket, n2.ticket]


def test_closing_a_counter_starts_the_cycle_afresh(desk: Desk) -> None:
    desk.open(1)
    priority = [desk.issue("HT", "elderly") for _ in range(3)]
    normal = [desk.issue("HT") for _ in range(2)]
    assert desk.call(1).ticket == priority[0].ticket  # one priority of the 2:1 cycle
    desk.do(c.CloseCounter(counter=1))
    desk.open(1)
    # A fresh cycle: two priority again before the normal line.
    calls = [desk.call(1).ticket for _ in range(3)]
    assert calls == [priority[1].ticket, priority[2].ticket, normal[0].ticket]


def test_fifo_by_issue_order_within_a_lane_and_service(desk: Desk) -> None:
    desk.open(1)
    issued = [
        desk.issue("HT", "disabled"),
        desk.issue("HT"),
        desk.issue("HT", "elderly"),
        desk.issue("HT"),
        desk.issue("HT", "disabled"),
        desk.issue("HT"),
    ]
    called = [desk.call(1).ticket for _ in issued]
    for is_priority in (True, False):
        expected = [t.ticket for t in issued if (t.priority is not None) is is_priority]
        assert [t for t in called if desk.ticket(t).is_priority is is_priority] == expected


def test_a_counter_takes_its_services_in_listed_order(desk: Desk) -> None:
    desk.open(1, 2)
    ct_first, ht_second = desk.issue("CT"), desk.issue("HT")
    assert desk.call(1).ticket == ht_second.ticket  # counter 1 lists HT, CT
    assert desk.call(2).ticket == ct_first.ticket  # counter 2 lists CT, HT


def test_the_lane_comes_before_the_service_order(desk: Desk) -> None:
    desk.open(1)
    normal_ht, priority_ct = desk.issue("HT"), desk.issue("CT", "elderly")
    assert desk.call(1).ticket == priority_ct.ticket
    assert desk.call(1).ticket == normal_ht.ticket


def test_service_choice_oldest_takes_the_oldest_across_services(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(queue={"service_choice": "oldest"}))
    desk.open(1)
    ct, ht, ct2 = desk.issue("CT"), desk.issue("HT"), desk.issue("CT")
    assert [desk.call(1).ticket for _ in range(3)] == [ct.ticket, ht.ticket, ct2.ticket]


def test_an_overdue_ticket_is_taken_first(desk: Desk) -> None:
    desk.open(1)
    n1 = desk.issue("HT")
    desk.advance(30 * MINUTE - 1)
    p1 = desk.issue("HT", "elderly")
    first = desk.call(1)
    assert (first.ticket, first.reason) == (p1.ticket, "next"), "a second short of the bound"
    desk.issue("HT", "elderly")
    desk.advance(1)
    second = desk.call(1)
    assert (second.ticket, second.reason) == (n1.ticket, "overdue")


def test_an_overdue_call_leaves_the_ratio_cycle_alone(desk: Desk) -> None:
    desk.open(1)
    n1 = desk.issue("HT")
    desk.advance(10 * MINUTE)
    n2 = desk.issue("HT")
    desk.advance(19 * MINUTE)
    p1, p2, p3 = (desk.issue("HT", "elderly") for _ in range(3))
    assert desk.call(1).ticket == p1.ticket  # first priority of the cycle
    desk.advance(1 * MINUTE)
    overdue = desk.call(1)
    assert (overdue.ticket, overdue.reason) == (n1.ticket, "overdue")
    # The cycle goes on where it was: one more priority, then the normal line.
    assert [desk.call(1).ticket for _ in range(3)] == [p2.ticket, n2.ticket, p3.ticket]


def test_the_oldest_overdue_goes_first_whatever_the_service_order(desk: Desk) -> None:
    desk.open(1)  # lists HT before CT
    ct = desk.issue("CT")
    desk.advance(1 * MINUTE)
    ht = desk.issue("HT")
    desk.advance(40 * MINUTE)
    calls = [desk.call(1) for _ in range(2)]
    assert [(k.ticket, k.reason) for k in calls] == [(ct.ticket, "overdue"), (ht.ticket, "overdue")]


def test_next_naming_what_it_saw_is_refused_once_another_call_came_first(desk: Desk) -> None:
    """A double press, or two consoles on one counter: each NEXT names the ticket it saw;
    the second would finish a citizen just called, unseen, so it is refused."""
    desk.open(1)
    a, b, _ = desk.issue("HT"), desk.issue("HT"), desk.issue("HT")
    first = only(desk.do(c.CallNext(counter=1, seen=None)), ev.TicketCalled)
    assert first.ticket == a.ticket
    desk.reject(c.CallNext(counter=1, seen=None), CurrentChanged, "counter 1")
    desk.reject(c.CallNext(counter=1, seen=b.ticket), CurrentChanged)
    events = desk.do(c.CallNext(counter=1, seen=a.ticket))
    assert [type(e) for e in events] == [ev.TicketFinished, ev.TicketCalled]
    assert only(events, ev.TicketCalled).ticket == b.ticket
    assert desk.call(1).ticket != b.ticket  # naming nothing: no check (keypads, scripts)


def test_next_with_a_current_ticket_finishes_it_first(desk: Desk) -> None:
    desk.open(1)
    a, b = desk.issue("HT"), desk.issue("HT")
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.advance(2 * MINUTE)
    events = desk.do(c.CallNext(counter=1))
    assert events == [
        ev.TicketFinished(at=desk.now, actor=STAFF, ticket=a.ticket, counter=1),
        ev.TicketCalled(
            at=desk.now, actor=STAFF, ticket=b.ticket, counter=1, reason="next", contested=False
        ),
    ]
    assert desk.ticket(a.ticket).status is TicketStatus.DONE
    assert desk.ticket(a.ticket).finished_at == desk.now
    assert desk.engine.counter(1).current == b.ticket


def test_next_ends_a_ticket_only_called_as_not_served(desk: Desk) -> None:
    """Nobody pressed START: NEXT ends the ticket, but nobody knows it was served, so it is
    neither served, nor timed, nor rated, nor asked about on the counter's tablet."""
    desk.open(1)
    a = desk.issue("HT")
    desk.issue("HT")
    desk.call(1)
    desk.advance(2 * MINUTE)
    finished, _ = desk.do(c.CallNext(counter=1))
    assert finished == ev.TicketFinished(
        at=desk.now, actor=STAFF, ticket=a.ticket, counter=1, never_started=True
    )
    assert desk.ticket(a.ticket).status is TicketStatus.ENDED
    assert desk.engine.state.service_times.samples == {}
    assert desk.engine.counter(1).last_served is None
    desk.reject(c.RateService(ticket=a.ticket, rating="satisfied"), err.WrongTicketState)


# ---------------------------------------------------------------------- at the counter


def test_call_a_chosen_ticket_out_of_order(desk: Desk) -> None:
    desk.open(1)
    a, b, chosen = desk.issue("HT"), desk.issue("HT"), desk.issue("HT")
    called = only(desk.do(c.CallTicket(counter=1, ticket=chosen.ticket)), ev.TicketCalled)
    assert (called.ticket, called.counter, called.reason) == (chosen.ticket, 1, "chosen")
    ticket = desk.ticket(chosen.ticket)
    assert (ticket.status, ticket.counter, ticket.called_at) == (TicketStatus.CALLED, 1, desk.now)
    assert [desk.call(1).ticket for _ in range(2)] == [a.ticket, b.ticket]


def test_a_chosen_call_leaves_the_ratio_cycle_alone(desk: Desk) -> None:
    desk.open(1)
    p1, p2, p3 = (desk.issue("HT", "elderly") for _ in range(3))
    n1, _, n3 = (desk.issue("HT") for _ in range(3))
    assert desk.call(1).ticket == p1.ticket
    desk.do(c.CallTicket(counter=1, ticket=n3.ticket))
    assert [desk.call(1).ticket for _ in range(3)] == [p2.ticket, n1.ticket, p3.ticket]


def test_a_counter_takes_a_chosen_ticket_from_its_own_line(desk: Desk) -> None:
    desk.open(1, 2)
    a = desk.issue("HT")
    desk.call(1)
    desk.do(c.Transfer(counter=1, to_counter=2))
    called = only(desk.do(c.CallTicket(counter=2, ticket=a.ticket)), ev.TicketCalled)
    assert called.counter == 2


def test_recall_counts_the_recalls(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    recalls = [only(desk.do(c.Recall(counter=1)), ev.TicketRecalled) for _ in range(3)]
    assert [r.recalls for r in recalls] == [1, 2, 3]
    assert {(r.ticket, r.counter) for r in recalls} == {(a.ticket, 1)}
    assert desk.ticket(a.ticket).recalls == 3
    assert desk.ticket(a.ticket).status is TicketStatus.CALLED


def test_start_and_finish_serving(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    desk.advance(30)
    started = only(desk.do(c.StartService(counter=1)), ev.ServiceStarted)
    assert (started.ticket, started.counter) == (a.ticket, 1)
    ticket = desk.ticket(a.ticket)
    assert (ticket.status, ticket.started_at) == (TicketStatus.SERVING, desk.now)
    desk.advance(7 * MINUTE)
    finished = only(desk.do(c.Finish(counter=1)), ev.TicketFinished)
    assert (finished.ticket, finished.counter) == (a.ticket, 1)
    assert (ticket.status, ticket.finished_at) == (TicketStatus.DONE, desk.now)
    assert desk.engine.counter(1).current is None
    assert desk.engine.mean_service_s("HT") == 7 * MINUTE


def test_a_no_show_goes_back_in_line_after_the_grace_keeping_its_place(desk: Desk) -> None:
    desk.open(1)
    a, b, c_ = desk.issue("HT"), desk.issue("HT"), desk.issue("HT")
    desk.call(1)
    marked_at = desk.now
    no_show = only(desk.do(c.MarkNoShow(counter=1)), ev.TicketNoShow)
    assert (no_show.ticket, no_show.requeue_at) == (a.ticket, marked_at + 5 * MINUTE)
    assert desk.ticket(a.ticket).status is TicketStatus.NO_SHOW
    assert desk.engine.counter(1).current is None
    assert desk.call(1).ticket == b.ticket
    desk.at(marked_at + 5 * MINUTE - 1)
    assert desk.housekeep() == []
    desk.at(marked_at + 5 * MINUTE)
    events = desk.do(c.CallNext(counter=1))
    assert events[0] == ev.TicketRequeued(at=desk.now, actor=SYSTEM, ticket=a.ticket)
    # Back at its original place: ahead of c, issued after it.
    assert only(events, ev.TicketCalled).ticket == a.ticket
    assert desk.ticket(a.ticket).requeues == 1
    assert desk.call(1).ticket == c_.ticket


@pytest.mark.parametrize("max_requeues", [0, 1, 2])
def test_a_no_show_is_requeued_at_most_max_requeues_times(
    desk_for: DeskFactory, max_requeues: int
) -> None:
    desk = desk_for(make_config(queue={"no_show": {"max_requeues": max_requeues}}))
    desk.open(1)
    a = desk.issue("HT")
    requeued = 0
    while True:
        assert desk.call(1).ticket == a.ticket
        no_show = only(desk.do(c.MarkNoShow(counter=1)), ev.TicketNoShow)
        if no_show.requeue_at is None:
            break
        desk.at(no_show.requeue_at)
        assert [type(e) for e in desk.housekeep()] == [ev.TicketRequeued]
        requeued += 1
        assert requeued <= max_requeues
    assert requeued == max_requeues
    desk.advance(60 * MINUTE)
    assert desk.housekeep() == []
    assert desk.ticket(a.ticket).status is TicketStatus.NO_SHOW
    desk.reject(c.CallNext(counter=1), NobodyWaiting)


def test_a_no_show_is_out_at_once_when_the_policy_says_out(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(queue={"no_show": {"action": "out", "max_requeues": 3}}))
    desk.open(1)
    desk.issue("HT")
    desk.call(1)
    assert only(desk.do(c.MarkNoShow(counter=1)), ev.TicketNoShow).requeue_at is None


def test_reactivate_a_no_show_puts_it_back_in_its_place(desk: Desk) -> None:
    desk.open(1)
    a, b = desk.issue("HT"), desk.issue("HT")
    desk.call(1)
    marked_at = desk.now
    desk.do(c.MarkNoShow(counter=1))
    desk.advance(1 * MINUTE)
    back = only(desk.do(c.Reactivate(ticket=a.ticket)), ev.TicketReactivated)
    assert back.ticket == a.ticket
    assert desk.ticket(a.ticket).status is TicketStatus.WAITING
    assert desk.engine.state.parked.count((marked_at + 5 * MINUTE, a.ticket)) == 0
    desk.at(marked_at + 10 * MINUTE)
    assert desk.housekeep() == [], "no requeue for a ticket already back"
    assert desk.call(1).ticket == a.ticket
    assert desk.call(1).ticket == b.ticket


def test_transfer_to_another_service_keeps_its_place(desk: Desk) -> None:
    desk.open(1, 2)
    a, b1, b2 = desk.issue("HT"), desk.issue("CT"), desk.issue("CT")
    assert desk.call(1).ticket == a.ticket
    desk.advance(3 * MINUTE)
    moved = only(desk.do(c.Transfer(counter=1, to_service="CT")), ev.TicketTransferred)
    assert (moved.ticket, moved.counter, moved.to_service, moved.to_counter) == (
        a.ticket,
        1,
        "CT",
        None,
    )
    ticket = desk.ticket(a.ticket)
    assert (ticket.status, ticket.service, ticket.line) == (TicketStatus.WAITING, "CT", "CT")
    assert (ticket.number, ticket.waiting_since) == ("A001", a.at)
    assert desk.engine.counter(1).current is None
    assert [desk.call(2).ticket for _ in range(3)] == [a.ticket, b1.ticket, b2.ticket]


def test_transfer_to_another_service_goes_to_the_back(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(queue={"transfer_keeps_place": False}))
    desk.open(1, 2)
    a, b1, b2 = desk.issue("HT"), desk.issue("CT"), desk.issue("CT")
    desk.call(1)
    desk.advance(3 * MINUTE)
    desk.do(c.Transfer(counter=1, to_service="CT"))
    assert desk.ticket(a.ticket).waiting_since == desk.now
    later = desk.issue("CT")
    calls = [desk.call(2).ticket for _ in range(4)]
    assert calls == [b1.ticket, b2.ticket, a.ticket, later.ticket]


def test_transfer_to_a_counter_sends_it_to_that_counter_only(desk: Desk) -> None:
    desk.open(1, 2)
    a, b = desk.issue("HT"), desk.issue("HT")
    assert desk.call(1).ticket == a.ticket
    desk.do(c.StartService(counter=1))
    moved = only(desk.do(c.Transfer(counter=1, to_counter=2)), ev.TicketTransferred)
    assert (moved.to_counter, moved.to_service) == (2, "HT")
    assert desk.ticket(a.ticket).line == 2
    assert desk.ticket(a.ticket).status is TicketStatus.WAITING
    assert desk.call(1).ticket == b.ticket
    desk.reject(c.CallNext(counter=1), NobodyWaiting)
    assert desk.call(2).ticket == a.ticket


def test_a_ticket_sent_to_a_counter_can_go_back_to_its_service_line(desk: Desk) -> None:
    desk.open(1, 2)
    a, b = desk.issue("HT"), desk.issue("HT")
    desk.call(1)
    desk.do(c.Transfer(counter=1, to_counter=2))
    assert desk.call(2).ticket == a.ticket
    desk.do(c.Transfer(counter=2, to_service="HT"))  # counter 2 cannot help after all
    assert desk.ticket(a.ticket).line == "HT"
    assert desk.call(1).ticket == a.ticket, "back in the HT line at its original place"
    assert desk.call(1).ticket == b.ticket


def test_a_counter_takes_a_ticket_sent_to_it_before_its_service_lines(desk: Desk) -> None:
    desk.open(1, 2)
    older_ct = desk.issue("CT")
    a = desk.issue("HT")
    desk.call(1)  # counter 1 lists HT first: a
    desk.do(c.Transfer(counter=1, to_counter=2))
    assert desk.call(2).ticket == a.ticket, "sent to counter 2, it is counter 2's next"
    assert desk.call(2).ticket == older_ct.ticket


def test_cancel_a_waiting_ticket(desk: Desk) -> None:
    desk.open(1)
    a, b = desk.issue("HT"), desk.issue("HT")
    assert only(desk.do(c.Cancel(ticket=a.ticket)), ev.TicketCancelled).ticket == a.ticket
    assert desk.ticket(a.ticket).status is TicketStatus.CANCELLED
    assert desk.engine.waiting_count("HT") == 1
    assert desk.call(1).ticket == b.ticket


def test_cancel_a_called_ticket_frees_the_counter(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    desk.do(c.Cancel(ticket=a.ticket))
    assert desk.engine.counter(1).current is None
    assert desk.ticket(a.ticket).status is TicketStatus.CANCELLED


def test_cancel_a_parked_no_show_keeps_it_out(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    desk.do(c.MarkNoShow(counter=1))
    desk.do(c.Cancel(ticket=a.ticket))
    desk.advance(10 * MINUTE)
    assert desk.housekeep() == []
    assert desk.ticket(a.ticket).status is TicketStatus.CANCELLED


# ---------------------------------------------------------------------- ratings


def test_a_finished_service_is_rated_once(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.call(1)
    desk.do(c.Finish(counter=1))
    rated = only(desk.do(c.RateService(ticket=a.ticket, rating="neutral")), ev.ServiceRated)
    assert (rated.ticket, rated.rating) == (a.ticket, "neutral")
    assert desk.ticket(a.ticket).rating == "neutral"
    desk.reject(c.RateService(ticket=a.ticket, rating="satisfied"), err.AlreadyRated, "A001")
    assert desk.ticket(a.ticket).rating == "neutral"


def test_a_counter_tablet_rates_only_the_last_ticket_its_counter_served(desk: Desk) -> None:
    desk.open(1, 2)
    a, b = desk.issue("HT"), desk.issue("HT")
    desk.call(1)
    desk.call(2)
    desk.do(c.Finish(counter=1))
    assert desk.engine.counter(1).last_served == a.ticket
    desk.reject(
        c.RateService(ticket=a.ticket, rating="neutral", counter=2), err.NotServedHere, "A001", "2"
    )
    desk.do(c.Finish(counter=2))
    desk.reject(c.RateService(ticket=a.ticket, rating="neutral", counter=2), err.NotServedHere)
    rated = only(
        desk.do(c.RateService(ticket=b.ticket, rating="satisfied", counter=2)), ev.ServiceRated
    )
    assert rated.ticket == b.ticket
    desk.do(c.RateService(ticket=a.ticket, rating="neutral", counter=1))


def test_a_counter_tablet_stops_asking_once_the_citizen_has_left(desk: Desk) -> None:
    desk.open(1)
    a, b, d = desk.issue("HT"), desk.issue("HT"), desk.issue("HT")
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.call(1)  # a is finished and b called in one press: a is still at the desk
    desk.do(c.StartService(counter=1))  # b sits down: a has gone
    desk.reject(c.RateService(ticket=a.ticket, rating="neutral", counter=1), err.RatingClosed)
    desk.do(c.Finish(counter=1))
    desk.call(1)  # d called, b still at the desk
    desk.do(c.RateService(ticket=b.ticket, rating="satisfied", counter=1))
    desk.do(c.Finish(counter=1))
    desk.advance(181)  # three minutes on, d has gone
    error = desk.reject(
        c.RateService(ticket=d.ticket, rating="neutral", counter=1), err.RatingClosed, "left"
    )
    assert error.code == "rating_closed"
    desk.do(c.RateService(ticket=d.ticket, rating="neutral"))  # from the phone: still fine
    desk.do(c.RateService(ticket=a.ticket, rating="neutral"))


def test_a_counter_has_served_nobody_after_the_night(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    desk.issue("HT")
    desk.call(1)
    desk.do(c.Finish(counter=1))
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.at(local(2025, 7, 14, 23, 59))
    desk.housekeep()
    assert desk.engine.counter(1).last_served == a.ticket
    desk.at(local(2025, 7, 15, 0, 0, 1))
    desk.housekeep()  # the second is finished by the system as the day closes
    assert desk.engine.counter(1).last_served is None


def test_only_a_finished_service_is_rated(desk: Desk) -> None:
    desk.open(1)
    a, b = desk.issue("HT"), desk.issue("HT")
    desk.reject(c.RateService(ticket=b.ticket, rating="satisfied"), err.WrongTicketState, "waiting")
    desk.call(1)
    desk.reject(c.RateService(ticket=a.ticket, rating="satisfied"), err.WrongTicketState, "called")
    desk.do(c.Cancel(ticket=b.ticket))
    desk.reject(
        c.RateService(ticket=b.ticket, rating="satisfied"), err.WrongTicketState, "cancelled"
    )
    desk.reject(c.RateService(ticket=99, rating="satisfied"), err.UnknownTicket, "99")


# ---------------------------------------------------------------------- counters and the day


def test_open_pause_resume_and_close_a_counter(desk: Desk) -> None:
    opened = only(desk.do(c.OpenCounter(counter=1)), ev.CounterOpened)
    assert opened.counter == 1
    assert desk.engine.counter(1).status is CounterStatus.OPEN
    a = desk.issue("HT")
    desk.call(1)
    only(desk.do(c.PauseCounter(counter=1)), ev.CounterPaused)
    assert desk.engine.counter(1).status is CounterStatus.PAUSED
    assert desk.engine.counter(1).current == a.ticket, "pausing keeps the ticket at the counter"
    only(desk.do(c.ResumeCounter(counter=1)), ev.CounterResumed)
    assert desk.engine.counter(1).status is CounterStatus.OPEN
    events = desk.do(c.CloseCounter(counter=1))
    assert events == [  # only called, never started: ended, not known to be served
        ev.TicketFinished(at=desk.now, actor=STAFF, ticket=a.ticket, counter=1, never_started=True),
        ev.CounterClosed(at=desk.now, actor=STAFF, counter=1),
    ]
    assert desk.engine.counter(1).status is CounterStatus.CLOSED
    assert desk.engine.counter(1).current is None
    assert desk.ticket(a.ticket).status is TicketStatus.ENDED


def test_resume_opens_a_closed_counter(desk: Desk) -> None:
    assert only(desk.do(c.ResumeCounter(counter=3)), ev.CounterOpened).counter == 3
    assert desk.engine.counter(3).status is CounterStatus.OPEN


def test_a_paused_counter_can_be_closed(desk: Desk) -> None:
    desk.open(2)
    desk.do(c.PauseCounter(counter=2))
    only(desk.do(c.CloseCounter(counter=2)), ev.CounterClosed)
    assert desk.engine.counter(2).status is CounterStatus.CLOSED


def test_close_day(desk: Desk) -> None:
    desk.open(1, 2, 3)
    serving, called, waiting, parked = (
        desk.issue("HT"),
        desk.issue("HT"),
        desk.issue("CT", "elderly"),
        desk.issue("DD"),
    )
    desk.do(c.CallTicket(counter=1, ticket=serving.ticket))
    desk.do(c.StartService(counter=1))
    desk.do(c.CallTicket(counter=2, ticket=called.ticket))
    desk.call(3)
    desk.do(c.MarkNoShow(counter=3))
    events = desk.do(c.CloseDay())
    now = desk.now
    assert events[-1] == ev.DayClosed(at=now, actor=STAFF, day="2025-07-14")
    assert set(events[:-1]) == {
        ev.TicketFinished(at=now, actor=STAFF, ticket=serving.ticket, counter=1, by_close=True),
        ev.TicketExpired(at=now, actor=STAFF, ticket=called.ticket),
        ev.TicketExpired(at=now, actor=STAFF, ticket=waiting.ticket),
        ev.TicketExpired(at=now, actor=STAFF, ticket=parked.ticket),
        ev.CounterClosed(at=now, actor=STAFF, counter=1),
        ev.CounterClosed(at=now, actor=STAFF, counter=2),
        ev.CounterClosed(at=now, actor=STAFF, counter=3),
    }
    state = desk.engine.state
    assert state.tickets == {}
    assert list(state.parked) == []
    assert state.lines.snapshot() == {}
    assert all(k.status is CounterStatus.CLOSED for k in state.counters.values())
    issued = desk.of_type(ev.TicketIssued)
    assert [e.ticket for e in issued] == [t.ticket for t in (serving, called, waiting, parked)]
    desk.advance(20 * MINUTE)
    assert desk.housekeep() == [], "no requeue after the day closed"


def test_numbers_are_not_reused_after_the_day_is_closed_early(desk: Desk) -> None:
    desk.issue("HT")
    desk.do(c.CloseDay())
    assert desk.issue("HT").number == "A002"


# ---------------------------------------------------------------------- estimated waits


def test_estimate_before_any_sample_uses_expected_minutes(desk: Desk) -> None:
    engine = desk.engine
    for _ in range(3):
        desk.issue("HT")
    desk.issue("HT", "elderly")
    assert engine.service_estimate("HT") == (4, None), "no counter open"
    desk.open(1)
    assert engine.service_estimate("HT") == (4, 4 * 8 * MINUTE)
    assert engine.service_estimate("HT", priority=True) == (1, 1 * 8 * MINUTE)
    desk.open(2)  # also serves HT
    assert engine.service_estimate("HT") == (4, 4 * 8 * MINUTE / 2)
    desk.open(3)  # serves DD only
    assert engine.service_estimate("HT") == (4, 4 * 8 * MINUTE / 2)
    desk.do(c.PauseCounter(counter=2))
    assert engine.service_estimate("HT") == (4, 4 * 8 * MINUTE)
    assert engine.service_estimate("CT") == (0, 0.0)


def serve(desk: Desk, service: str, counter: int, seconds: float, start: bool = True) -> None:
    desk.issue(service)
    desk.call(counter)
    if start:
        desk.do(c.StartService(counter=counter))
    desk.advance(seconds)
    desk.do(c.Finish(counter=counter))


def test_estimate_uses_the_mean_of_the_recent_service_times(desk: Desk) -> None:
    desk.open(1, 2)
    engine = desk.engine
    serve(desk, "HT", 1, 100)
    assert engine.mean_service_s("HT") == 100
    serve(desk, "HT", 1, 200)
    assert engine.mean_service_s("HT") == 150
    serve(desk, "HT", 1, 400)
    serve(desk, "HT", 1, 700)  # the window holds 3: 200, 400, 700
    assert engine.mean_service_s("HT") == pytest.approx(1300 / 3)
    assert engine.mean_service_s("CT") == 4 * MINUTE, "other services keep their own"
    serve(desk, "CT", 2, 90, start=False)  # never started: timed from the call
    assert engine.mean_service_s("CT") == 90
    desk.issue("HT")
    desk.issue("HT")
    ahead, wait = engine.service_estimate("HT")
    assert ahead == 2
    assert wait == pytest.approx(2 * (1300 / 3) / 2)


def test_a_ticket_left_serving_overnight_does_not_skew_the_service_times(
    desk_for: DeskFactory,
) -> None:
    desk = desk_for(now=local(2025, 7, 14, 16, 50))
    desk.open(1)
    serve(desk, "HT", 1, 6 * MINUTE)
    desk.issue("HT")
    desk.call(1)
    desk.do(c.StartService(counter=1))  # 16:56, and nobody finishes it
    desk.at(local(2025, 7, 15, 7, 30))
    desk.housekeep()  # the old day ends: the ticket is finished by the system
    assert desk.of_type(ev.TicketFinished)[-1].actor == SYSTEM
    assert desk.engine.mean_service_s("HT") == 6 * MINUTE


def test_a_ticket_estimate_counts_the_priority_lane_ahead(desk: Desk) -> None:
    engine = desk.engine
    desk.open(1, 2)
    n1, p1, n2, p2 = (
        desk.issue("HT"),
        desk.issue("HT", "elderly"),
        desk.issue("HT"),
        desk.issue("HT", "disabled"),
    )
    ahead = {t.ticket: engine.people_ahead(desk.ticket(t.ticket)) for t in (n1, p1, n2, p2)}
    assert ahead == {n1.ticket: 2, p1.ticket: 0, n2.ticket: 3, p2.ticket: 1}
    assert engine.ticket_estimated_wait_s(desk.ticket(n2.ticket)) == 3 * 8 * MINUTE / 2
    assert engine.ticket_estimated_wait_s(desk.ticket(p1.ticket)) == 0
    called = desk.call(1)
    assert engine.people_ahead(desk.ticket(called.ticket)) is None
    assert engine.ticket_estimated_wait_s(desk.ticket(called.ticket)) is None
    desk.do(c.CloseCounter(counter=1))
    desk.do(c.CloseCounter(counter=2))
    assert engine.ticket_estimated_wait_s(desk.ticket(n2.ticket)) is None


def test_a_ticket_sent_to_one_counter_waits_for_that_counter_alone(desk: Desk) -> None:
    engine = desk.engine
    desk.open(1, 2)
    a, b = desk.issue("HT"), desk.issue("HT")
    desk.call(1)
    desk.do(c.Transfer(counter=1, to_counter=2))
    desk.call(1)  # b
    desk.do(c.Transfer(counter=1, to_counter=2))
    ticket_b = desk.ticket(b.ticket)
    assert engine.people_ahead(ticket_b) == 1
    assert engine.ticket_estimated_wait_s(ticket_b) == 1 * 8 * MINUTE
    desk.do(c.PauseCounter(counter=2))
    assert engine.ticket_estimated_wait_s(ticket_b) is None
    assert engine.people_ahead(desk.ticket(a.ticket)) == 0


# ---------------------------------------------------------------------- events


def test_every_event_carries_its_time_and_actor(desk_for: DeskFactory) -> None:
    desk = desk_for(make_config(appointments={"enabled": True, "retention_days": 1}))
    kiosk, keypad, boss = Actor("kiosk", "k1"), Actor("keypad", "kp-2"), Actor("supervisor", "s")
    citizen = Actor("citizen")

    def book(service: str, hour: int, minute: int, person: str, code: str) -> c.Command:
        start = local(2025, 7, 14, hour, minute)
        return c.BookAppointment(
            service=service, start=start, person=person, masked_phone="09xx", code=code
        )

    script: list[tuple[float, c.Command, Actor]] = [
        (0, c.OpenCounter(counter=1), boss),
        (0, c.SignIn(counter=2, staff="s"), boss),
        (0, c.SignOut(counter=2, staff="s"), boss),
        (1, book("HT", 10, 0, "p1", "AAAA2222"), citizen),
        (2, book("CT", 10, 30, "p2", "BBBB3333"), citizen),
        (3, book("HT", 11, 0, "p3", "CCCC4444"), citizen),
        (4, c.CancelAppointment(code="CCCC4444"), citizen),
        (5, c.IssueTicket(service="HT", tracking_code="x1"), kiosk),
        (5, c.IssueTicket(service="HT", tracking_code="x2", priority="elderly"), kiosk),
        (7, c.CallNext(counter=1), keypad),
        (9, c.Recall(counter=1), keypad),
        (11, c.StartService(counter=1), STAFF),
        (13, c.CallNext(counter=1), keypad),
        (15, c.RateService(ticket=2, rating="satisfied"), Actor("citizen")),
        (17, c.MarkNoShow(counter=1), STAFF),
        (400, c.IssueTicket(service="CT", tracking_code="x3"), kiosk),
        (420, c.CallNext(counter=1), keypad),
        (430, c.Transfer(counter=1, to_service="CT"), STAFF),
        (440, c.CallTicket(counter=1, ticket=3), STAFF),
        (450, c.MarkNoShow(counter=1), STAFF),
        (460, c.Reactivate(ticket=3), boss),
        (465, c.SetPriority(ticket=3, priority="elderly"), STAFF),
        (470, c.Cancel(ticket=1), boss),
        (480, c.PauseCounter(counter=1), STAFF),
        (490, c.ResumeCounter(counter=1), STAFF),
        (500, c.CloseCounter(counter=1), STAFF),
        (510, c.CloseDay(), boss),
        (2700, c.CheckIn(code="AAAA2222", tracking_code="x5"), kiosk),
        (86400, c.IssueTicket(service="HT", tracking_code="x4"), kiosk),  # BBBB3333 missed
        (2 * 86400, c.IssueTicket(service="HT", tracking_code="x6"), kiosk),  # Monday dropped
    ]
    seen: set[type] = set()
    for offset, command, actor in script:
        desk.at(MONDAY_9AM + offset)
        for event in desk.housekeep():
            assert (event.at, event.actor) == (desk.now, SYSTEM)
            seen.add(type(event))
        decided = desk.do(command, actor)
        assert decided, command
        for event in decided:
            assert (event.at, event.actor) == (desk.now, actor), event
            assert decode_event(encode_event(event)) == event
            seen.add(type(event))
    decided_kinds = set(get_args(ev.Event)) - set(ev.DEVICE_EVENTS)
    assert seen == decided_kinds, "the script covers every kind of event the engine decides"


def test_device_events_change_no_queue_state(desk: Desk) -> None:
    desk.open(1)
    a = desk.issue("HT")
    before = desk.engine.state.snapshot()
    device_events: list[ev.Event] = [
        ev.TicketPrinted(at=desk.now, actor=Actor("kiosk", "k1"), ticket=a.ticket, printer="p1"),
        ev.TicketPrintFailed(
            at=desk.now,
            actor=Actor("kiosk", "k1"),
            ticket=a.ticket,
            printers_tried=["p1"],
            reason="jam",
        ),
    ]
    desk.engine.apply_all(device_events)
    desk.log.extend(device_events)
    assert desk.engine.state.snapshot() == before


def test_deciding_changes_nothing(desk: Desk) -> None:
    desk.open(1, 2)
    a = desk.issue("HT")
    desk.issue("CT", "elderly")
    desk.do(c.CallTicket(counter=1, ticket=a.ticket))
    before = desk.engine.state.snapshot()
    commands: list[c.Command] = [
        c.IssueTicket(service="HT", tracking_code="new"),
        c.CallNext(counter=1),
        c.CallNext(counter=2),
        c.Recall(counter=1),
        c.StartService(counter=1),
        c.Finish(counter=1),
        c.MarkNoShow(counter=1),
        c.Transfer(counter=1, to_service="CT"),
        c.Transfer(counter=1, to_counter=2),
        c.Cancel(ticket=a.ticket),
        c.PauseCounter(counter=2),
        c.CloseCounter(counter=1),
        c.OpenCounter(counter=3),
        c.CloseDay(),
    ]
    for command in commands:
        assert desk.engine.decide(command, desk.now, STAFF), command
        assert desk.engine.state.snapshot() == before, command


# ---------------------------------------------------------------------- priority checked at the desk


def desk_checked(desk_for: DeskFactory) -> Desk:
    """The test centre with a class a person must check ("merit": a card shown at the desk)."""
    classes = [
        {"code": "elderly", "name": {"vi": "Người cao tuổi"}},
        {"code": "merit", "name": {"vi": "Người có công"}, "at_desk": True},
    ]
    return desk_for(make_config(priority_classes=classes))


def test_a_kiosk_does_not_issue_a_class_checked_at_the_desk(desk_for: DeskFactory) -> None:
    desk = desk_checked(desk_for)
    assert desk.issue("HT", "elderly").priority == "elderly"  # a self-declared class is
    with pytest.raises(err.PriorityAtDesk) as refused:
        desk.issue("HT", "merit")
    assert "reception desk" in refused.value.message
    at_desk = desk.do(
        c.IssueTicket(service="HT", tracking_code="desk-1", priority="merit"),
        Actor("supervisor", "le-tan"),
    )
    assert only(at_desk, ev.TicketIssued).priority == "merit"  # a person may


def test_the_desk_gives_a_waiting_ticket_its_class_and_it_keeps_its_place(
    desk_for: DeskFactory,
) -> None:
    desk = desk_checked(desk_for)
    desk.open(1)
    first, second, card = desk.issue("HT"), desk.issue("HT"), desk.issue("HT")
    elderly = desk.issue("HT", "elderly")
    changed = only(
        desk.do(c.SetPriority(ticket=card.ticket, priority="merit"), STAFF),
        ev.TicketPriorityChanged,
    )
    assert (changed.ticket, changed.priority) == (card.ticket, "merit")
    assert desk.ticket(card.ticket).is_priority
    # The priority lane by issue order: the card holder came before the elderly citizen.
    assert [desk.call(1).ticket for _ in range(4)] == [
        card.ticket,
        elderly.ticket,
        first.ticket,
        second.ticket,
    ]


def test_only_a_waiting_ticket_changes_class_and_only_to_a_known_one(desk_for: DeskFactory) -> None:
    desk = desk_checked(desk_for)
    desk.open(1)
    waiting, called = desk.issue("HT"), desk.issue("HT", "elderly")
    assert desk.call(1).ticket == called.ticket
    with pytest.raises(err.WrongTicketState):
        desk.do(c.SetPriority(ticket=called.ticket, priority="merit"), STAFF)
    with pytest.raises(err.UnknownPriorityClass):
        desk.do(c.SetPriority(ticket=waiting.ticket, priority="veteran"), STAFF)
    with pytest.raises(err.WrongTicketState):
        desk.do(c.SetPriority(ticket=waiting.ticket, priority=None), STAFF)  # none already
    desk.do(c.SetPriority(ticket=waiting.ticket, priority="merit"), STAFF)
    desk.do(c.SetPriority(ticket=waiting.ticket, priority=None), STAFF)  # a mistake undone
    assert not desk.ticket(waiting.ticket).is_priority


def test_a_counter_keeps_its_days_tally_and_its_absent_citizens(desk: Desk) -> None:
    """What its staff see at a glance, kept as events apply (not counted on each call)."""
    desk.open(1)
    _a, b, c_, d = (desk.issue("HT") for _ in range(4))
    counter = desk.engine.counter(1)
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.do(c.Finish(counter=1))
    assert counter.served_today == 1
    desk.call(1)
    desk.do(c.MarkNoShow(counter=1))
    desk.call(1)
    desk.do(c.MarkNoShow(counter=1))
    assert list(counter.absent) == [b.ticket, c_.ticket]
    desk.do(c.Reactivate(ticket=b.ticket))
    assert list(counter.absent) == [c_.ticket]
    desk.do(c.Cancel(ticket=c_.ticket), Actor("supervisor", "giamsat"))
    assert list(counter.absent) == []
    desk.call(1)  # b, back in line
    desk.advance(1 * MINUTE)
    desk.call(1)  # d: b was only called, so it is ended, not served
    assert counter.served_today == 1
    desk.do(c.MarkNoShow(counter=1))
    assert list(counter.absent) == [d.ticket]
    desk.do(c.CloseDay(), Actor("supervisor", "giamsat"))
    assert (counter.served_today, list(counter.absent)) == (0, [])


def test_the_chosen_procedure_goes_with_the_ticket_until_another_service(desk: Desk) -> None:
    """The kiosk's procedure is a fact of the ticket (its papers are printed and shown);
    sent to another service the ticket leaves it behind; the log replays to the same."""
    (issued,) = [
        e
        for e in desk.do(c.IssueTicket(service="HT", tracking_code="p1", procedure="khai-sinh"))
        if isinstance(e, ev.TicketIssued)
    ]
    assert issued.procedure == "khai-sinh"
    assert desk.engine.ticket(issued.ticket).procedure == "khai-sinh"
    desk.open(1)
    desk.open(2)
    desk.call(1)
    desk.do(c.Transfer(counter=1, to_counter=2))
    assert desk.engine.ticket(issued.ticket).procedure == "khai-sinh", "same service"
    desk.call(2)
    desk.do(c.Transfer(counter=2, to_service="CT"))
    assert desk.engine.ticket(issued.ticket).procedure is None
    assert replayed(desk.config, desk.log) == desk.engine.state.snapshot()
