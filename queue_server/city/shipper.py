"""The shipper: the centre's committed events, copied to the city's PostgreSQL.

It never delays a commit, a call or a display.  The dispatcher only tells it that a
commit happened (a flag and an `asyncio.Event`); it reads the events back from the log
on a thread (`log_reader.py`), at most `batch_size` at a time, and sends each batch as
one INSERT on its own task and connection (psycopg's async API).  The log is the
backlog, so a slow or absent PostgreSQL costs the centre nothing but lag.

Idempotent: a batch sent twice (a reply lost, a kill between the INSERT and the next
read) adds nothing, by `ON CONFLICT DO NOTHING` on the key (centre_id, seq, at).  It
resumes from the highest seq PostgreSQL holds for the centre, retries with backoff
while PostgreSQL is down and catches up when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import psycopg

from .central import last_seq, send
from .log_reader import LogReader
from .rows import batch

log = logging.getLogger(__name__)

LinkState = Literal["connecting", "up", "down", "refused"]
DEVICE_NAME = "city-link"
BATCH_SIZE = 500
"""Events in memory at most, and per INSERT: about 200 kB of JSON."""
FIRST_RETRY_S = 0.1
MAX_RETRY_S = 5.0
IDLE_CHECK_S = 5.0
"""With nothing to send, the link is checked this often, so the admin page sees it drop."""
STATEMENT_TIMEOUT_S = 30.0
LINGER_S = 0.05
"""Woken by a commit, the shipper waits this long for more before it reads: one INSERT
for a burst instead of one per ticket, which keeps its CPU off the centre's (the city's
goal is a lag under 1 s)."""


class NotThisLog(Exception):
    """The city holds more of this centre than its log: another log under the same id.
    Shipping it would mix two histories, so the link refuses until people decide."""


class Shipper:
    """A `Component` of the centre (start/stop) and a dispatcher listener (`on_commit`)."""

    def __init__(
        self,
        dsn: str,
        centre_id: str,
        zone: ZoneInfo,
        log_path: Path,
        committed_seq: int,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.dsn, self.centre_id, self.zone = dsn, centre_id, zone
        self.reader = LogReader(log_path)
        self.batch_size = batch_size
        self.committed_seq = committed_seq
        """The log's last committed seq, as the dispatcher's deliveries tell it."""
        self.shipped_seq: int | None = None
        """The highest seq PostgreSQL holds for the centre; None until first asked."""
        self.state: LinkState = "connecting"
        self.detail = ""
        self.shipped_events = 0
        self.refused_batches = 0
        self._applied_seq = committed_seq
        self._behind_since: float | None = None
        self._retry = FIRST_RETRY_S
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watchers: list[Callable[[dict[str, Any]], None]] = []

    # ------------------------------------------------------------------ the dispatcher's side

    def on_commit(self, first_seq: int, events: Sequence[object]) -> Callable[[], None]:
        """Dispatcher listener: note the seqs; wake the task once they are committed."""
        self._applied_seq = first_seq + len(events) - 1
        return self._committed

    def _committed(self) -> None:
        self.committed_seq = self._applied_seq
        if self._behind_since is None:
            self._behind_since = time.time()
        self._wake.set()

    # ------------------------------------------------------------------ what others read

    @property
    def lag_events(self) -> int:
        return max(0, self.committed_seq - (self.shipped_seq or 0))

    @property
    def lag_seconds(self) -> float:
        """The age of the oldest event PostgreSQL has not got (0 when caught up)."""
        if self.lag_events == 0 or self._behind_since is None:
            return 0.0
        return max(0.0, time.time() - self._behind_since)

    def status(self) -> dict[str, Any]:
        """For /metrics, read when scraped."""
        return {
            "up": self.state == "up",
            "state": self.state,
            "lag_events": self.lag_events,
            "lag_seconds": self.lag_seconds,
            "shipped_events": self.shipped_events,
            "refused_batches": self.refused_batches,
        }

    def device_state(self) -> dict[str, Any]:
        """The city link as the admin page's devices show it."""
        return {
            "name": DEVICE_NAME,
            "kind": DEVICE_NAME,
            "up": self.state == "up",
            "state": self.state,
            "centre_id": self.centre_id,
            "lag_events": self.lag_events,
            "detail": self.detail,
        }

    def on_change(self, watcher: Callable[[dict[str, Any]], None]) -> None:
        self._watchers.append(watcher)

    def _set_state(self, state: LinkState, detail: str = "") -> None:
        if (state, detail) == (self.state, self.detail):
            return
        self.state, self.detail = state, detail
        for watcher in self._watchers:
            watcher(self.device_state())

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="city shipper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self.reader.close)

    async def _run(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.dsn, autocommit=True, connect_timeout=10
                ) as db:
                    await self._ship(db)
            except psycopg.errors.InsufficientPrivilege as exc:
                self.refused_batches += 1
                self._refused(exc)
            except NotThisLog as exc:
                self._refused(exc)
            except (psycopg.OperationalError, OSError, TimeoutError) as exc:
                if self.state != "down":
                    log.warning("city link down, retrying with backoff: %s", _oneline(exc))
                self._set_state("down", _oneline(exc))
            except psycopg.Error as exc:
                self._refused(exc)
            except Exception as exc:  # the log unreadable, a bug: say it, keep trying
                log.exception("the city shipper failed")
                self._set_state("down", _oneline(exc))
            await asyncio.sleep(self._retry)
            self._retry = min(self._retry * 2, MAX_RETRY_S)

    def _refused(self, exc: Exception) -> None:
        if self.state != "refused":
            log.error(
                "the city's PostgreSQL refuses centre %r's events: %s (docs/city.md: the "
                "centre's role and [city] centre_id)",
                self.centre_id,
                _oneline(exc),
            )
        self._set_state("refused", _oneline(exc))

    async def _ship(self, db: psycopg.AsyncConnection[Any]) -> None:
        """Resume from what PostgreSQL holds, then send every committed event as it comes."""
        async with asyncio.timeout(STATEMENT_TIMEOUT_S):
            shipped = await last_seq(db, self.centre_id)
        if self.shipped_seq is None or shipped != self.shipped_seq:
            log.info("city link: PostgreSQL holds centre %r up to seq %d", self.centre_id, shipped)
        in_log = await asyncio.to_thread(self.reader.last_seq)
        if shipped > in_log:
            raise NotThisLog(
                f"the city holds seq {shipped} for centre {self.centre_id!r} but this log ends "
                f"at {in_log}: a new log under an old centre id? (docs/city.md)"
            )
        self.shipped_seq = shipped
        if self.state != "refused":
            self._set_state("up")
        while True:
            self._wake.clear()
            rows = await asyncio.to_thread(self.reader.read, shipped, self.batch_size)
            if not rows:
                self._behind_since = None
                self._set_state("up")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IDLE_CHECK_S):
                        await self._wake.wait()
                        await asyncio.sleep(LINGER_S)
                        continue
                async with asyncio.timeout(STATEMENT_TIMEOUT_S):
                    await db.execute("SELECT 1")  # still there?
                continue
            self._behind_since = rows[0].at
            self.committed_seq = max(self.committed_seq, rows[-1].seq)
            async with asyncio.timeout(STATEMENT_TIMEOUT_S):
                self.shipped_events += await send(db, batch(self.centre_id, self.zone, rows))
            shipped = self.shipped_seq = rows[-1].seq
            self._retry = FIRST_RETRY_S
            self._set_state("up")


def _oneline(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
