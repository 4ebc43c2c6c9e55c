"""The hub's fan-out: one write per client per batch, frames in order, bursts joined.

Clients here are fake transports that record each write, so the number of writes (one
system call each on a real socket) is what is checked, not only what arrives.  The hub
is given a test encoder: each message becomes a short token naming it, so a write is
read back as the message structs it carries, with no frame parsing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import msgspec

from queue_server.app import Centre as LiveCentre
from queue_server.engine import Actor, Engine, Event
from queue_server.engine import commands as c
from queue_server.live.fanout import Hub, Subscriber
from queue_server.live.messages import Call, DeviceUpdate, EventsFeed, Message, Welcome
from queue_server.live.projection import Projection
from queue_server.live.topics import View
from tests.support.centre import example_config

STAFF = Actor("staff", "test")
KIOSK = Actor("kiosk", "test")


class Encoder:
    """Encodes a message as `<n>;` and keeps it, so writes read back as structs."""

    def __init__(self) -> None:
        self.encoded: list[msgspec.Struct] = []

    def __call__(self, message: msgspec.Struct) -> bytes:
        self.encoded.append(message)
        return f"{len(self.encoded) - 1};".encode()

    def messages(self, data: bytes) -> list[Message]:
        """The messages of one write, in order."""
        return [self.encoded[int(n)] for n in data.decode().split(";")[:-1]]  # type: ignore[misc]


class Transport:
    def __init__(self, buffered: int = 0) -> None:
        self.writes: list[bytes] = []
        self.buffered = buffered
        self.aborted = False

    def is_closing(self) -> bool:
        return self.aborted

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default  # no socket: nothing to reset


class Centre:
    """An engine and a hub, events delivered as the dispatcher does (apply, project, deliver)."""

    def __init__(self, tmp_path: Path, commit_queued: bool = False) -> None:
        config = example_config(tmp_path / "log.sqlite3")
        self.engine = Engine(config.queue_setup())
        self.encoder = Encoder()
        self.hub = Hub(
            Projection(self.engine, config.services),
            self.encoder,
            commit_queued=lambda: commit_queued,
        )
        self.seq = 0
        self.at = 1_790_000_000.0
        self.run(*self.engine.housekeeping(self.at))
        for counter in (1, 2, 3):
            self.run(*self.engine.decide(c.OpenCounter(counter=counter), self.at, STAFF))
        for n in range(6):
            issue = c.IssueTicket(service="HT", tracking_code=f"t{n}")
            self.run(*self.engine.decide(issue, self.at, KIOSK))

    def run(self, *events: Event) -> None:
        self.engine.apply_all(list(events))
        deliver = self.hub(self.seq + 1, events)
        self.seq += len(events)
        deliver()

    def call_next(self, counter: int) -> None:
        self.run(*self.engine.decide(c.CallNext(counter=counter), self.at, STAFF))

    def client(
        self, view: View, last_seq: int | None = None, buffered: int = 0, keep_join: bool = False
    ) -> Transport:
        transport = Transport(buffered)
        subscriber = Subscriber(transport, view, view.kind, 1 << 20)  # type: ignore[arg-type]
        assert self.hub.join(subscriber, last_seq, Welcome(role="display", view=view.kind))
        if not keep_join:
            transport.writes.clear()  # the welcome, missed calls and the snapshot
        return transport

    def read(self, transport: Transport) -> list[list[Message]]:
        """Each write of the transport, as its messages."""
        return [self.encoder.messages(write) for write in transport.writes]


async def next_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def types(messages: Sequence[msgspec.Struct]) -> list[str]:
    return [type(m).__name__ for m in messages]


def calls(messages: list[Message]) -> list[int]:
    return [m.counter for m in messages if isinstance(m, Call)]


async def test_a_call_reaches_each_display_as_one_write_in_order(tmp_path: Path) -> None:
    centre = Centre(tmp_path)
    await next_turn()
    halls = [centre.client(View("hall")) for _ in range(3)]
    only_2 = centre.client(View("hall", counters=(2,)))
    staff = centre.client(View("staff", counters=(1,), services=("HT", "CT")))
    admin = centre.client(View("admin"))
    centre.call_next(1)
    await next_turn()
    for hall in halls:
        [write] = centre.read(hall)
        assert types(write) == ["Call", "CounterUpdate"]
        assert calls(write) == [1]
    assert halls[0].writes[0] is halls[1].writes[0]  # joined once, shared
    assert only_2.writes == []
    [write] = centre.read(staff)
    assert types(write)[:2] == ["Call", "CounterUpdate"]
    assert "WaitingUpdate" in types(write)
    [write] = centre.read(admin)
    assert types(write)[-1] == "EventsFeed"


async def test_each_message_is_encoded_once_whoever_gets_it(tmp_path: Path) -> None:
    centre = Centre(tmp_path)
    await next_turn()
    for _ in range(50):
        centre.client(View("hall"))
    centre.client(View("admin"))
    before = len(centre.encoder.encoded)
    centre.call_next(1)
    await next_turn()
    made = centre.encoder.encoded[before:]
    assert types(made) == ["Call", "CounterUpdate", "ServiceUpdate", "WaitingUpdate", "EventsFeed"]


async def test_the_deliveries_of_a_loop_turn_go_out_joined_at_its_end(tmp_path: Path) -> None:
    centre = Centre(tmp_path)
    await next_turn()
    hall = centre.client(View("hall"))
    centre.call_next(1)
    centre.call_next(2)
    centre.call_next(3)
    assert hall.writes == []  # not before the turn's end
    await next_turn()
    assert len(hall.writes) == 1  # all three, in one write
    centre.call_next(1)
    await next_turn()
    assert len(hall.writes) == 2  # a later turn: a write of its own
    writes = centre.read(hall)
    assert [counter for write in writes for counter in calls(write)] == [1, 2, 3, 1]
    seqs = [m.seq for write in writes for m in write if isinstance(m, Call)]
    assert seqs == sorted(seqs)


async def test_a_client_joining_mid_turn_never_gets_what_its_snapshot_shows(
    tmp_path: Path,
) -> None:
    centre = Centre(tmp_path)
    await next_turn()
    early = centre.client(View("hall"))
    centre.call_next(1)
    centre.call_next(2)  # both wait for the turn's end
    late = centre.client(View("hall"), keep_join=True)
    await next_turn()
    [write] = centre.read(early)  # flushed before the join, in one write
    assert calls(write) == [1, 2]
    assert [types(w) for w in centre.read(late)] == [["Welcome"], ["HallSnapshot"]]


async def test_a_display_that_comes_back_gets_the_calls_it_missed_then_a_snapshot(
    tmp_path: Path,
) -> None:
    centre = Centre(tmp_path)
    centre.call_next(1)
    seen = centre.seq
    centre.call_next(2)
    centre.call_next(3)
    await next_turn()
    back = centre.client(View("hall", counters=(3,)), last_seq=seen, keep_join=True)
    joined = [m for write in centre.read(back) for m in write]
    assert types(joined) == ["Welcome", "Call", "HallSnapshot"]
    welcome, missed, snapshot = joined
    assert isinstance(welcome, Welcome) and welcome.seq == centre.seq
    assert isinstance(missed, Call) and missed.counter == 3
    assert snapshot.resumed  # type: ignore[union-attr]
    fresh = centre.client(View("hall"), keep_join=True)  # no last_seq: a snapshot only
    assert [types(w) for w in centre.read(fresh)] == [["Welcome"], ["HallSnapshot"]]


async def test_a_client_too_far_behind_is_dropped_and_hears_no_more(tmp_path: Path) -> None:
    centre = Centre(tmp_path)
    await next_turn()
    slow = centre.client(View("hall"))
    keeping_up = centre.client(View("hall"))
    slow.buffered = 2 << 20  # over the bound: it does not read what it is sent
    centre.call_next(1)
    await next_turn()
    assert slow.aborted and slow.writes == []
    assert centre.hub.dropped_slow == 1
    assert centre.hub.clients() == {"hall": 1}
    centre.call_next(2)
    await next_turn()
    assert [calls(w) for w in centre.read(keeping_up)] == [[1], [2]]
    assert slow.writes == []


async def test_a_call_committed_right_after_a_due_fan_out_joins_it(tmp_path: Path) -> None:
    """Presses of a burst reach the engine a loop turn apart: the second's commit is queued
    behind the first's fan-out, which waits for it, so the displays get one write, not
    two (each write to 100 displays costs ~1 ms)."""
    centre = LiveCentre(example_config(tmp_path / "log.sqlite3"))
    dispatcher = centre.dispatcher
    encoder = Encoder()
    hub = Hub(
        Projection(centre.engine, centre.config.services),
        encoder,
        commit_queued=dispatcher.commit_queued,
    )
    dispatcher.listen(hub)
    await centre.start()
    try:
        for counter in (1, 2):
            await dispatcher.execute(c.OpenCounter(counter=counter), STAFF)
        for n in range(2):
            await dispatcher.execute(c.IssueTicket(service="HT", tracking_code=f"t{n}"), KIOSK)
        await next_turn()
        hall = Transport()
        welcome = Welcome(role="display", view="hall")
        assert hub.join(Subscriber(hall, View("hall"), "hall", 1 << 20), None, welcome)  # type: ignore[arg-type]
        hall.writes.clear()
        first = asyncio.create_task(dispatcher.execute(c.CallNext(counter=1), STAFF))
        await asyncio.sleep(0)  # the first is applied, its commit queued
        second = asyncio.create_task(dispatcher.execute(c.CallNext(counter=2), STAFF))
        await asyncio.wait_for(asyncio.gather(first, second), 2.0)
        for _ in range(10):  # the fan-out is at most a few turns behind the commits
            if any(2 in calls(encoder.messages(w)) for w in hall.writes):
                break
            await asyncio.sleep(0)
        [write] = hall.writes
        assert calls(encoder.messages(write)) == [1, 2]
    finally:
        await centre.stop()


async def test_a_fan_out_waits_for_a_queued_commit_once_only(tmp_path: Path) -> None:
    """Commits queued turn after turn (a flood of presses) never hold the displays back."""
    centre = Centre(tmp_path, commit_queued=True)
    await next_turn()
    hall = centre.client(View("hall"))
    centre.call_next(1)
    await next_turn()
    await next_turn()
    [write] = centre.read(hall)
    assert calls(write) == [1]


async def test_devices_reach_admins_only_and_their_snapshots(tmp_path: Path) -> None:
    centre = Centre(tmp_path)
    await next_turn()
    admin = centre.client(View("admin"))
    hall = centre.client(View("hall"))
    printer = {"name": "kiosk-1-printer", "kind": "printer", "up": False}
    centre.hub.device_changed(printer)
    [[update]] = centre.read(admin)
    assert update == DeviceUpdate(seq=centre.seq, device=printer)
    assert hall.writes == []
    later = centre.client(View("admin"), keep_join=True)
    snapshot = centre.read(later)[-1][-1]
    assert snapshot.devices == [printer]  # type: ignore[union-attr]


async def test_the_audit_feed_never_carries_a_citizens_tracking_code(tmp_path: Path) -> None:
    """The code opens the citizen's page and lets them rate: staff must not harvest it."""
    centre = Centre(tmp_path)
    await next_turn()
    admin = centre.client(View("admin"))
    centre.run(
        *centre.engine.decide(
            c.IssueTicket(service="CT", tracking_code="secret-1"), centre.at, STAFF
        )
    )
    await next_turn()
    [write] = centre.read(admin)
    [feed] = [m for m in write if isinstance(m, EventsFeed)]
    [issued] = feed.events
    assert issued["type"] == "TicketIssued" and issued["service"] == "CT"
    assert "tracking_code" not in issued and "secret-1" not in str(feed)
