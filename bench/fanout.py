"""One call to 1,000 and to 10,000 idle hall displays: time to the last delivery, and what
an idle display costs the server in memory.

`queue-server run` (QUEUE_SERVER_TRACE on, see queue_server/trace.py) serves the example
centre.  Client processes open hall-display websockets on loopback and say hello; once
every one has its snapshot they sit idle (answering the server's pings).  First 1,000
displays (4 processes), then 9,000 more (4 more processes): after each step the server's
resident memory (VmRSS from /proc) is read, and one NEXT is called over HTTP.  The call's
time runs from the server's commit (the trace's `committed_ns`: the commit is done and
delivery begins) to the moment each display process read the call; the last of them is
the figure.  All processes read CLOCK_MONOTONIC.  Memory per idle display is the
growth of VmRSS over the server's before any display connected, divided by their number.

The display clients speak the websocket protocol by hand (handshake, masked hello,
unmasked server frames, pong to ping): the `websockets` library would cost each client
process more CPU per message than the server spends per display, and on 2 CPUs that
would time the clients; they run at nice 10 (bench/server.py: NICE_CLIENTS), on every
CPU: 10,000 displays read on one CPU while the server has the other are slower than the
server (the last display at ~190 ms against ~100 ms unpinned), so the figure would be
theirs, not the server's.  Open
files: the limit is raised to the hard limit (`ulimit -Hn`) for the server and the clients.

Goal: the last of 10,000 displays has the call within 50 ms; <= 10 KiB per idle display.
The kernel floor is printed beside it: what 10,000 plain `socket.send()` calls cost on
this machine's loopback, where each send also runs the receiver's TCP path.

`--tracemalloc` runs the server with QUEUE_SERVER_TRACEMALLOC and prints which lines
allocated what the idle displays hold (slow; not part of `make bench`).

    python -m bench.fanout [--quick] [--summary FILE] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import struct
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import aiohttp

from .common import (
    BENCH_DIR,
    REPO,
    Figure,
    Summary,
    add_summary_option,
    figure_of,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)
from .server import (
    NICE_CLIENTS,
    Raw,
    Server,
    as_load,
    placement,
    raise_open_files,
    token,
    write_config,
)

PIN = False
"""Not bench/server.py's CPU placement (see above)."""
GOAL_LAST_MS = 50.0
GOAL_KIB = 10.0
PROCESSES_PER_STEP = 4
CONNECTING_AT_ONCE = 50
"""Per client process: handshakes in flight (the server's listen backlog is 128)."""


# ---------------------------------------------------------------------- client process


class Display(asyncio.Protocol):
    """A hall display that says hello, waits for its snapshot, then notes every call."""

    def __init__(self, request: bytes, hello: bytes, ready: asyncio.Future[None]) -> None:
        self.request, self.hello, self.ready = request, hello, ready
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.calls: list[tuple[int, bytes]] = []
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        at = time.monotonic_ns()
        buffer = self.buffer + data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self._fail(buffer[:200].decode(errors="replace"))
                return
            self.upgraded = True
            buffer = buffer[end + 4 :]
            self._send(0x1, self.hello)
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            if len(buffer) < start + length:
                break
            payload = buffer[start : start + length]
            buffer = buffer[start + length :]
            if opcode == 0x1:
                if payload.startswith(b'{"type":"call"'):
                    self.calls.append((at, payload))
                elif not self.ready.done() and b'"type":"snapshot"' in payload:
                    self.ready.set_result(None)
            elif opcode == 0x9:
                self._send(0xA, payload)
            elif opcode == 0x8:
                self._fail("closed by the server")
        self.buffer = buffer

    def _send(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload))) + mask + masked)

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(why))
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"connection lost: {exc}"))


