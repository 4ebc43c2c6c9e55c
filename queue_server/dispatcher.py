"""The one writer: a command goes through the engine, into the log, then out to listeners.

Everything that changes the queue passes here, on the event loop that owns the
engine.  Order of work for each command:

    housekeeping due by now -> decide -> apply -> commit -> publish and answer

Events are applied at once, so the next command decides on them, but nobody
hears of them (no answer, no message) until they are committed.  Commits are
grouped: with durability "process" the commands of one loop turn share one
SQLite transaction written on the loop; with "full" they share one fsync on a
thread (see store/group_commit.py).  Reads that must not see uncommitted state
wait for `settled()`.  If a commit fails, memory is ahead of disk: the
dispatcher refuses every further command, health turns to 503, and the server
must restart, rebuilding its state from the log, which holds exactly what
was acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from .config import CentreConfig
from .engine import Actor, Engine, Event, resume
from .engine.commands import Command
from .engine.events import DayClosed, DayOpened, TicketCalled, TicketRecalled
from .store import EventLog, LoopCommitter, StoreError, ThreadCommitter

log = logging.getLogger(__name__)

Delivery = Callable[[], None]
Listener = Callable[[int, Sequence[Event]], Delivery | None]
"""Called with the seq of the first event and the events right after they are applied,
while the engine's state matches them exactly; returns what to do once they are
durable (send messages), which the dispatcher calls after the commit."""


class Replayed(NamedTuple):
    events: int
    """How many were applied."""
    resumed_from: int
    """The seq of the saved state it started from (0: the start of the log)."""
    last_at: float
    """When the last of them happened (0.0 when none)."""
    saved_at: int
    """The seq of the close whose state it saved for the next time (0: none)."""
    calls: list[tuple[int, TicketCalled | TicketRecalled]]
    """The current day's last calls (CALLS_KEPT at most), oldest first, with their seq:
    the hall displays that come back after a restart are shown them."""
    calls_since: int
    """`calls` holds every call after this seq (the day's start, or before the oldest kept)."""
    requests: dict[tuple[str, str], str]
    """The last request each device that names its requests had run (`Actor.request`),
    by (actor kind, actor id): a resend of it after a restart is answered, not run."""


CALLS_KEPT = 2000


def replay_log(engine: Engine, event_log: EventLog) -> Replayed:
    """Rebuild a fresh engine's state from the log: from the state saved at the last close
    of a day when it fits this configuration, else from the start; then save the state at
    the newest close it applied, for the next time."""
    after, last_at = 0, 0.0
    saved = event_log.resume_point()
    if saved is not None and (at := resume.restore(engine, saved[1])) is not None:
        after, last_at = saved[0], at
    apply = engine.apply
    count = 0
    newest: tuple[int, bytes] | None = None
    calls: deque[tuple[int, TicketCalled | TicketRecalled]] = deque(maxlen=CALLS_KEPT)
    calls_since = after
    requests: dict[tuple[str, str], str] = {}
    for seq, event in event_log.read(after):
        apply(event)
        last_at = event.at
        count += 1
        if request := event.actor.request:
            requests[event.actor.kind, event.actor.id] = request
        kind = type(event)
        if kind is TicketCalled or kind is TicketRecalled:
            calls.append((seq, event))  # type: ignore[arg-type]
        elif kind is DayClosed or kind is DayOpened:
            calls.clear()  # a day's calls are not shown on the next
            calls_since = seq
            if kind is DayClosed and (body := resume.capture(engine, event.at)):
                newest = (seq, body)
    if newest is not None:
        try:
            event_log.save_resume_point(*newest)
        except StoreError as exc:  # only the next start's speed depends on it
            log.warning("the state at seq %d was not saved: %s", newest[0], exc)
            newest = None
    if len(calls) == CALLS_KEPT:
        calls_since = calls[0][0] - 1
    return Replayed(
        count, after, last_at, newest[0] if newest else 0, list(calls), calls_since, requests
    )


def save_state_at_last_close(config: CentreConfig, path: Path) -> int:
    """Replay the log into a fresh engine on a connection of its own, which saves the state
    at its newest close (`replay_log`): for a thread, while the centre goes on, after a day
    closed.  Returns the seq saved at (0: none)."""
    event_log = EventLog(path, config.centre.id, config.store.durability)
    try:
        return replay_log(Engine(config.queue_setup()), event_log).saved_at
    finally:
        event_log.close()


class Dispatcher:
    def __init__(
        self, engine: Engine, event_log: EventLog, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.log = event_log
        self._clock = clock
        self._last_at = 0.0
        self._listeners: list[Listener] = []
        self._committer: LoopCommitter | ThreadCommitter | None = None
        self._last_durable: asyncio.Future[None] | None = None
        self.failure: StoreError | None = None
        self.resumed_from = 0
        """The seq of the saved state the last replay started from (0: the log's start)."""
        self.replayed_calls: list[tuple[int, TicketCalled | TicketRecalled]] = []
        """The day's calls the last replay found (`Replayed.calls`)."""
        self.replayed_calls_since = 0
        self.replayed_requests: dict[tuple[str, str], str] = {}
        """The last request of each device that names them (`Replayed.requests`)."""

    def replay(self) -> int:
        """Rebuild the engine's state from the log (`replay_log`); returns how many events
        were applied."""
        replayed = replay_log(self.engine, self.log)
        self.resumed_from = replayed.resumed_from
        self._last_at = max(self._last_at, replayed.last_at)
        self.replayed_calls = replayed.calls
        self.replayed_calls_since = replayed.calls_since
        self.replayed_requests = replayed.requests
        return replayed.events

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def start(self) -> None:
        """Choose how commits are grouped; "full" starts the fsync thread."""
        if self._committer is None:
            kind = ThreadCommitter if self.log.durability == "full" else LoopCommitter
            self._committer = kind(self.log, asyncio.get_running_loop())

    def stop(self) -> None:
        if self._committer is not None:
            self._committer.close()
            self._committer = None

    def commit_queued(self) -> bool:
        """Whether a grouped commit will run on the loop before a callback queued now (the
        hub lets it go first, so that its calls share the fan-out already due)."""
        return self._committer is not None and self._committer.queued

    def now(self) -> float:
        """Wall-clock time, never earlier than the last event (clocks step back)."""
        self._last_at = max(self._clock(), self._last_at)
        return self._last_at

    async def execute(self, command: Command, actor: Actor) -> list[Event]:
        """Run a command; returns its events once committed.  Raises CommandRejected."""
        if self.failure is not None:
            raise self.failure
        at = self.now()
        due = self.engine.housekeeping(at)
        if due:
            await self._commit(due)
        events = self.engine.decide(command, at, actor)
        if events:  # a command may find nothing to do (signing out of a counter taken since)
            await self._commit(events)
        return events

    async def record(self, events: list[Event]) -> None:
        """Commit facts that are not the engine's decisions (a ticket was printed) the same
        way as its events: in order, durable, then published.  Stamp them with `now()`."""
        if self.failure is not None:
            raise self.failure
        await self._commit(events)

    async def housekeep(self) -> list[Event]:
        """Commit what time alone has caused (a new day, no-shows back in line)."""
        if self.failure is not None:
            return []
        due = self.engine.housekeeping(self.now())
        if due:
            await self._commit(due)
        return due

    async def settled(self) -> None:
        """Wait until everything applied is also committed (a read barrier)."""
        if self._last_durable is not None and not self._last_durable.done():
            await asyncio.shield(self._last_durable)

    async def _commit(self, events: list[Event]) -> None:
        if self._committer is None:
            self.start()
        assert self._committer is not None
        deliveries: list[Delivery] = []

        def on_committed(error: StoreError | None) -> None:
            """Publish at once, on the loop, in seq order, whether or not anyone still
            waits: the caller may have been cancelled, the displays must hear anyway."""
            if error is not None:
                if self.failure is None:
                    log.critical("event log write failed, state is ahead of disk: %s", error)
                self.failure = error
                return
            for deliver in deliveries:
                try:
                    deliver()
                except Exception:  # a listener's bug must not undo a committed command
                    log.exception("delivery of events from seq %d failed", first)

        # Numbered first: if the log refuses, nothing has been applied.  The commit runs in
        # a later loop turn, so `deliveries` is filled by the time `on_committed` reads it.
        first, durable = self._committer.submit(events, on_committed)
        self.engine.apply_all(events)
        deliveries += self._prepare(first, events)
        self._last_durable = durable
        await durable

    def _prepare(self, first: int, events: Sequence[Event]) -> list[Delivery]:
        deliveries = []
        for listener in self._listeners:
            try:
                deliver = listener(first, events)
            except Exception:
                log.exception("listener %r failed on events from seq %d", listener, first)
                continue
            if deliver is not None:
                deliveries.append(deliver)
        return deliveries
