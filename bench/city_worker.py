"""One process of `bench.city`: its share of the centres, each a real SQLite event log
fed by a busy centre (`city_feed.py`) and a real `Shipper` sending it to PostgreSQL.

It notes, per commit, when the log committed it, and, per batch the shipper sends, when
PostgreSQL answered the INSERT (the rows are visible from then on): the lag of an event
is the second minus the first.  The one intrusion: `send` is wrapped to note that time.

The main process steers the phases through a pipe (`Worker.serve`): a steady feed, an
outage (a backlog written while PostgreSQL is stopped), the catch-up, the end.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import psycopg

from queue_server.city import shipper as shipper_module
from queue_server.city.rows import Batch
from queue_server.city.shipper import Shipper
from queue_server.config import CentreConfig
from queue_server.store import EventLog

from .city_feed import BusyCentre
from .common import bench_config

BURST = 10.0
"""A burst multiplies the peak rate by this."""


class Feed(msgspec.Struct, frozen=True):
    """The offered load, per centre."""

    peak: float
    """Events per second outside bursts."""
    burst_s: float
    burst_every_s: float

    @property
    def mean(self) -> float:
        share = self.burst_s / self.burst_every_s
        return self.peak * (1 - share + BURST * share)


class CentreSpec(NamedTuple):
    centre_id: str
    dsn: str
    seed: int


_visible: dict[str, list[tuple[int, float]]] = {}
"""Per centre: (last seq of a batch, when PostgreSQL answered its INSERT), in order."""


def _note_visible(send: Callable[..., Any]) -> Callable[..., Any]:
    async def timed(db: psycopg.AsyncConnection[Any], rows: Batch) -> int:
        added = await send(db, rows)
        _visible.setdefault(rows.centre_id[0], []).append((rows.last_seq, time.time()))
        return int(added)

    return timed


shipper_module.send = _note_visible(shipper_module.send)  # type: ignore[attr-defined]


class SimulatedCentre:
    def __init__(self, spec: CentreSpec, config: CentreConfig, folder: Path) -> None:
        self.id = spec.centre_id
        self.log = EventLog(folder / f"{spec.centre_id}.sqlite3", spec.centre_id)
        self.shipper = Shipper(spec.dsn, spec.centre_id, config.zone, self.log.path, 0)
        self.busy = BusyCentre(config, spec.seed)
        self.rng = random.Random(spec.seed)
        self.burst_phase = self.rng.random()
        self.commits: list[tuple[int, int, float]] = []
        """(first seq, last seq, when committed) of every commit."""

    def commit(self) -> int:
        """The next command's events, committed as the dispatcher does; how many."""
        events = self.busy.next_events(time.time())
        delivered = self.shipper.on_commit(self.log.last_seq + 1, events)
        first = self.log.append(events)
        delivered()
        self.commits.append((first, self.log.last_seq, time.time()))
        return len(events)

    def rate(self, feed: Feed, now: float) -> float:
        in_cycle = (now / feed.burst_every_s + self.burst_phase) % 1.0
        return feed.peak * (BURST if in_cycle * feed.burst_every_s < feed.burst_s else 1.0)

    async def feed(self, feed: Feed, seconds: float) -> None:
        """Commit at the offered rate (Poisson, with bursts) for `seconds`."""
        clock = time.monotonic
        end = clock() + seconds
        due = clock() + self.rng.expovariate(feed.peak)
        while due < end:
            wait = due - clock()
            if wait > 0:
                await asyncio.sleep(wait)
            count = self.commit()
            due += sum(self.rng.expovariate(self.rate(feed, time.time())) for _ in range(count))

    def visible_at(self, seq: int, after: float = 0.0) -> float | None:
        """When PostgreSQL first held `seq` (answered after `after`), or None."""
        for last, at in _visible.get(self.id, []):
            if last >= seq and at >= after:
                return at
        return None

    def lags(self, since: float) -> list[float]:
        """Seconds from commit to visible of every event committed since `since`."""
        noted = _visible.get(self.id, [])
        lasts = [last for last, _ in noted]
        for i in range(1, len(lasts)):  # a resent batch must not hide a later one
            lasts[i] = max(lasts[i], lasts[i - 1])
        result = []
        for first, last, committed in self.commits:
            if committed < since:
                continue
            i = bisect.bisect_left(lasts, last)
            if i < len(noted):
                result += [noted[i][1] - committed] * (last - first + 1)
        return result

    @property
    def caught_up(self) -> bool:
        return self.shipper.shipped_seq == self.log.last_seq


