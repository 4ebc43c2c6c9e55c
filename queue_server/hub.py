"""The live hub: committed events, projected per view and fanned out to websocket clients.

Why it is shaped this way:

* Projections are computed right after the engine applied a batch, while its
  state matches the batch exactly, and written only once the batch is durable.
* Each message is encoded once, as a complete websocket frame (server frames
  are unmasked, so the bytes are the same for every client), and that one
  bytes object is written to every subscribed transport.  No per-client JSON.
  When a batch makes several messages (a call and the counter's new state), each
  client gets the frames meant for it joined into one write: one system call per
  client, not per message (bench/fanout.py).  Deliveries wait for the end of the
  loop turn that made them (one more turn, a few microseconds) and go out joined:
  a burst of NEXT presses committed together costs each display one write, not one
  per press (bench/next_to_display.py: p2p bursts' p99 8.4 -> 6.7 ms).
* A client's bounded buffer is its transport's write buffer.  A client whose
  buffer is over the bound is dropped on the spot (the connection is aborted);
  nobody waits for it.  It resumes from its last seq when it reconnects.
* Calls are momentary, so the hub keeps the recent call frames and replays the
  ones a reconnecting client missed.  Everything else is state: a client gets
  a fresh snapshot on every hello.
* Device states (a printer out of paper) are not events: devices report them,
  the hub keeps the latest per device and tells admin views as they change
  ("device" messages, stamped with the current seq) and in their snapshot.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import msgspec
from websockets.frames import Frame, Opcode

from .config import Service
from .engine import Engine, Event
from .engine import events as ev
from .engine.state import LineKey
from .views import (
    counter_view,
    iso_time,
    service_view,
    state_snapshot,
    ticket_public,
    waiting_list,
)

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
RECENT_CALLS = 12
ViewKind = Literal["hall", "counter", "staff", "kiosk", "citizen", "admin"]

_encode = msgspec.json.Encoder().encode


def text_frame(payload: dict[str, Any]) -> bytes:
    """A whole websocket text frame, ready to write to any client's transport."""
    return Frame(Opcode.TEXT, _encode(payload)).serialize(mask=False, extensions=[])


class View(msgspec.Struct, frozen=True):
    """What one client sees: a kind, and which counters, services or ticket it concerns."""

    kind: ViewKind
    counters: tuple[int, ...] = ()
    """Hall: the counters shown (empty: all).  Counter and staff: the one counter."""
    services: tuple[str, ...] = ()
    ticket: int | None = None

    def topics(self) -> list[str]:
        counters = [str(c) for c in self.counters] or ["*"]
        if self.kind == "hall":
            return [f"calls:{c}" for c in counters] + [f"counter:{c}" for c in counters]
        if self.kind == "counter":
            return [f"calls:{c}" for c in counters] + [f"counter:{c}" for c in counters]
        if self.kind == "staff":
            lines = [*counters, *self.services]
            return (
                [f"calls:{c}" for c in counters]
                + [f"counter:{c}" for c in counters]
                + [f"service:{s}" for s in self.services]
                + [f"waiting:{line}" for line in lines]
            )
        if self.kind == "kiosk":
            return ["service:*"]
        if self.kind == "citizen":
            return [f"ticket:{self.ticket}"]
        return ["calls:*", "counter:*", "service:*", "waiting:*", "events", "devices"]

    def sees_calls_of(self, counter: int) -> bool:
        if self.kind not in ("hall", "counter", "staff", "admin"):
            return False
        return not self.counters or counter in self.counters


class Subscriber:
    """One websocket client of the hub: its transport and its view."""

    __slots__ = ("dropped", "max_buffer", "name", "transport", "view")

    def __init__(
        self, transport: asyncio.Transport, view: View, name: str, max_buffer: int
    ) -> None:
        self.transport = transport
        self.view = view
        self.name = name
        self.max_buffer = max_buffer
        self.dropped = False

    def offer(self, frame: bytes) -> bool:
        """Write a frame unless the client is gone or too far behind; False means drop it."""
        transport = self.transport
        if transport.is_closing() or transport.get_write_buffer_size() > self.max_buffer:
            return False
        transport.write(frame)
        return True


_Message = tuple[tuple[str, ...], bytes]
_CALL_EVENTS = (ev.TicketCalled, ev.TicketRecalled)
"""Kept in the call history even when nobody listens, for displays that reconnect."""


