"""The fan-out: typed messages, encoded once, written to every subscribed client.

Why it is shaped this way:

* Messages are made right after the engine applied a batch (live/projection.py),
  while its state matches the batch exactly, and written only once the batch is durable.
* Each message is encoded once, as a complete websocket frame (server frames
  are unmasked, so the bytes are the same for every client), and that one
  bytes object is written to every subscribed transport.  No per-client JSON.
  The encoder is the `/ws` transport's (web/hub_socket.py): the hub knows nothing of
  websocket framing.
  When a batch makes several messages (a call and the counter's new state), each
  client gets the frames meant for it joined into one write: one system call per
  client, not per message (bench/fanout.py).  Deliveries wait for the end of the
  loop turn that made them (one more turn, a few microseconds) and go out joined:
  a burst of NEXT presses committed together costs each display one write, not one
  per press (bench/next_to_display.py: p2p bursts' p99 8.4 -> 6.7 ms).
* A client's bounded buffer is its transport's write buffer plus the kernel's send
  buffer, which the transport caps (web/hub_socket.py `own_share`): each subscriber
  gets the part of the hub's `max_buffer_bytes` the kernel does not hold.  A client
  whose next write would pass it is dropped on the spot (the connection is reset);
  nobody waits for it.  It resumes from its last seq when it reconnects.
* Calls are momentary, so the hub keeps the recent call frames and replays the
  ones a reconnecting client missed.  Everything else is state: a client gets
  a fresh snapshot on every hello.
* Device states (a printer out of paper) are not events: devices report them,
  the hub keeps the latest per device and tells admin views as they change
  ("device" messages, stamped with the current seq) and in their snapshot; a kiosk's
  (whether it can print) goes to its own page and to the staff too.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec

from devices.sockets import reset

from ..engine import Event
from ..engine import events as ev
from .messages import Call, DayChange, DeviceUpdate, Welcome
from .projection import Projection
from .topics import View, device_topics

log = logging.getLogger(__name__)

Encoder = Callable[[msgspec.Struct], bytes]
"""A message -> the whole frame that carries it, ready for any client's transport."""
Frames = tuple[tuple[str, ...], bytes]
"""An encoded message and the topics it goes to."""
_KEPT_EVENTS = (ev.TicketCalled, ev.TicketRecalled, ev.DayOpened, ev.DayClosed)
"""Projected even when nobody listens: calls are kept for displays that reconnect, and a
new day clears them."""


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
        """Write a frame unless the client is gone or would be too far behind with it;
        False means drop it.  The frame counts: the bound holds after the write too."""
        transport = self.transport
        if (
            transport.is_closing()
            or transport.get_write_buffer_size() + len(frame) > self.max_buffer
        ):
            return False
        transport.write(frame)
        return True


class Hub:
    """Dispatcher listener and websocket fan-out."""

    def __init__(
        self,
        projection: Projection,
        encode: Encoder,
        *,
        max_buffer_bytes: int = 256 * 1024,
        call_history: int = 2000,
        seq: int = 0,
        commit_queued: Callable[[], bool] = lambda: False,
    ) -> None:
        self.projection = projection
        self.encode = encode
        self._commit_queued = commit_queued
        """Whether a commit is next in the loop's queue (`Dispatcher.commit_queued`)."""
        self.max_buffer_bytes = max_buffer_bytes
        self.seq = seq
        self._topics: dict[str, set[Subscriber]] = {}
        self._citizens: dict[int, set[Subscriber]] = {}
        self._calls: deque[tuple[Call, bytes]] = deque(maxlen=call_history)
        self._history_floor = seq
        """Calls up to this seq may have left the history: resuming from before it needs a snapshot."""
        self.dropped_slow = 0
        self.delivered_frames = 0
        self.devices: dict[str, dict[str, Any]] = {}
        """The latest state each device reported, by name."""
        self._outbox: list[Frames] = []
        self._turn: asyncio.Handle | None = None
        """Set while deliveries wait in the outbox for the end of the loop turn."""
        self._waited_for_commit = False

    def restore_calls(self, calls: Iterable[Call], complete_since: int) -> None:
        """After a restart: the day's calls found in the log, oldest first, so a display
        that comes back is shown them (and, with a `last_seq` after `complete_since`,
        is replayed those it missed)."""
        for call in calls:
            self._calls.append((call, self.encode(call)))
        self._history_floor = complete_since

    # ------------------------------------------------------------------ clients

    def join(self, subscriber: Subscriber, last_seq: int | None, welcome: Welcome) -> bool:
        """Send the welcome, missed calls and a snapshot, then subscribe; False if dropped."""
        self._flush()  # what the snapshot already shows must not follow it
        view = subscriber.view
        encode = self.encode
        frames = [encode(msgspec.structs.replace(welcome, seq=self.seq))]
        resumed = last_seq is not None and self._history_floor <= last_seq <= self.seq
        if resumed:
            frames += [
                frame
                for call, frame in self._calls
                if call.seq > (last_seq or 0) and view.sees_calls_of(call.counter)
            ]
        snapshot = self.projection.snapshot(
            view,
            self.seq,
            resumed,
            calls=(call for call, _ in self._calls),
            devices=self.devices.values(),
        )
        frames.append(encode(snapshot))
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

    # ------------------------------------------------------------------ dispatcher listener

    def __call__(self, first_seq: int, events: Sequence[Event]) -> Callable[[], None]:
        """Project a just-applied batch now; return the delivery to run once it is durable."""
        last_seq = first_seq + len(events) - 1
        if not self._topics and not any(type(e) in _KEPT_EVENTS for e in events):
            return functools.partial(setattr, self, "seq", last_seq)  # nobody to tell
        encode = self.encode
        messages: list[Frames] = []
        calls: list[tuple[Call, bytes]] = []
        new_day = False
        for topics, message in self.projection.batch(
            first_seq, events, self._topics, self._citizens
        ):
            frame = encode(message)
            messages.append((topics, frame))
            if type(message) is Call:
                calls.append((message, frame))
            elif type(message) is DayChange:
                new_day = True

        def deliver() -> None:
            self.seq = last_seq
            if new_day:
                # Yesterday's calls are not replayed to a display that comes back, nor
                # put in a snapshot: a new day numbers from A001 again.
                self._calls.clear()
                self._history_floor = last_seq
            for call in calls:
                if len(self._calls) == self._calls.maxlen:
                    self._history_floor = self._calls[0][0].seq
                self._calls.append(call)
            self._post(messages)

        return deliver

    # ------------------------------------------------------------------ devices

    def device_changed(self, device: dict[str, Any]) -> None:
        """A device's new state (its view has a unique `name`): keep it, tell admins (and,
        for a kiosk, its page and the staff)."""
        self.devices[device["name"]] = device
        topics = device_topics(device)
        if any(topic in self._topics for topic in topics):
            frame = self.encode(DeviceUpdate(seq=self.seq, device=device))
            self._flush()
            self._send([(topics, frame)])

    # ------------------------------------------------------------------ fan-out

    def _post(self, messages: list[Frames]) -> None:
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

    def _send(self, messages: list[Frames]) -> None:
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

    def _recipients(self, messages: list[Frames]) -> list[tuple[list[bytes], set[Subscriber]]]:
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
        # A reset, not a FIN behind the backlog: a display that reads slowly learns at
        # its next read that it was dropped, and comes back for what it missed.
        reset(subscriber.transport)