class Worker:
    def __init__(self, specs: list[CentreSpec], folder: Path, feed: Feed) -> None:
        config = bench_config()
        self.centres = [SimulatedCentre(spec, config, folder) for spec in specs]
        self.feed = feed
        self._pipe_reader = ThreadPoolExecutor(1)

    async def serve(self, pipe: Connection) -> None:
        loop = asyncio.get_running_loop()
        for centre in self.centres:
            centre.commit()  # the counters open
            await centre.shipper.start()
        await self._until_caught_up(60.0)
        pipe.send(("ready", None))
        while True:
            command, argument = await loop.run_in_executor(self._pipe_reader, pipe.recv)
            if command == "stop":
                break
            answer = await getattr(self, command)(argument)
            pipe.send((command, answer))
        for centre in self.centres:
            await centre.shipper.stop()
            centre.log.close()
        pipe.send(("stopped", {c.id: c.log.last_seq for c in self.centres}))

    async def _until_caught_up(self, longest_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(longest_s):
                while not all(c.caught_up for c in self.centres):  # noqa: ASYNC110
                    await asyncio.sleep(0.02)  # the shipper has no event for it
                return True
        return False

    async def steady(self, plan: tuple[float, float]) -> dict[str, Any]:
        """Feed for `seconds`; the lags of the events committed after `warm_up`."""
        seconds, warm_up = plan
        started = time.time()
        await asyncio.gather(*(c.feed(self.feed, seconds) for c in self.centres))
        caught_up = await self._until_caught_up(60.0)
        lags = [lag for c in self.centres for lag in c.lags(started + warm_up)]
        return {"lags": lags, "caught_up": caught_up}

    async def outage(self, per_centre: int) -> dict[str, Any]:
        """PostgreSQL is down: each centre commits `per_centre` events as fast as it can
        (the outage's events, compressed in time), then the live feed goes on."""
        started = time.time()
        for centre in self.centres:
            written = 0
            while written < per_centre:
                written += centre.commit()
                await asyncio.sleep(0)  # the shippers' retries run meanwhile, as in a centre
        self.targets = {c.id: c.log.last_seq for c in self.centres}
        self.backlog = {c.id: c.log.last_seq - (c.shipper.shipped_seq or 0) for c in self.centres}
        self.live = asyncio.gather(*(c.feed(self.feed, 3600.0) for c in self.centres))
        return {"seconds": time.time() - started, "backlog": sum(self.backlog.values())}

    async def catch_up(self, postgres_up_at: float) -> dict[str, Any]:
        """PostgreSQL is back: when each centre's backlog became visible; the feed goes on
        meanwhile, then stops."""
        deadline = time.monotonic() + 300.0
        done: dict[str, float] = {}
        while len(done) < len(self.centres) and time.monotonic() < deadline:
            for centre in self.centres:
                if centre.id not in done:
                    at = centre.visible_at(self.targets[centre.id], postgres_up_at)
                    if at is not None:
                        done[centre.id] = at
            await asyncio.sleep(0.05)
        self.live.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.live
        firsts = [
            at
            for c in self.centres
            for last, at in _visible.get(c.id, [])
            if at >= postgres_up_at and last > self.targets[c.id] - self.backlog[c.id]
        ]
        await self._until_caught_up(60.0)
        return {"done": done, "first": min(firsts, default=None)}


def run(specs: list[CentreSpec], folder: Path, feed: Feed, pipe: Connection) -> None:
    """A worker process's entry point.  The links' expected warnings (down during the
    outage) stay out of the output; an error still shows."""
    logging.getLogger("queue_server.city").setLevel(logging.ERROR)
    asyncio.run(Worker(specs, folder, feed).serve(pipe))
