"""Ticket issue over loopback HTTP: a real server process, the load from another process.

`queue-server run` serves the example ward centre (opening hours not enforced,
the kiosk rate limit raised out of reach, no printers or serial devices, voice
off: the path measured is the queue's) on a free loopback port.  A separate
client process (aiohttp) has `clients` workers each sending
`POST /api/v1/tickets {"service": "HT"}` with a kiosk bearer token, one after
another, each timed from send to the whole answer read; every answer must be
201.  Two ways to connect: keep-alive (one session, connections reused) and one
TCP connection per request (`Connection: close`).  Durability "process" and
"full", one server each.

Goal at 10 clients, durability "process": >= 5,000 tickets/s with p99 <= 5 ms.

CPU columns are the CPU time (user + system, all threads) each process used
during the timed run, over its wall time: a process near 100% is the bottleneck
(the server's event loop and the client are single-threaded).  Server
us/ticket is the server's CPU time per ticket, which does not depend on how
fast the client is.  Other cpu is what the rest of the machine used meanwhile
(every CPU's busy time minus server and client: kernel network work done
outside both, and any other program); more than a few percent means other work
competed for the CPUs and the rates are low for this machine.

    python -m bench.api_issue [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import aiohttp
import msgspec

from queue_server.config import Durability

from .common import (
    BENCH_DIR,
    REPO,
    Figure,
    add_summary_option,
    figure_of,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)
from .server import (
    Server,
    as_load,
    cli,
    cpu_seconds,
    machine_busy_seconds,
    placement,
    token,
    write_config,
)

SERVICE = "HT"
BODY = json.dumps({"service": SERVICE}).encode()
GOAL_CLIENTS = 10
GOAL_RATE = 5_000.0
GOAL_P99_MS = 5.0
REFERENCE = (
    "reference: a Flask-based open-source queue system measured 58-78 tickets/s, "
    "p99 200-333 ms at 10 clients on this kind of machine"
)


# ---------------------------------------------------------------- the client process


class Job(msgspec.Struct, frozen=True):
    """One run, sent to the client process on its stdin."""

    url: str
    token: str
    server_pid: int
    clients: int
    keep_alive: bool
    warmup_requests: int
    warmup_s: float
    requests: int
    seconds: float


class Outcome(msgspec.Struct, frozen=True):
    """What the client process measured in the timed part, on its stdout."""

    latencies_ms: list[float]
    elapsed_s: float
    failures: int
    first_failure: str
    server_cpu_s: float
    client_cpu_s: float
    machine_busy_s: float


class _Phase(NamedTuple):
    latencies_ms: list[float]
    elapsed_s: float
    failures: int
    first_failure: str


async def _phase(
    session: aiohttp.ClientSession, job: Job, headers: Mapping[str, str], limit: int, seconds: float
) -> _Phase:
    """`job.clients` workers, each one request at a time, until `limit` requests or `seconds`."""
    url = job.url + "/api/v1/tickets"
    clock = time.perf_counter
    latencies: list[float] = []
    failures: list[str] = []
    left = [limit]
    deadline = clock() + seconds

    async def worker() -> None:
        while left[0] > 0 and clock() < deadline:
            left[0] -= 1
            t0 = clock()
            try:
                async with session.post(url, data=BODY, headers=headers) as response:
                    answer = await response.read()
                    status = response.status
            except (aiohttp.ClientError, OSError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append((clock() - t0) * 1000)
            if status != 201:
                failures.append(f"{status}: {answer[:300].decode(errors='replace')}")

    started = clock()
    await asyncio.gather(*(worker() for _ in range(job.clients)))
    elapsed = clock() - started
    return _Phase(latencies, elapsed, len(failures), failures[0] if failures else "")


async def _load(job: Job) -> Outcome:
    headers = {"Authorization": f"Bearer {job.token}", "Content-Type": "application/json"}
    if not job.keep_alive:
        headers["Connection"] = "close"
    connector = aiohttp.TCPConnector(limit=0, force_close=not job.keep_alive)
    async with aiohttp.ClientSession(connector=connector) as session:
        warm = await _phase(session, job, headers, job.warmup_requests, job.warmup_s)
        busy = machine_busy_seconds()
        server_cpu, client_cpu = cpu_seconds(job.server_pid), time.process_time()
        timed = await _phase(session, job, headers, job.requests, job.seconds)
        server_cpu = cpu_seconds(job.server_pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        busy = machine_busy_seconds() - busy
    return Outcome(
        latencies_ms=timed.latencies_ms,
        elapsed_s=timed.elapsed_s,
        failures=warm.failures + timed.failures,
        first_failure=warm.first_failure or timed.first_failure,
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
        machine_busy_s=busy,
    )


def client_main() -> None:
    """The load generator's process: a Job on stdin, an Outcome on stdout."""
    as_load()
    job = msgspec.json.decode(sys.stdin.buffer.read(), type=Job)
    outcome = asyncio.run(_load(job))
    sys.stdout.buffer.write(msgspec.json.encode(outcome))


def run_client(job: Job) -> Outcome:
    timeout = job.warmup_s + job.seconds + 60
    result = subprocess.run(
        [sys.executable, "-m", "bench.api_issue", "--client"],
        cwd=REPO,
        input=msgspec.json.encode(job),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"the client process failed ({result.returncode}):\n{result.stderr.decode()}")
    return msgspec.json.decode(result.stdout, type=Outcome)


# ---------------------------------------------------------------- runs


class Plan(NamedTuple):
    durabilities: tuple[Durability, ...]
    clients: tuple[int, ...]
    warmup_requests: int
    warmup_s: float
    requests: int
    seconds: float

    def describe(self) -> str:
        if self.requests < 10**9:
            return f"{self.requests:,} timed requests per run after {self.warmup_requests} warm-up"
        return f"{self.seconds:.0f} s per run after a {self.warmup_s:.1f} s warm-up"