async def clients_main(url: str, hall_token: str, count: int) -> None:
    """`count` displays; "ready" once all have their snapshot; on "report" on stdin, the
    calls they read since the last report (JSON); on "stop", close and exit."""
    raise_open_files(count + 100)
    as_load(NICE_CLIENTS, pin=PIN)
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    hello = json.dumps({"type": "hello", "protocol": 1, "role": "display", "token": hall_token})
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def open_one() -> Display:
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        async with gate:
            ready: asyncio.Future[None] = loop.create_future()
            _, display = await loop.create_connection(
                lambda: Display(request, hello.encode(), ready), host, port
            )
            await asyncio.wait_for(ready, 30)
        return display

    displays = await asyncio.gather(*(open_one() for _ in range(count)))
    print("ready", flush=True)
    while True:
        command = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if command == "report":
            calls = []
            for display in displays:
                calls += [(at, json.loads(raw)["seq"]) for at, raw in display.calls]
                display.calls = []
            closed = sum(1 for d in displays if d.closed)
            print(json.dumps({"calls": calls, "closed": closed}), flush=True)
        else:
            break
    for display in displays:
        if display.transport is not None:
            display.transport.close()


# ---------------------------------------------------------------------- parent


class Clients:
    """Client processes holding idle displays."""

    def __init__(self) -> None:
        self.processes: list[asyncio.subprocess.Process] = []
        self.count = 0

    async def add(self, url: str, hall: str, count: int, processes: int) -> None:
        started = []
        for n in _split(count, processes):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.fanout",
                "--clients",
                url,
                hall,
                str(n),
                cwd=REPO,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=1 << 26,
            )
            self.processes.append(process)
            started.append(process)
        for process in started:
            if (await _line(process, 300)) != "ready":
                raise RuntimeError("a client process did not get ready")
        self.count += count

    async def report(self) -> tuple[list[tuple[int, int]], int]:
        """Every call read since the last report: (time, seq); and how many were closed."""
        calls: list[tuple[int, int]] = []
        closed = 0
        for process in self.processes:
            _tell(process, "report")
            answer = json.loads(await _line(process, 60))
            calls += [(at, seq) for at, seq in answer["calls"]]
            closed += answer["closed"]
        return calls, closed

    async def stop(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                try:
                    _tell(process, "stop")
                except (BrokenPipeError, ConnectionResetError):
                    process.kill()
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


def _split(count: int, parts: int) -> list[int]:
    parts = max(1, min(parts, count))
    return [count // parts + (1 if i < count % parts else 0) for i in range(parts)]


async def _line(process: asyncio.subprocess.Process, within: float) -> str:
    assert process.stdout is not None
    raw = await asyncio.wait_for(process.stdout.readline(), within)
    if not raw:
        raise RuntimeError(f"a client process ended (exit {await process.wait()})")
    return raw.decode().strip()


def _tell(process: asyncio.subprocess.Process, text: str) -> None:
    assert process.stdin is not None
    process.stdin.write(text.encode() + b"\n")


class Step(NamedTuple):
    displays: int
    kib_each: float
    rss_mib: float
    connect_s: float
    delivery: Summary
    """Commit -> each display has the call, ms."""
    write_ms: float
    """Commit -> the hub has written the call to every display's transport."""
    missing: int


async def _settled_rss(server: Server) -> int:
    """VmRSS once the server is idle again (the last connections' work done)."""
    await asyncio.sleep(1.0)
    return server.rss_kib()


def room_for(displays: int) -> Callable[[Raw], None]:
    """Every display connects from this machine's one address: the connection caps
    (`[security] max_connections`, `_per_address`: 2000 and 600 in a centre) must admit
    them all, or the bench measures refusals."""

    def edit(raw: Raw) -> None:
        cap = displays + 100  # the NEXT's HTTP connection and some slack
        raw["security"].update(max_connections=cap, max_connections_per_address=cap)

    return edit


async def run(sizes: Sequence[int], work: Path, snapshots: str | None = None) -> list[Step]:
    config, db = write_config(work, edit=room_for(max(sizes)))
    hall, admin = token(config, db, "display", "hall"), token(config, db, "admin", "bench")
    trace = work / "trace.json"
    env = {"QUEUE_SERVER_TRACE": str(trace)}
    if snapshots is not None:
        env["QUEUE_SERVER_TRACEMALLOC"] = snapshots
    server = Server(config, db, work / "server.log", env=env, pin=PIN)
    clients = Clients()
    warm = Clients()
    steps: list[tuple[int, float, int]] = []
    rounds: list[tuple[list[tuple[int, int]], int]] = []
    try:
        async with aiohttp.ClientSession(
            server.url, headers={"Authorization": f"Bearer {admin}"}
        ) as http:
            async with http.post("/api/v1/counters/1/open") as response:
                assert response.status == 200, await response.text()
            for _ in range(len(sizes) + 2):
                async with http.post("/api/v1/tickets", json={"service": "HT"}) as response:
                    assert response.status == 201, await response.text()
            # Warm up: every code path of a display's life once, then gone.
            await warm.add(server.ws_url, hall, 20, 1)
            await _call(http)
            await warm.report()
            await warm.stop()
            before = await _settled_rss(server)
            if snapshots is not None:
                server.process.send_signal(signal.SIGUSR1)
                await asyncio.sleep(3)
            for size in sizes:
                started = time.monotonic()
                await clients.add(server.ws_url, hall, size - clients.count, PROCESSES_PER_STEP)
                connect_s = time.monotonic() - started
                rss = await _settled_rss(server)
                if snapshots is not None:
                    server.process.send_signal(signal.SIGUSR1)
                    await asyncio.sleep(3 + size / 1000)
                steps.append((size, connect_s, rss))
                await _call(http)
                await asyncio.sleep(1.0 + size / 10_000)
                rounds.append(await clients.report())
    finally:
        await clients.stop()
        await warm.stop()
        server.stop_cleanly()
    calls = json.loads(trace.read_text())["calls"][1:]  # the first was the warm-up's
    results = []
    for (size, connect_s, rss), (seen, closed), call in zip(steps, rounds, calls, strict=True):
        seq, committed = call["seq"], call["committed_ns"]
        delivery = [(at - committed) / 1e6 for at, s in seen if s == seq]
        if not delivery:
            raise RuntimeError(f"no display read call {seq}")
        results.append(
            Step(
                displays=size,
                kib_each=(rss - before) / size,
                rss_mib=rss / 1024,
                connect_s=connect_s,
                delivery=summarize(delivery),
                write_ms=(call["written_ns"] - committed) / 1e6,
                missing=size - len(delivery) + closed,
            )
        )
    return results


async def _call(http: aiohttp.ClientSession) -> None:
    async with http.post("/api/v1/counters/1/next") as response:
        assert response.status == 200, await response.text()


def report(steps: Sequence[Step]) -> list[Figure]:
    out("one call to N idle hall displays: ms from the server's commit")
    rows = [
        [
            s.displays,
            s.connect_s,
            s.write_ms,
            s.delivery.median,
            s.delivery.p99,
            s.delivery.max,
            s.missing,
            s.rss_mib,
            s.kib_each,
        ]
        for s in steps
    ]
    headers = ("displays", "connect s", "hub wrote", "p50", "p99", "last", "missing")
    out(table((*headers, "server MiB", "KiB each"), rows))
    out("  hub wrote: commit -> the call written to every display's transport")
    out("  p50/p99/last: commit -> a display process has read it")
    out("  KiB each: server VmRSS growth over no displays, per idle display")
    out()
    figures: list[Figure] = []
    largest = steps[-1]
    for step in steps:
        last_met = step.delivery.max <= GOAL_LAST_MS and not step.missing
        kib_met = step.kib_each <= GOAL_KIB
        goal_last = f"last <= {GOAL_LAST_MS:.0f} ms at 10,000"
        judged = step is largest and step.displays >= 10_000
        figures.append(
            figure_of(
                "Fan-out",
                f"{step.displays:,} displays: commit -> display",
                "ms",
                step.delivery,
                goal_last if judged else "",
                last_met if judged else None,
            )
        )
        figures.append(
            Figure(
                "Fan-out",
                f"{step.displays:,} displays: memory per idle display",
                "KiB",
                max=step.kib_each,
                goal=f"<= {GOAL_KIB:.0f} KiB",
                met=kib_met,
            )
        )
    out(
        f"goal: the last of 10,000 within {GOAL_LAST_MS:.0f} ms: measured "
        f"{largest.delivery.max:.1f} ms at {largest.displays:,}"
    )
    out(
        f"goal: <= {GOAL_KIB:.0f} KiB per idle display: measured {largest.kib_each:.1f} KiB "
        f"at {largest.displays:,}"
    )
    return figures


def send_floor(connections: int, frame_bytes: int = 300, rounds: int = 3) -> float:
    """us per plain `socket.send` of one small frame to each of `connections` loopback TCP
    connections, nobody reading (best of `rounds`): what the kernel alone costs per
    display, below which no server in any language goes on this machine's loopback."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=connections)
    port = listener.getsockname()[1]
    pairs: list[tuple[socket.socket, socket.socket]] = []
    try:
        for _ in range(connections):
            client = socket.create_connection(("127.0.0.1", port))
            server, _address = listener.accept()
            server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pairs.append((server, client))
        frame = b"x" * frame_bytes
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for server, _client in pairs:
                server.send(frame)
            best = min(best, (time.perf_counter_ns() - start) / connections / 1e3)
            for _server, client in pairs:
                client.recv(65536)
        return best
    finally:
        for server, client in pairs:
            server.close()
            client.close()
        listener.close()


def report_floor(quick: bool) -> Figure:
    connections = 50 if quick else 2_000
    us_each = send_floor(connections)
    floor_ms = us_each * 10_000 / 1e3
    out(
        f"kernel floor: one socket.send() per display on loopback costs {us_each:.1f} us "
        f"(best of 3 rounds over {connections:,} connections, nobody reading), so "
        f"{floor_ms:.0f} ms for 10,000 displays before any Python runs"
    )
    return Figure("Fan-out", "kernel floor: 10,000 x socket.send()", "ms", max=floor_ms)


def allocations(prefix: str, count: int) -> None:
    """What the idle displays hold: the snapshot before them against the one after."""
    before = tracemalloc.Snapshot.load(f"{prefix}.1")
    after = tracemalloc.Snapshot.load(f"{prefix}.2")
    keep = tracemalloc.Filter(False, tracemalloc.__file__)
    stats = after.filter_traces([keep]).compare_to(before.filter_traces([keep]), "lineno")
    total = sum(s.size_diff for s in stats)
    out(f"Python allocations held per idle display (tracemalloc, {count:,} displays):")
    out(f"  total {total / count / 1024:.2f} KiB each; by package:")
    by_package: dict[str, int] = {}
    for stat in stats:
        parts = Path(stat.traceback[0].filename).parts
        package = next((p for p in ("aiohttp", "asyncio", "queue_server") if p in parts), "other")
        by_package[package] = by_package.get(package, 0) + stat.size_diff
    for package, size in sorted(by_package.items(), key=lambda item: -item[1]):
        out(f"  {size / count:8.0f} B  {package}")
    out("  by line:")
    for stat in stats[:25]:
        if stat.size_diff <= 0:
            continue
        frame = stat.traceback[0]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        out(f"  {stat.size_diff / count:8.0f} B {stat.count_diff / count:5.1f} blocks  {where}")


async def main_async(quick: bool, snapshots: bool) -> list[Figure]:
    sizes = (50,) if quick else (1_000, 10_000)
    if snapshots:
        sizes = (1_000,)
    limit = raise_open_files(max(sizes) + 1024)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out(machine_line())
    out(
        f"fan-out: `queue-server run`, idle hall displays in {PROCESSES_PER_STEP} client "
        f"processes per step at nice {NICE_CLIENTS}, one NEXT over HTTP per step; "
        f"open files limit {limit:,}"
    )
    out(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    out(f"cpus: {placement(PIN)}")
    out()
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        prefix = str(Path(tmp) / "malloc") if snapshots else None
        steps = await run(sizes, Path(tmp), prefix)
        figures = report(steps)
        out()
        figures.append(report_floor(quick))
        if prefix is not None:
            out()
            allocations(prefix, sizes[0])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 displays, for the smoke test")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="where an idle display's memory goes"
    )
    parser.add_argument("--clients", nargs=3, metavar=("URL", "TOKEN", "N"), help=argparse.SUPPRESS)
    add_summary_option(parser)
    args = parser.parse_args()
    if args.clients:
        url, hall, count = args.clients
        asyncio.run(clients_main(url, hall, int(count)))
        return
    figures = asyncio.run(main_async(args.quick, args.tracemalloc))
    write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
