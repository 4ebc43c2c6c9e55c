"""Group commit: the commands that arrive together share one transaction.

Both committers number events at `submit` and hand back a future that
resolves once the events are committed, so the dispatcher has one path.  Each
batch also carries a callback run on the loop the moment its commit is done, in
seq order, before any waiting task wakes: the dispatcher publishes there, so a
call reaches the displays a loop turn sooner, and still reaches them when the
task that issued the command was cancelled meanwhile (a client hung up).

After a failed commit, both refuse every later batch, submitted or still pending: a
later batch may build on the lost one (a call of the ticket it issued), and committed
without it, it would leave a log that no longer replays.

* `LoopCommitter` ("process" durability): the commit is a plain write to the OS
  (tens of microseconds), done on the loop itself once per loop turn, for
  everything submitted during that turn.  One transaction for ten commands
  costs little more than for one.
* `ThreadCommitter` ("full" durability): every commit waits for an fsync, which
  takes milliseconds, so it runs on a thread, and whatever arrives meanwhile
  shares the next fsync.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

from ..engine.events import Event
from .eventlog import EventLog, Row, StoreError

OnCommitted = Callable[[StoreError | None], None]
"""Told, on the loop, that the batch is committed (None) or why it is not."""
Pending = list[tuple[list[Row], "asyncio.Future[None]", OnCommitted | None]]


class LoopCommitter:
    """Commits on the loop, once per loop turn, whatever was submitted in that turn."""

    def __init__(self, log: EventLog, loop: asyncio.AbstractEventLoop) -> None:
        self._log = log
        self._loop = loop
        self._pending: Pending = []
        self._failed: StoreError | None = None

    @property
    def queued(self) -> bool:
        """A commit waits in the loop's ready queue: it runs before any callback queued now."""
        return bool(self._pending)

    def submit(
        self, events: Sequence[Event], on_committed: OnCommitted | None = None
    ) -> tuple[int, asyncio.Future[None]]:
        if self._failed is not None:
            raise self._failed
        first, rows = self._log.number(events)
        future: asyncio.Future[None] = self._loop.create_future()
        if not self._pending:
            self._loop.call_soon(self._commit)
        self._pending.append((rows, future, on_committed))
        return first, future

    def _commit(self) -> None:
        batch, self._pending = self._pending, []
        error = self._failed
        if error is None:
            try:
                self._log.write_rows([row for rows, _, _ in batch for row in rows])
            except StoreError as exc:
                error = self._failed = exc
        _resolve(batch, error)

    def close(self) -> None:
        if self._pending:
            self._commit()


class ThreadCommitter:
    """Owns the log's writes on one thread; `submit` returns a future per batch."""

    def __init__(self, log: EventLog, loop: asyncio.AbstractEventLoop) -> None:
        self._log = log
        self._loop = loop
        self._cond = threading.Condition()
        self._pending: Pending = []
        self._closing = False
        self._failed: StoreError | None = None
        """Set by the thread, read under the condition's lock."""
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    queued = False
    """Commits end on the thread, at a time the loop cannot wait for in a turn."""

    def submit(
        self, events: Sequence[Event], on_committed: OnCommitted | None = None
    ) -> tuple[int, asyncio.Future[None]]:
        """Number the events now; the future resolves once they are on disk."""
        future: asyncio.Future[None] = self._loop.create_future()
        with self._cond:
            if self._failed is not None:
                raise self._failed
            if self._closing:
                raise StoreError("the event log is closing")
            first, rows = self._log.number(events)
            self._pending.append((rows, future, on_committed))
            self._cond.notify()
        return first, future

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                batch, self._pending = self._pending, []
                if not batch and self._closing:
                    return
            rows = [row for rows, _, _ in batch for row in rows]
            error = self._failed
            if error is None:
                try:
                    self._log.write_rows(rows)
                except StoreError as exc:
                    with self._cond:
                        error = self._failed = exc
            try:
                self._loop.call_soon_threadsafe(_resolve, batch, error)
            except RuntimeError:  # the loop is gone: nobody is waiting any more
                return

    def close(self) -> None:
        """Write what is pending, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()


def _resolve(batch: Pending, error: StoreError | None) -> None:
    for _, _, on_committed in batch:
        if on_committed is not None:
            on_committed(error)
    for _, future, _ in batch:
        if future.done():  # its task was cancelled; on_committed has published anyway
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
