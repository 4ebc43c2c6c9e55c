"""Booking ahead when a day opens: 1,000 citizens race for its slots over loopback HTTP.

`queue-server run` serves the example ward centre (the booking limits per address
raised out of reach, places per slot raised so the day holds a few hundred, check-in
open days ahead so booked codes can be checked in now, no devices, voice off) on a
free loopback port.  This process is the load: `clients` aiohttp workers on one
keep-alive session take citizens from a queue; each citizen (their own phone
number) picks a service and a slot at random and books it with
`POST /api/v1/appointments`; on `slot_full` they try the next slot, until booked or
the service's day is full.  Every request is timed from send to the whole answer read.

Then the slots are read back: 0 overbooked means no slot holds more bookings than
its capacity and the places taken equal the bookings answered 201.  Last, the same
number of booked codes are checked in and as many walk-in tickets issued with a kiosk
token, 10 clients keep-alive: check-in should cost what issuing a ticket costs.

Goal (issue 17), 10 clients keep-alive: >= 2,000 bookings/s, p99 <= 10 ms, 0 overbooked.

    python -m bench.booking [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp

from .common import (
    BENCH_DIR,
    Figure,
    add_summary_option,
    figure_of,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)
from .server import Raw, Server, token, write_config

CLIENTS = 10
GOAL_RATE = 2_000.0
GOAL_P99_MS = 10.0
PER_SLOT = 16
"""Places asked per slot (each service's counters may cap it; max_share 1.0): about
900 places on a weekday, so 1,000 citizens really race and many meet slot_full."""


class Plan(NamedTuple):
    citizens: int
    check_ins: int


QUICK = Plan(citizens=100, check_ins=20)
FULL = Plan(citizens=1_000, check_ins=300)


def _edit(raw: Raw) -> None:
    raw["security"].update(
        bookings_per_minute=1e9,
        booking_burst=10**9,
        status_requests_per_minute=1e9,
        status_burst=10**9,
    )
    rules = raw["appointments"]
    rules.update(enabled=True, per_slot=PER_SLOT, max_share=1.0, early_minutes=8 * 24 * 60)


class Timed(NamedTuple):
    latencies_ms: list[float]
    elapsed_s: float


class Race(NamedTuple):
    day: str
    places: int
    booked: list[str]
    refused: Counter[str]
    requests: Timed
    booked_per_slot: Counter[tuple[str, str]]


async def _day_to_race(
    session: aiohttp.ClientSession, url: str
) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """The first day after today with the most slots (a weekday), and its slots per service."""
    async with session.get(f"{url}/api/v1/centre") as response:
        centre = await response.json()
    rules = centre["appointments"]
    services = [code for code, places in rules["places"].items() if places > 0]
    today = date.fromisoformat(rules["today"])
    best: tuple[int, str, dict[str, list[dict[str, Any]]]] = (-1, "", {})
    for ahead in range(1, rules["days_ahead"] + 1):
        day = (today + timedelta(days=ahead)).isoformat()
        slots = {}
        for service in services:
            query = f"{url}/api/v1/appointments/slots?service={service}&date={day}"
            async with session.get(query) as response:
                slots[service] = [s for s in (await response.json())["slots"] if s["free"] > 0]
        count = sum(len(s) for s in slots.values())
        if count > best[0]:
            best = (count, day, slots)
    return best[1], best[2]


async def race(url: str, citizens: int) -> Race:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        day, slots = await _day_to_race(session, url)
        places = sum(s["free"] for service in slots.values() for s in service)
        rng = random.Random(17)
        queue = list(range(citizens))
        latencies: list[float] = []
        booked: list[str] = []
        refused: Counter[str] = Counter()
        per_slot: Counter[tuple[str, str]] = Counter()
        clock = time.perf_counter

        async def citizen(n: int) -> None:
            service = rng.choice(sorted(slots))
            starts = [s["start"] for s in slots[service]]
            first = rng.randrange(len(starts))
            for i in range(len(starts)):
                start = starts[(first + i) % len(starts)]
                body = {"service": service, "start": start, "phone": f"09{n:08d}", "lang": "vi"}
                t0 = clock()
                async with session.post(f"{url}/api/v1/appointments", json=body) as response:
                    answer = await response.json()
                    status = response.status
                latencies.append((clock() - t0) * 1000)
                if status == 201:
                    booked.append(answer["code"])
                    per_slot[(service, start)] += 1
                    return
                code = answer["error"]["code"]
                refused[code] += 1
                if code != "slot_full":
                    sys.exit(f"citizen {n}: {status} {answer}")
            refused["day_full"] += 1

        async def worker() -> None:
            while queue:
                await citizen(queue.pop())

        started = clock()
        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        elapsed = clock() - started
        return Race(day, places, booked, refused, Timed(latencies, elapsed), per_slot)


async def overbooked(url: str, result: Race, services: list[str]) -> int:
    """Slots holding more than their capacity, or whose places taken differ from the
    bookings answered 201 (both must be 0)."""
    wrong = 0
    async with aiohttp.ClientSession() as session:
        for service in services:
            query = f"{url}/api/v1/appointments/slots?service={service}&date={result.day}"
            async with session.get(query) as response:
                for slot in (await response.json())["slots"]:
                    taken = result.booked_per_slot[(service, slot["start"])]
                    if taken > slot["capacity"] or slot["capacity"] - slot["free"] != taken:
                        wrong += 1
    return wrong


async def timed_posts(url: str, token_: str, paths: list[str], bodies: list[object]) -> Timed:
    """Each path POSTed once with a kiosk token by 10 keep-alive workers; every answer 201."""
    headers = {"Authorization": f"Bearer {token_}"}
    jobs = list(zip(paths, bodies, strict=True))
    latencies: list[float] = []
    clock = time.perf_counter
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker() -> None:
            while jobs:
                path, body = jobs.pop()
                t0 = clock()
                async with session.post(url + path, json=body, headers=headers) as response:
                    answer = await response.read()
                    if response.status != 201:
                        sys.exit(f"{path}: {response.status} {answer[:300]!r}")
                latencies.append((clock() - t0) * 1000)

        started = clock()
        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        return Timed(latencies, clock() - started)


def row(name: str, count: int, timed: Timed) -> list[object]:
    s = summarize(timed.latencies_ms)
    return [name, count, round(count / timed.elapsed_s), s.median, s.p99, s.max]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    add_summary_option(parser)
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    started = time.perf_counter()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out(machine_line())
    out(
        f"booking race: {plan.citizens:,} citizens, {CLIENTS} clients keep-alive, "
        "POST /api/v1/appointments to `queue-server run` on 127.0.0.1 (load from this process)"
    )
    out(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        work = Path(tmp)
        config, db = write_config(work, "process", _edit)
        kiosk = token(config, db, "kiosk", "bench-kiosk")
        server = Server(config, db, work / "server.log")
        try:
            result = asyncio.run(race(server.url, plan.citizens))
            services = sorted({service for service, _ in result.booked_per_slot})
            wrong = asyncio.run(overbooked(server.url, result, services))
            codes = result.booked[: plan.check_ins]
            check_ins = asyncio.run(
                timed_posts(
                    server.url,
                    kiosk,
                    [f"/api/v1/appointments/{code}/check-in" for code in codes],
                    [{} for _ in codes],
                )
            )
            issues = asyncio.run(
                timed_posts(
                    server.url,
                    kiosk,
                    ["/api/v1/tickets"] * len(codes),
                    [{"service": "HT"} for _ in codes],
                )
            )
        finally:
            code = server.stop()
        if code != 0:
            sys.exit(f"the server exited with {code}:\n{server.log.read_text()}")
    figures = report(result, wrong, check_ins, issues, len(codes))
    write_summary(args.summary, figures)
    out()
    out(f"bench time {time.perf_counter() - started:.1f} s")


def report(result: Race, wrong: int, check_ins: Timed, issues: Timed, count: int) -> list[Figure]:
    requests = result.requests
    booked = len(result.booked)
    out(f"day raced for: {result.day}, {result.places:,} places in its slots")
    out(
        f"booked {booked:,}, refused "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(result.refused.items()))
        + f"; overbooked slots: {wrong}"
    )
    out("latency in ms from send to the whole answer read")
    headers = ("requests", "count", "per s", "p50", "p99", "max")
    out(
        table(
            headers,
            [
                row("book (every answer)", len(requests.latencies_ms), requests),
                row("check-in (kiosk)", count, check_ins),
                row("issue a ticket (kiosk)", count, issues),
            ],
        )
    )
    rate = len(requests.latencies_ms) / requests.elapsed_s  # every booking answered, 201 or 409
    p99 = summarize(requests.latencies_ms).p99
    met = rate >= GOAL_RATE and p99 <= GOAL_P99_MS and wrong == 0
    out(
        f"bookings answered/s {rate:,.0f} ({booked / requests.elapsed_s:,.0f} booked/s), "
        f"p99 {p99:.2f} ms, {wrong} overbooked: goal "
        f">= {GOAL_RATE:,.0f}/s, p99 <= {GOAL_P99_MS:.0f} ms, 0 overbooked: "
        f"{'met' if met else 'not met'}"
    )
    goal = f">= {GOAL_RATE:,.0f}/s, p99 <= {GOAL_P99_MS:.0f} ms, 0 overbooked"
    return [
        figure_of(
            "Booking race",
            f"{CLIENTS} clients keep-alive: {rate:,.0f} bookings answered/s, {wrong} overbooked",
            "ms",
            summarize(requests.latencies_ms),
            goal,
            met,
        ),
        figure_of("Booking race", "check-in at a kiosk", "ms", summarize(check_ins.latencies_ms)),
        figure_of(
            "Booking race", "issue a ticket at a kiosk", "ms", summarize(issues.latencies_ms)
        ),
    ]


if __name__ == "__main__":
    main()
