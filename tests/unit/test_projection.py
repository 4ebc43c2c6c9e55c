"""The projection alone: events in, typed messages out; no hub, no sockets, no encoding."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import msgspec
import pytest

from queue_server.engine import Actor, Engine, Event
from queue_server.engine import commands as c
from queue_server.live.messages import (
    AdminSnapshot,
    Call,
    CitizenSnapshot,
    CounterUpdate,
    EventsFeed,
    HallSnapshot,
    ServiceUpdate,
    StaffSnapshot,
    TicketUpdate,
    WaitingUpdate,
)
from queue_server.live.projection import RECENT_CALLS, Addressed, Projection
from queue_server.live.topics import View
from queue_server.views import ExpiredTicket, PublicTicket
from tests.support.centre import example_config

STAFF = Actor("staff", "test")
KIOSK = Actor("kiosk", "test")
AT = 1_790_000_000.0
EVERY_TOPIC = {"calls:*", "counter:*", "service:*", "waiting:*", "events"}


class Queue:
    """An engine with counters 1-3 open and six HT tickets waiting, and its projection."""

    def __init__(self, tmp_path: Path) -> None:
        config = example_config(tmp_path / "log.sqlite3")
        self.engine = Engine(config.queue_setup())
        self.projection = Projection(self.engine, config.services)
        self.seq = 0
        self.apply(*self.engine.housekeeping(AT))
        for counter in (1, 2, 3):
            self.do(c.OpenCounter(counter=counter))
        for n in range(6):
            self.do(c.IssueTicket(service="HT", tracking_code=f"t{n}"), KIOSK)

    def apply(self, *events: Event) -> tuple[int, list[Event]]:
        self.engine.apply_all(list(events))
        first = self.seq + 1
        self.seq += len(events)
        return first, list(events)

    def do(self, command: c.Command, actor: Actor = STAFF) -> tuple[int, list[Event]]:
        return self.apply(*self.engine.decide(command, AT, actor))

    def project(
        self, command: c.Command, listened: set[str], followed: tuple[int, ...] = ()
    ) -> list[Addressed]:
        first, events = self.do(command)
        return self.projection.batch(first, events, listened, followed)


@pytest.fixture
def queue(tmp_path: Path) -> Queue:
    return Queue(tmp_path)


def test_every_event_type_has_its_fold(queue: Queue) -> None:
    """A new event type with no fold would raise in the hub on its first batch."""
    assert set(queue.projection._folds) == set(get_args(Event))


def test_a_call_makes_the_call_then_the_counter_for_whoever_listens(queue: Queue) -> None:
    made = queue.project(c.CallNext(counter=2), {"calls:*", "counter:2"})
    assert [type(m) for _, m in made] == [Call, CounterUpdate]
    (call_topics, call), (counter_topics, update) = made
    assert call_topics == ("calls:2", "calls:*") and counter_topics == ("counter:2", "counter:*")
    assert isinstance(call, Call) and isinstance(update, CounterUpdate)
    assert (call.seq, call.counter, call.number, call.recall) == (queue.seq, 2, "A001", 0)
    assert update.counter.current is not None and update.counter.current.number == "A001"


def test_calls_are_made_even_when_nobody_listens(queue: Queue) -> None:
    """Displays that reconnect replay them from the hub's history."""
    made = queue.project(c.CallNext(counter=1), set())
    assert [type(m) for _, m in made] == [Call]


def test_a_recall_says_how_many_times(queue: Queue) -> None:
    queue.do(c.CallNext(counter=1))
    made = queue.project(c.Recall(counter=1), {"calls:1"})
    [(_, call)] = made
    assert isinstance(call, Call) and call.recall == 1


def test_a_finish_moves_its_service_and_line(queue: Queue) -> None:
    queue.do(c.CallNext(counter=1))
    queue.do(c.StartService(counter=1))
    made = queue.project(c.Finish(counter=1), EVERY_TOPIC)
    kinds = [type(m) for _, m in made]
    assert kinds == [CounterUpdate, ServiceUpdate, WaitingUpdate, EventsFeed]
    service = made[1][1]
    assert isinstance(service, ServiceUpdate) and service.service.code == "HT"


def test_a_counter_opening_changes_the_estimates_of_its_services(queue: Queue) -> None:
    made = queue.project(c.OpenCounter(counter=4), {"service:*"})
    codes = [m.service.code for _, m in made if isinstance(m, ServiceUpdate)]
    assert codes == ["DD", "XD"]  # the services of counter 4, in its order


def test_a_followed_ticket_hears_of_its_line_moving(queue: Queue) -> None:
    """The citizen of the last ticket sees their place change when someone else is called."""
    last = max(queue.engine.state.tickets)
    made = queue.project(c.CallNext(counter=1), set(), followed=(last,))
    [(topics, update)] = [(t, m) for t, m in made if isinstance(m, TicketUpdate)]
    assert topics == (f"ticket:{last}",)
    assert isinstance(update.ticket, PublicTicket) and update.ticket.position == 4


def test_a_ticket_the_day_no_longer_holds_is_expired(queue: Queue) -> None:
    made = queue.project(c.CallNext(counter=1), set(), followed=(999,))
    assert [m for _, m in made if isinstance(m, TicketUpdate)] == []  # not touched
    made = queue.project(c.CloseDay(), set(), followed=(999,))  # a day's end touches all
    [(_, update)] = [(t, m) for t, m in made if isinstance(m, TicketUpdate)]
    assert isinstance(update, TicketUpdate) and update.ticket == ExpiredTicket()


def test_the_audit_feed_carries_the_batch_without_tracking_codes(queue: Queue) -> None:
    made = queue.project(c.IssueTicket(service="CT", tracking_code="secret"), {"events"})
    [(topics, feed)] = made
    assert topics == ("events",) and isinstance(feed, EventsFeed)
    assert feed.first_seq == feed.seq == queue.seq
    [issued] = feed.events
    assert issued["type"] == "TicketIssued" and "tracking_code" not in issued


def test_snapshots_per_view(queue: Queue) -> None:
    history = [
        Call(
            seq=n,
            counter=1 + n % 2,
            number=f"{n:03}",
            service="HT",
            priority=None,
            recall=0,
            at=None,
            lang="vi",
        )
        for n in range(30)
    ]
    hall = queue.projection.snapshot(View("hall", counters=(2,)), queue.seq, calls=history)
    assert isinstance(hall, HallSnapshot)
    assert [k.id for k in hall.counters] == [2]
    assert len(hall.calls) == RECENT_CALLS and {call.counter for call in hall.calls} == {2}
    assert hall.calls[-1].seq == 29  # the most recent, oldest first
    staff = queue.projection.snapshot(View("staff", counters=(1,), services=("HT",)), queue.seq)
    assert isinstance(staff, StaffSnapshot)
    assert [w.line for w in staff.waiting] == [1, "HT"]
    assert [s.code for s in staff.services] == ["HT"]
    devices = [{"name": "p1", "kind": "printer", "up": True}]
    admin = queue.projection.snapshot(View("admin"), queue.seq, devices=devices)
    assert isinstance(admin, AdminSnapshot) and admin.devices == devices
    assert len(admin.counters) == len(queue.engine.state.counters)
    citizen = queue.projection.snapshot(View("citizen", ticket=1), queue.seq)
    assert isinstance(citizen, CitizenSnapshot) and citizen.ticket is not None
    wire = msgspec.json.decode(msgspec.json.encode(citizen))
    assert list(wire) == ["type", "seq", "resumed", "ticket"] and wire["type"] == "snapshot"