class Hub:
    """Dispatcher listener and websocket fan-out."""

    def __init__(
        self,
        engine: Engine,
        services: Sequence[Service],
        max_buffer_bytes: int = 256 * 1024,
        call_history: int = 2000,
        seq: int = 0,
        commit_queued: Callable[[], bool] = lambda: False,
    ) -> None:
        self.engine = engine
        self.services = {s.code: s for s in services}
        """The centre's services as configured (names and descriptions), in order."""
        self._commit_queued = commit_queued
        """Whether a commit is next in the loop's queue (`Dispatcher.commit_queued`)."""
        self.max_buffer_bytes = max_buffer_bytes
        self.seq = seq
        self._topics: dict[str, set[Subscriber]] = {}
        self._citizens: dict[int, set[Subscriber]] = {}
        self._calls: deque[tuple[int, int, bytes, dict[str, Any]]] = deque(maxlen=call_history)
        self._history_floor = seq
        """Calls up to this seq may have left the history: resuming from before it needs a snapshot."""
        self.dropped_slow = 0
        self.delivered_frames = 0
        self.devices: dict[str, dict[str, Any]] = {}
        """The latest state each device reported, by name."""
        self._outbox: list[_Message] = []
        self._turn: asyncio.Handle | None = None
        """Set while deliveries wait in the outbox for the end of the loop turn."""
        self._waited_for_commit = False

    # ------------------------------------------------------------------ clients

    def join(self, subscriber: Subscriber, last_seq: int | None, welcome: dict[str, Any]) -> bool:
        """Send the welcome, missed calls and a snapshot, then subscribe; False if dropped."""
        self._flush()  # what the snapshot already shows must not follow it
        view = subscriber.view
        frames = [
            text_frame(
                {"type": "welcome", "protocol": PROTOCOL_VERSION, "seq": self.seq, **welcome}
            )
        ]
        resumed = last_seq is not None and self._history_floor <= last_seq <= self.seq
        if resumed:
            frames += [
                frame
                for seq, counter, frame, _ in self._calls
                if seq > (last_seq or 0) and view.sees_calls_of(counter)
            ]
        frames.append(text_frame(self.snapshot(view, resumed)))
        for frame in frames:
            if not subscriber.offer(frame):
                self._drop(subscriber)
                return False
        for topic in view.topics():
            self._topics.setdefault(topic, set()).add(subscriber)
        if view.ticket is not None:
            self._citizens.setdefault(view.ticket, set()).add(subscriber)
        return True

    def leave(self, subscriber: Subscriber) -> None:
        for topic in subscriber.view.topics():
            subs = self._topics.get(topic)
            if subs is not None:
                subs.discard(subscriber)
                if not subs:
                    del self._topics[topic]
        ticket = subscriber.view.ticket
        if ticket is not None and ticket in self._citizens:
            self._citizens[ticket].discard(subscriber)
            if not self._citizens[ticket]:
                del self._citizens[ticket]

    def clients(self) -> dict[str, int]:
        """Connected clients per view kind."""
        counts: dict[str, int] = {}
        seen: set[Subscriber] = set()
        for subs in self._topics.values():
            for sub in subs:
                if sub not in seen:
                    seen.add(sub)
                    counts[sub.view.kind] = counts.get(sub.view.kind, 0) + 1
        return counts

    def snapshot(self, view: View, resumed: bool = False) -> dict[str, Any]:
        """The state a client of this view starts from."""
        engine = self.engine
        base: dict[str, Any] = {"type": "snapshot", "seq": self.seq, "resumed": resumed}
        counters = [
            counter_view(engine, c)
            for c in engine.state.counters.values()
            if not view.counters or c.id in view.counters
        ]
        if view.kind == "citizen":
            ticket = engine.state.tickets.get(view.ticket) if view.ticket is not None else None
            base["ticket"] = None if ticket is None else ticket_public(engine, ticket)
            return base
        if view.kind == "kiosk":
            base["services"] = [service_view(engine, s) for s in self.services.values()]
            return base
        if view.kind == "admin":
            base.update(state_snapshot(engine, list(self.services.values()), self.seq))
            base["type"] = "snapshot"
            base["devices"] = list(self.devices.values())
        else:
            base["counters"] = counters
        if view.kind == "staff":
            lines: list[LineKey] = [*view.counters, *view.services]
            base["services"] = [service_view(engine, self.services[s]) for s in view.services]
            base["waiting"] = [waiting_list(engine, line) for line in lines]
        elif view.kind == "hall":
            base["services"] = [service_view(engine, s) for s in self.services.values()]
        base["calls"] = [
            payload for _, counter, _, payload in self._calls if view.sees_calls_of(counter)
        ][-RECENT_CALLS:]
        return base

    # ------------------------------------------------------------------ dispatcher listener

    def __call__(self, first_seq: int, events: Sequence[Event]) -> Callable[[], None]:
        """Project a just-applied batch now; return the delivery to run once it is durable."""
        last_seq = first_seq + len(events) - 1
        if not self._topics and not any(type(e) in _CALL_EVENTS for e in events):
            return functools.partial(setattr, self, "seq", last_seq)  # nobody to tell
        messages, calls = self._project(first_seq, last_seq, events)

        def deliver() -> None:
            self.seq = last_seq
            for call in calls:
                if len(self._calls) == self._calls.maxlen:
                    self._history_floor = self._calls[0][0]
                self._calls.append(call)
            self._post(messages)

        return deliver

    def _project(
        self, first_seq: int, last_seq: int, events: Sequence[Event]
    ) -> tuple[list[_Message], list[tuple[int, int, bytes, dict[str, Any]]]]:
        engine = self.engine
        tickets = engine.state.tickets
        topics = self._topics
        messages: list[_Message] = []
        calls: list[tuple[int, int, bytes, dict[str, Any]]] = []
        counters: set[int] = set()
        lines: set[LineKey] = set()
        touched_tickets: set[int] = set()
        everything = False
        for i, event in enumerate(events):
            kind = type(event)
            if kind is ev.TicketCalled or kind is ev.TicketRecalled:
                assert isinstance(event, ev.TicketCalled | ev.TicketRecalled)
                payload = self._call_payload(first_seq + i, event)
                if payload is not None:
                    frame = text_frame(payload)
                    calls.append((first_seq + i, event.counter, frame, payload))
                    messages.append(((f"calls:{event.counter}", "calls:*"), frame))
            if kind in ev.DEVICE_EVENTS:
                continue  # printed or not, the queue is the same: only the "events" feed
            if kind is ev.DayOpened or kind is ev.DayClosed:
                everything = True
                continue
            if kind is ev.ServiceRated:
                assert isinstance(event, ev.ServiceRated)
                touched_tickets.add(event.ticket)  # its citizen's page and its counter's view
                rated = tickets.get(event.ticket)
                if rated is not None and rated.counter is not None:
                    counters.add(rated.counter)
                continue
            counter = getattr(event, "counter", None)
            if isinstance(counter, int):
                counters.add(counter)
                if kind in (
                    ev.CounterOpened,
                    ev.CounterPaused,
                    ev.CounterResumed,
                    ev.CounterClosed,
                ):
                    state = engine.state.counters.get(counter)
                    if state is not None:
                        lines.update(state.services)
            ticket_id = getattr(event, "ticket", None)
            if isinstance(ticket_id, int):
                touched_tickets.add(ticket_id)
                ticket = tickets.get(ticket_id)
                if ticket is not None:
                    lines.add(ticket.line)
                    if kind is ev.TicketFinished:
                        lines.add(ticket.service)
            if kind is ev.TicketTransferred:
                assert isinstance(event, ev.TicketTransferred)
                if event.to_counter is not None:
                    counters.add(event.to_counter)
        if everything:
            counters.update(engine.state.counters)
            lines.update(self.services)
            lines.update(engine.state.counters)
            touched_tickets.update(self._citizens)
        seq = last_seq
        for counter in sorted(counters):
            if f"counter:{counter}" in topics or "counter:*" in topics:
                state = engine.state.counters.get(counter)
                if state is not None:
                    payload = {
                        "type": "counter",
                        "seq": seq,
                        "counter": counter_view(engine, state),
                    }
                    messages.append(((f"counter:{counter}", "counter:*"), text_frame(payload)))
        for line in lines:
            wanted = f"service:{line}" in topics or "service:*" in topics
            service = self.services.get(line) if wanted and isinstance(line, str) else None
            if service is not None:
                payload = {"type": "service", "seq": seq, "service": service_view(engine, service)}
                messages.append(((f"service:{line}", "service:*"), text_frame(payload)))
            if f"waiting:{line}" in topics or "waiting:*" in topics:
                payload = {"type": "waiting", "seq": seq, "waiting": waiting_list(engine, line)}
                messages.append(((f"waiting:{line}", "waiting:*"), text_frame(payload)))
        if self._citizens:
            messages.extend(self._citizen_messages(seq, lines, touched_tickets))
        if "events" in topics:
            payload = {
                "type": "events",
                "seq": seq,
                "first_seq": first_seq,
                "events": _without_tracking_codes(msgspec.to_builtins(list(events))),
            }
            messages.append((("events",), text_frame(payload)))
        return messages, calls

    def _citizen_messages(
        self, seq: int, lines: set[LineKey], touched: set[int]
    ) -> Iterable[_Message]:
        engine = self.engine
        for ticket_id in self._citizens:
            ticket = engine.state.tickets.get(ticket_id)
            if ticket_id not in touched and (ticket is None or ticket.line not in lines):
                continue
            view = None if ticket is None else ticket_public(engine, ticket)
            if view is None:
                view = {"status": "expired"}
            yield (
                (f"ticket:{ticket_id}",),
                text_frame({"type": "ticket", "seq": seq, "ticket": view}),
            )

    def _call_payload(
        self, seq: int, event: ev.TicketCalled | ev.TicketRecalled
    ) -> dict[str, Any] | None:
        ticket = self.engine.state.tickets.get(event.ticket)
        if ticket is None:
            return None
        return {
            "type": "call",
            "seq": seq,
            "counter": event.counter,
            "number": ticket.number,
            "service": ticket.service,
            "priority": ticket.priority,
            "recall": event.recalls if isinstance(event, ev.TicketRecalled) else 0,
            "at": iso_time(event.at, self.engine.setup.zone),
        }

    # ------------------------------------------------------------------ devices

    def device_changed(self, device: dict[str, Any]) -> None:
        """A device's new state (its view has a unique `name`): keep it, tell admins."""
        self.devices[device["name"]] = device
        if "devices" in self._topics:
            payload = {"type": "device", "seq": self.seq, "device": device}
            self._flush()
            self._send([(("devices",), text_frame(payload))])

    # ------------------------------------------------------------------ fan-out

    def _post(self, messages: list[_Message]) -> None:
        """Send at the end of this loop turn, joined with all else the turn delivers."""
        self._outbox += messages
        if self._turn is None:
            self._turn = asyncio.get_running_loop().call_soon(self._end_turn)

    def _end_turn(self) -> None:
        if not self._waited_for_commit and self._commit_queued():
            # Commands applied meanwhile (presses of a burst) commit next: their calls
            # join this fan-out instead of needing one of their own, which costs a write
            # per display (~1 ms for 100).  Once: a flood never holds the displays back.
            self._waited_for_commit = True
            self._turn = asyncio.get_running_loop().call_soon(self._end_turn)
            return
        self._waited_for_commit = False
        self._turn = None
        self._flush()

    def _flush(self) -> None:
        if self._outbox:
            messages, self._outbox = self._outbox, []
            self._send(messages)

    def _send(self, messages: list[_Message]) -> None:
        """Write each subscriber the frames of this batch meant for it, in order, as one
        write: on loopback a write costs several microseconds in the kernel, far more than
        joining a few frames, and subscribers of one view share the joined bytes."""
        dropped: list[Subscriber] = []
        sent = 0
        for frames, subs in self._recipients(messages):
            data = frames[0] if len(frames) == 1 else b"".join(frames)
            for sub in subs:
                if sub.offer(data):
                    sent += len(frames)
                else:
                    dropped.append(sub)
        self.delivered_frames += sent
        for sub in dropped:
            self._drop(sub)

    def _recipients(self, messages: list[_Message]) -> list[tuple[list[bytes], set[Subscriber]]]:
        """The subscribers in groups that get the same frames, with those frames in order.

        Set operations only: nothing is made per subscriber, so a call to 10,000 displays
        allocates a handful of objects and never sets the garbage collector off (a full
        collection with 10,000 connections open stalls the loop for ~0.4 s)."""
        topics = self._topics
        groups: list[tuple[list[bytes], set[Subscriber]]] = []
        for names, frame in messages:
            subs = [found for name in names if (found := topics.get(name))]
            if not subs:
                continue
            if not groups and len(subs) == 1:
                groups.append(([frame], subs[0]))  # the topic's own set: read, never changed
                continue
            rest = set().union(*subs)
            regrouped: list[tuple[list[bytes], set[Subscriber]]] = []
            for frames, group in groups:
                both = group & rest if rest else rest
                if not both:
                    regrouped.append((frames, group))
                elif len(both) == len(group):
                    regrouped.append(([*frames, frame], group))
                    rest -= both
                else:
                    regrouped += [([*frames, frame], both), (frames, group - both)]
                    rest -= both
            if rest:
                regrouped.append(([frame], rest))
            groups = regrouped
        return groups

    def _drop(self, subscriber: Subscriber) -> None:
        """Too slow or gone: forget it and cut the connection; it will resume from its seq."""
        if subscriber.dropped:
            return
        subscriber.dropped = True
        self.leave(subscriber)
        if not subscriber.transport.is_closing():
            self.dropped_slow += 1
            log.warning("dropping slow websocket client %s", subscriber.name)
        subscriber.transport.abort()


def _without_tracking_codes(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit feed, less each ticket's tracking code: that code is the citizen's (it
    opens their status page and lets them rate the service), not the staff's."""
    for event in events:
        event.pop("tracking_code", None)
    return events
