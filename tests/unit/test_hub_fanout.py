"""The hub's fan-out: one write per client per batch, frames in order, bursts joined.

Clients here are fake transports that record each write, so the number of writes (one
system call each on a real socket) is what is checked, not only what arrives.
"""

from __future__ import annotations

import asyncio
import json
import struct
from pathlib import Path
from typing import Any

from queue_server.app import Centre as LiveCentre
from queue_server.engine import Actor, Engine, Event
from queue_server.engine import commands as c
from queue_server.hub import Hub, Subscriber, View
from tests.support.centre import example_config

STAFF = Actor("staff", "test")
KIOSK = Actor("kiosk", "test")


class Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def abort(self) -> None:
        raise AssertionError("nobody is slow here")


def messages(data: bytes) -> list[dict[str, Any]]:
    """The JSON of every (unmasked, server) websocket frame in `data`."""
    found = []
    while data:
        length, start = data[1] & 0x7F, 2
        if length == 126:
            length, start = struct.unpack_from("!H", data, 2)[0], 4
        elif length == 127:
            length, start = struct.unpack_from("!Q", data, 2)[0], 10
        found.append(json.loads(data[start : start + length]))
        data = data[start + length :]
    return found


class Centre:
    """An engine and a hub, events delivered as the dispatcher does (apply, project, deliver)."""

    def __init__(self, tmp_path: Path, commit_queued: bool = False) -> None:
        config = example_config(tmp_path / "log.sqlite3")
        self.engine = Engine(config.queue_setup())
        self.hub = Hub(self.engine, config.services, commit_queued=lambda: commit_queued)
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

    def client(self, view: View) -> Transport:
        return subscribe(self.hub, view)


async def next_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def subscribe(hub: Hub, view: View) -> Transport:
    transport = Transport()
    assert hub.join(Subscriber(transport, view, view.kind, 1 << 20), None, {})  # type: ignore[arg-type]
    transport.writes.clear()  # the welcome and the snapshot
    return transport


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
        [write] = hall.writes
        assert [m["type"] for m in messages(write)] == ["call", "counter"]
        assert messages(write)[0]["counter"] == 1
    assert halls[0].writes[0] is halls[1].writes[0]  # joined once, shared
    assert only_2.writes == []
    [write] = staff.writes
    kinds = [m["type"] for m in messages(write)]
    assert kinds[:2] == ["call", "counter"]
    assert "waiting" in kinds
    [write] = admin.writes
    assert [m["type"] for m in messages(write)][-1] == "events"


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
    calls = [m["counter"] for w in hall.writes for m in messages(w) if m["type"] == "call"]
    assert calls == [1, 2, 3, 1]
    seqs = [m["seq"] for w in hall.writes for m in messages(w)]
    assert seqs == sorted(seqs)


async def test_a_client_joining_mid_turn_never_gets_what_its_snapshot_shows(
    tmp_path: Path,
) -> None:
    centre = Centre(tmp_path)
    await next_turn()
    early = centre.client(View("hall"))
    centre.call_next(1)
    centre.call_next(2)  # both wait for the turn's end
    late = Transport()
    assert centre.hub.join(Subscriber(late, View("hall"), "late", 1 << 20), None, {})  # type: ignore[arg-type]
    await next_turn()
    [write] = early.writes  # flushed before the join, in one write
    assert [m["counter"] for m in messages(write) if m["type"] == "call"] == [1, 2]
    snapshot = messages(late.writes[-1])[-1]
    assert snapshot["type"] == "snapshot"
    assert [m["type"] for w in late.writes for m in messages(w)] == ["welcome", "snapshot"]


async def test_a_call_committed_right_after_a_due_fan_out_joins_it(tmp_path: Path) -> None:
    """Presses of a burst reach the engine a loop turn apart: the second's commit is queued
    behind the first's fan-out, which waits for it, so the displays get one write, not
    two (each write to 100 displays costs ~1 ms)."""
    centre = LiveCentre(example_config(tmp_path / "log.sqlite3"))
    dispatcher = centre.dispatcher
    hub = Hub(centre.engine, centre.config.services, commit_queued=dispatcher.commit_queued)
    dispatcher.listen(hub)
    await centre.start()
    try:
        for counter in (1, 2):
            await dispatcher.execute(c.OpenCounter(counter=counter), STAFF)
        for n in range(2):
            await dispatcher.execute(c.IssueTicket(service="HT", tracking_code=f"t{n}"), KIOSK)
        await next_turn()
        hall = subscribe(hub, View("hall"))
        first = asyncio.create_task(dispatcher.execute(c.CallNext(counter=1), STAFF))
        await asyncio.sleep(0)  # the first is applied, its commit queued
        second = asyncio.create_task(dispatcher.execute(c.CallNext(counter=2), STAFF))
        await asyncio.wait_for(asyncio.gather(first, second), 2.0)
        for _ in range(10):  # the fan-out is at most a few turns behind the commits
            if any(
                m["type"] == "call" and m["counter"] == 2 for w in hall.writes for m in messages(w)
            ):
                break
            await asyncio.sleep(0)
        [write] = hall.writes
        assert [m["counter"] for m in messages(write) if m["type"] == "call"] == [1, 2]
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
    [write] = hall.writes
    assert [m["counter"] for m in messages(write) if m["type"] == "call"] == [1]


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
    [write] = admin.writes
    [feed] = [m for m in messages(write) if m["type"] == "events"]
    [issued] = feed["events"]
    assert issued["type"] == "TicketIssued" and issued["service"] == "CT"
    assert "tracking_code" not in issued and b"secret-1" not in write