QUICK = Plan(("process",), (1, 10), 40, 10.0, 200, 30.0)
FULL = Plan(("process", "full"), (1, 10, 64), 10**9, 0.5, 10**9, 3.0)
MODES = (("keep-alive", True), ("per-request", False))


class Result(NamedTuple):
    durability: Durability
    clients: int
    mode: str
    outcome: Outcome

    @property
    def rate(self) -> float:
        return len(self.outcome.latencies_ms) / self.outcome.elapsed_s

    @property
    def p99(self) -> float:
        return summarize(self.outcome.latencies_ms).p99

    def row(self) -> list[object]:
        o = self.outcome
        s = summarize(o.latencies_ms)
        tickets = len(o.latencies_ms)
        return [
            self.durability,
            self.clients,
            self.mode,
            tickets,
            round(self.rate),
            s.median,
            s.p99,
            max(o.latencies_ms),
            f"{o.server_cpu_s / o.elapsed_s * 100:.0f}%",
            round(o.server_cpu_s / tickets * 1e6),
            f"{o.client_cpu_s / o.elapsed_s * 100:.0f}%",
            f"{max(0.0, o.machine_busy_s - o.server_cpu_s - o.client_cpu_s) / o.elapsed_s * 100:.0f}%",
        ]


HEADERS = (
    "durability",
    "clients",
    "connection",
    "tickets",
    "tickets/s",
    "p50",
    "p99",
    "max",
    "server cpu",
    "server us/ticket",
    "client cpu",
    "other cpu",
)


def run_durability(work: Path, durability: Durability, plan: Plan) -> list[Result]:
    """One server with this durability; every (clients, connection) run against it in turn."""
    work.mkdir()
    config, db = write_config(work, durability)
    checked = cli("check-config", str(config)).strip()
    out(f"  {durability}: {checked.replace(str(work) + os.sep, '')}")
    kiosk = token(config, db, "kiosk", "bench-kiosk")
    server = Server(config, db, work / "server.log")
    results: list[Result] = []
    try:
        for clients in plan.clients:
            for mode, keep_alive in MODES:
                job = Job(
                    url=server.url,
                    token=kiosk,
                    server_pid=server.pid,
                    clients=clients,
                    keep_alive=keep_alive,
                    warmup_requests=plan.warmup_requests,
                    warmup_s=plan.warmup_s,
                    requests=plan.requests,
                    seconds=plan.seconds,
                )
                outcome = run_client(job)
                if outcome.failures or not outcome.latencies_ms:
                    sys.exit(
                        f"{durability}, {clients} clients, {mode}: {outcome.failures} requests "
                        f"failed; first: {outcome.first_failure}\n{server.log.read_text()}"
                    )
                results.append(Result(durability, clients, mode, outcome))
    finally:
        code = server.stop()
    if code != 0:
        sys.exit(f"the server exited with {code} on SIGTERM:\n{server.log.read_text()}")
    return results


def report(results: Sequence[Result]) -> list[Figure]:
    out("ticket issue over HTTP: latency in ms from send to the whole answer read")
    out(table(HEADERS, [r.row() for r in results]))
    out()
    bound = [
        f"{r.durability}/{r.clients}/{r.mode}"
        for r in results
        if r.outcome.client_cpu_s / r.outcome.elapsed_s >= 0.9
    ]
    if bound:
        out(
            "client cpu >= 90% (the load generator, not the server, limits these runs): "
            + ", ".join(bound)
        )
        out()
    out(
        f'goal at {GOAL_CLIENTS} clients, durability "process": '
        f">= {GOAL_RATE:,.0f} tickets/s and p99 <= {GOAL_P99_MS:.0f} ms"
    )
    figures = []
    goal = f">= {GOAL_RATE:,.0f}/s, p99 <= {GOAL_P99_MS:.0f} ms"
    for r in results:
        if r.clients != GOAL_CLIENTS:
            continue
        name = f"{r.durability}, {r.clients} clients, {r.mode}: {r.rate:,.0f} tickets/s"
        s = summarize(r.outcome.latencies_ms)
        if r.durability == "process":
            met = r.rate >= GOAL_RATE and r.p99 <= GOAL_P99_MS
            out(
                f"  {r.mode:<12} {r.rate:>8,.0f} tickets/s, p99 {r.p99:.2f} ms: "
                f"{'met' if met else 'not met'}"
            )
            figures.append(figure_of("Ticket issue", name, "ms", s, goal, met))
        else:
            figures.append(figure_of("Ticket issue", name, "ms", s))
    out(REFERENCE)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    add_summary_option(parser)
    args = parser.parse_args()
    if args.client:
        client_main()
        return
    plan = QUICK if args.quick else FULL
    started = time.perf_counter()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out(machine_line())
    out(
        f"api issue: POST /api/v1/tickets {BODY.decode()} with a kiosk token to "
        "`queue-server run` on 127.0.0.1, load from a separate process (aiohttp client)"
    )
    out(
        f"clients {', '.join(map(str, plan.clients))} x keep-alive / one connection per "
        f"request; {plan.describe()}"
    )
    out(
        f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
        f"(other work on the machine takes CPU from the server and the client)"
    )
    out(f"cpus: {placement()}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        out(f"event logs under {Path(tmp).relative_to(REPO)}/:")
        for durability in plan.durabilities:
            results += run_durability(Path(tmp) / durability, durability, plan)
    out()
    write_summary(args.summary, report(results))
    out()
    out(f"bench time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
