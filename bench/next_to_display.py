"""NEXT on a keypad -> the call on every hall display, with the server and the load apart.

Processes, as in a centre:
* the server: `queue-server run` with 30 counters (the example centre's 10, three
  times over: each service is served by 3 to 12 of them), each with a call keypad;
* the keypads: a child process running the emulator (devices/keypad/emulator.py) on
  pseudo-terminals, paced at the baud rate: all 30 on ONE RS-485 line at 115200 baud
  (polled), then, in a second run, each alone on its own point-to-point line;
* 100 hall displays: `websockets` clients spread over 4 child processes, at nice 10
  (bench/server.py: NICE_CLIENTS) so that they do not preempt the server they measure;
  with 2 CPUs or more, the server has CPU 0 and every load process the others
  (bench/server.py: PIN_CPUS; BENCH_PIN=0 to share them).

Presses of NEXT come staggered (one every 10-50 ms on a random keypad), then in bursts
(15 keypads at the same instant, every 0.4 s); a keypad is never pressed again before
its last call went out.  Every process reads the same clock (CLOCK_MONOTONIC, through
`time.monotonic_ns()`), so a press is timed from its key going down in the keypad
process to the call read by each display process: press -> display, over every display
x press.  The server records its own part with QUEUE_SERVER_TRACE (queue_server/trace.py):
from the moment its serial reader had the press frame to the moment the hub had written
the call to the last display's transport.  Goal: server-side p99 <= 2 ms.

Where the rest goes (the breakdown table):
  poll wait   key down -> the keypad's frame starts on the wire (RS-485: the next poll)
  wire        frame start -> the server's reader has it (frame time, pty, wake-up)
  to engine   reader -> the engine has applied the call (decode, ACK, task, engine)
  commit      applied -> commit done (the loop turn's group commit, SQLite)
  fan-out     commit done -> written to every display's transport
  to display  written -> a display process has read it (loopback, client wake-up)

    python -m bench.next_to_display [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp

from .common import (
    BENCH_DIR,
    EXAMPLE,
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
from .server import NICE_CLIENTS, Raw, Server, as_load, placement, token, write_config

BAUD = 115200
GOAL_SERVER_P99_MS = 2.0
SAME_KEYPAD_GAP_S = 0.25
"""A keypad is pressed again only after this long (its last call is out well before)."""
MODES = {"rs485": "keypad-rs485", "p2p": "keypad-p2p"}


class Plan(NamedTuple):
    keypads: int
    displays: int
    display_processes: int
    staggered: int
    gap_s: tuple[float, float]
    bursts: int
    burst_size: int
    burst_every_s: float


FULL = Plan(30, 100, 4, 300, (0.010, 0.050), 20, 15, 0.4)
QUICK = Plan(3, 5, 1, 6, (0.020, 0.060), 2, 3, 0.3)

Schedule = list[tuple[float, list[int], str]]
"""(seconds from the start, keypads pressed at that instant, "staggered" or "burst")"""


def schedule(plan: Plan, seed: int = 7) -> Schedule:
    rng = random.Random(seed)
    keypads = list(range(1, plan.keypads + 1))
    last = dict.fromkeys(keypads, -1.0)
    presses: Schedule = []
    at = 0.0
    for _ in range(plan.staggered):
        at += rng.uniform(*plan.gap_s)
        free = [k for k in keypads if at - last[k] >= SAME_KEYPAD_GAP_S]
        while not free:
            at += 0.01
            free = [k for k in keypads if at - last[k] >= SAME_KEYPAD_GAP_S]
        keypad = rng.choice(free)
        last[keypad] = at
        presses.append((at, [keypad], "staggered"))
    at += 0.5
    for _ in range(plan.bursts):
        at += plan.burst_every_s
        presses.append((at, sorted(rng.sample(keypads, plan.burst_size)), "burst"))
    return presses


# ---------------------------------------------------------------------- child: keypads


def keypads_child(mode: str, count: int) -> None:
    """Emulated keypads on ptys.  Prints the ports as JSON; reads the schedule as JSON on
    stdin, presses NEXT on time, waits for every answer; prints what happened as JSON."""
    from devices.keypad.emulator import PtyWire
    from devices.keypad.frames import Cmd, Frame
    from devices.keypad.keypad import KeypadDevice

    as_load()  # keypads are hardware: not nicer, which would slow the emulated wire

    sent: dict[int, list[int]] = defaultdict(list)
    """Per keypad: when each press's frame first started on the wire, ns."""
    seqs: dict[int, int] = {}

    def on_sent(keypad: int) -> Any:
        def noted(_device: KeypadDevice, frame: Frame, started: float) -> None:
            if seqs.get(keypad) != frame.seq:  # a retransmission is the same press
                seqs[keypad] = frame.seq
                sent[keypad].append(int(started * 1e9))

        return noted

    devices: dict[int, KeypadDevice] = {}
    wires: dict[int, PtyWire] = {}
    if mode == "rs485":
        bus = {a: KeypadDevice(a, polled=True) for a in range(1, count + 1)}
        wire = PtyWire(bus.values(), BAUD, on_press_sent=_by_address(on_sent))
        devices, wires = bus, dict.fromkeys(bus, wire)
    else:
        for keypad in range(1, count + 1):
            devices[keypad] = KeypadDevice(1, polled=False)
            wires[keypad] = PtyWire([devices[keypad]], BAUD, on_press_sent=on_sent(keypad))
    ports = []
    for wire in dict.fromkeys(wires.values()):
        wire.start()
        ports.append(wire.slave_path)
    print(json.dumps(ports), flush=True)
    plan: Schedule = json.loads(sys.stdin.readline())
    down: list[tuple[int, int]] = []
    start = time.monotonic() + 0.1
    for offset, keypads, _phase in plan:
        delay = start + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        for keypad in keypads:
            down.append((keypad, time.monotonic_ns()))
            wires[keypad].press(devices[keypad].address, Cmd.NEXT)
    wanted = {keypad: sum(1 for k, _ in down if k == keypad) for keypad in devices}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the answers come in the emulator's thread
        if all(len(devices[k].answers) >= n for k, n in wanted.items()):
            break
        time.sleep(0.01)
    errors = [a.error for d in devices.values() for a in d.answers if a.error is not None]
    unanswered = sum(max(0, n - len(devices[k].answers)) for k, n in wanted.items())
    for wire in dict.fromkeys(wires.values()):
        wire.stop()
    result = {"down": down, "sent": sent, "errors": errors, "unanswered": unanswered}
    print(json.dumps(result), flush=True)


def _by_address(on_sent: Any) -> Any:
    """One bus, many keypads: route each press to its keypad's record."""
    routes: dict[int, Any] = {}

    def noted(device: Any, frame: Any, started: float) -> None:
        if device.address not in routes:
            routes[device.address] = on_sent(device.address)
        routes[device.address](device, frame, started)

    return noted


# ---------------------------------------------------------------------- child: displays


async def displays_child(url: str, hall_token: str, count: int) -> None:
    """`count` hall displays (`websockets` clients).  Prints "ready" once each has its
    snapshot; on "stop" on stdin, prints every call each display read, with the time."""
    from websockets.asyncio.client import ClientConnection, connect

    as_load(NICE_CLIENTS)
    hello = json.dumps({"type": "hello", "protocol": 1, "role": "display", "token": hall_token})

    async def open_one() -> ClientConnection:
        ws = await connect(url, compression=None, ping_interval=None, max_queue=None)
        await ws.send(hello)
        while json.loads(await ws.recv())["type"] != "snapshot":
            pass
        return ws

    connections = await asyncio.gather(*(open_one() for _ in range(count)))
    seen: list[list[tuple[int, bytes]]] = [[] for _ in connections]

    async def read(ws: ClientConnection, calls: list[tuple[int, bytes]]) -> None:
        clock = time.monotonic_ns
        while True:
            raw = await ws.recv(decode=False)
            at = clock()
            if raw.startswith(b'{"type":"call"'):
                calls.append((at, raw))

    readers = [asyncio.create_task(read(ws, s)) for ws, s in zip(connections, seen, strict=True)]
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)
    calls = []
    for display, records in enumerate(seen):
        for at, raw in records:
            message = json.loads(raw)
            calls.append((display, message["seq"], message["counter"], at))
    print(json.dumps(calls), flush=True)


# ---------------------------------------------------------------------- parent


async def _child(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.next_to_display",
        *args,
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 26,  # the results come back as one JSON line
    )


async def _line(process: asyncio.subprocess.Process, within: float = 60) -> str:
    assert process.stdout is not None
    raw = await asyncio.wait_for(process.stdout.readline(), within)
    if not raw:
        raise RuntimeError(f"a child process ended (exit {await process.wait()})")
    return raw.decode()


async def _tell(process: asyncio.subprocess.Process, text: str) -> None:
    assert process.stdin is not None
    process.stdin.write(text.encode() + b"\n")
    await process.stdin.drain()


def counter_services(keypads: int) -> dict[int, list[str]]:
    """Counters 1..N serving what the example centre's 10 counters serve, in turn (HT and
    CT at 1-3, 9, 10, then 11-13, ...): each call changes the waiting count of the
    counters that share its service, not of all of them."""
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["counters"]
    counters = max(keypads, len(example))  # every service served, even with few keypads
    return {k: list(example[(k - 1) % len(example)]["services"]) for k in range(1, counters + 1)}


def _centre(mode: str, ports: list[str], keypads: int) -> Any:
    """Counters 1..N as `counter_services`; keypad N at counter N."""

    def edit(raw: Raw) -> None:
        services = counter_services(keypads)
        lines: list[dict[str, Any]]
        raw["counters"] = [{"id": k, "services": services[k]} for k in services]
        if mode == "rs485":
            pads = [{"address": k, "counter": k} for k in range(1, keypads + 1)]
            lines = [
                {"name": "keypads", "port": ports[0], "protocol": MODES[mode], "keypads": pads}
            ]
        else:
            lines = [
                {
                    "name": f"keypad-{k}",
                    "port": port,
                    "protocol": MODES[mode],
                    "keypads": [{"address": 1, "counter": k}],
                }
                for k, port in enumerate(ports, 1)
            ]
        for line in lines:
            line["baud"] = BAUD
        raw["devices"] = {"serial_lines": lines}

    return edit


def tickets_for(presses: Schedule, keypads: int) -> list[str]:
    """Enough tickets that every press calls one: a counter's presses (and two more) in its
    first service, which it always calls first."""
    services = counter_services(keypads)
    count = dict.fromkeys(range(1, keypads + 1), 2)
    for _, pressed, _ in presses:
        for keypad in pressed:
            count[keypad] += 1
    return [services[k][0] for k, n in count.items() for _ in range(n)]


async def _prepare(server: Server, admin: str, keypads: int, tickets: list[str]) -> None:
    """Open every counter, issue the tickets the presses will call, wait for the keypads."""
    headers = {"Authorization": f"Bearer {admin}"}
    async with aiohttp.ClientSession(server.url, headers=headers) as http:
        for counter in range(1, keypads + 1):
            async with http.post(f"/api/v1/counters/{counter}/open") as response:
                assert response.status == 200, await response.text()
        for service in tickets:
            async with http.post("/api/v1/tickets", json={"service": service}) as response:
                assert response.status == 201, await response.text()
        deadline = time.monotonic() + 20
        while True:
            async with http.get("/metrics") as response:
                text = await response.text()
            online = sum(
                int(float(line.rsplit(" ", 1)[1]))
                for line in text.splitlines()
                if line.startswith("queue_keypads_online{")
            )
            if online >= keypads:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {online} of {keypads} keypads are online")
            await asyncio.sleep(0.1)


class Run(NamedTuple):
    mode: str
    presses: int
    displays: int
    e2e: dict[str, Summary]
    """press -> display, ms: "all", "staggered", "burst"."""
    server: dict[str, Summary]
    """reader -> written, ms: "all", "staggered", "burst"."""
    counts: dict[str, int]
    """Presses of each kind."""
    stages: dict[str, Summary]
    """The breakdown, ms."""
    missing: int
    errors: int


async def run_mode(mode: str, plan: Plan, work: Path) -> Run:
    presses = schedule(plan)
    keypads = await _child("--keypads", mode, str(plan.keypads))
    try:
        ports: list[str] = json.loads(await _line(keypads))
        config, db = write_config(work, edit=_centre(mode, ports, plan.keypads))
        hall, admin = token(config, db, "display", "hall"), token(config, db, "admin", "bench")
        trace = work / "trace.json"
        server = Server(config, db, work / "server.log", env={"QUEUE_SERVER_TRACE": str(trace)})
        displays: list[asyncio.subprocess.Process] = []
        try:
            await _prepare(server, admin, plan.keypads, tickets_for(presses, plan.keypads))
            per = [plan.displays // plan.display_processes] * plan.display_processes
            per[0] += plan.displays - sum(per)
            for n in per:
                displays.append(await _child("--displays", server.ws_url, hall, str(n)))
            for display in displays:
                assert (await _line(display)).strip() == "ready"
            await _tell(keypads, json.dumps(presses))
            pressed = json.loads(await _line(keypads, within=presses[-1][0] + 30))
            await asyncio.sleep(0.3)  # the last calls reach the displays
            seen: list[list[Any]] = []
            for number, display in enumerate(displays):
                await _tell(display, "stop")
                calls = json.loads(await _line(display))
                seen += [[number * 1000 + d, *rest] for d, *rest in calls]
                await display.wait()
        finally:
            await _end(displays)
            server.stop_cleanly()
    finally:
        await _end([keypads])
    trace_calls = json.loads(trace.read_text())["calls"]
    return analyse(mode, presses, pressed, trace_calls, seen, plan.displays)


async def _end(processes: Sequence[asyncio.subprocess.Process]) -> None:
    for process in processes:
        if process.returncode is None:
            process.kill()
        await process.wait()


def analyse(
    mode: str,
    presses: Schedule,
    pressed: dict[str, Any],
    trace_calls: list[dict[str, Any]],
    seen: list[list[Any]],
    displays: int,
) -> Run:
    """Match each press to its call (per keypad, in order) and to each display's reading."""
    phase_of: dict[tuple[int, int], str] = {}
    count: dict[int, int] = defaultdict(int)
    for _, keypads, phase in presses:
        for keypad in keypads:
            phase_of[(keypad, count[keypad])] = phase
            count[keypad] += 1
    calls: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for call in sorted(trace_calls, key=lambda c: c["seq"]):
        calls[call["counter"]].append(call)
    at_display: dict[int, list[int]] = defaultdict(list)
    for _display, seq, _counter, at in seen:
        at_display[seq].append(at)
    sent: dict[int, list[int]] = {int(k): v for k, v in pressed["sent"].items()}
    e2e: dict[str, list[float]] = {"all": [], "staggered": [], "burst": []}
    server: dict[str, list[float]] = {"all": [], "staggered": [], "burst": []}
    stages: dict[str, list[float]] = defaultdict(list)
    nth: dict[int, int] = defaultdict(int)
    missing = 0
    counts: dict[str, int] = defaultdict(int)
    for keypad, down in pressed["down"]:
        k = nth[keypad]
        nth[keypad] += 1
        counts["all"] += 1
        counts[phase_of[(keypad, k)]] += 1
        if k >= len(calls[keypad]) or k >= len(sent.get(keypad, [])):
            missing += displays
            continue
        call, on_wire = calls[keypad][k], sent[keypad][k]
        if call["arrived_ns"] is None:
            raise RuntimeError(f"call {call['seq']} has no arrival time: is the trace hooked?")
        readings = at_display.get(call["seq"], [])
        missing += displays - len(readings)
        ms = [(at - down) / 1e6 for at in readings]
        e2e["all"] += ms
        e2e[phase_of[(keypad, k)]] += ms
        stages["poll wait"].append((on_wire - down) / 1e6)
        stages["wire"].append((call["arrived_ns"] - on_wire) / 1e6)
        stages["to engine"].append((call["applied_ns"] - call["arrived_ns"]) / 1e6)
        stages["commit"].append((call["committed_ns"] - call["applied_ns"]) / 1e6)
        stages["fan-out"].append((call["written_ns"] - call["committed_ns"]) / 1e6)
        stages["to display"] += [(at - call["written_ns"]) / 1e6 for at in readings]
        server_ms = (call["written_ns"] - call["arrived_ns"]) / 1e6
        server["all"].append(server_ms)
        server[phase_of[(keypad, k)]].append(server_ms)
    if not e2e["all"]:
        raise RuntimeError("no press reached a display")
    return Run(
        mode,
        len(pressed["down"]),
        displays,
        {k: summarize(v) for k, v in e2e.items() if v},
        {k: summarize(v) for k, v in server.items() if v},
        dict(counts),
        {k: summarize(v) for k, v in stages.items()},
        missing,
        len(pressed["errors"]) + pressed["unanswered"],
    )


def report(runs: Sequence[Run], plan: Plan) -> list[Figure]:
    rows: list[list[object]] = []
    for run in runs:
        for measure, by_phase in (("press->display", run.e2e), ("server-side", run.server)):
            for phase, s in by_phase.items():
                rows.append([run.mode, measure, phase, run.counts[phase], s.n, *_ms(s)])
    out(
        f"NEXT -> hall display, ms ({plan.keypads} keypads at {BAUD} baud, {plan.displays} displays)"
    )
    out(table(("wiring", "measure", "presses", "count", "samples", "median", "p99", "max"), rows))
    out("  press->display: key down -> each display has the call (every display x press)")
    out("  server-side: the serial reader has the frame -> the call is written to the last display")
    out()
    out("where the time goes, ms: median / p99 / max")
    names = ("poll wait", "wire", "to engine", "commit", "fan-out", "to display")
    stage_rows = [
        [run.mode, *("{:.3f} / {:.3f} / {:.3f}".format(*_ms(run.stages[n])) for n in names)]
        for run in runs
    ]
    out(table(("wiring", *names), stage_rows))
    out()
    for run in runs:
        if run.missing or run.errors:
            out(f"{run.mode}: {run.missing} display readings missing, {run.errors} keypad errors")
    figures: list[Figure] = []
    for run in runs:
        server = run.server["all"]
        met = server.p99 <= GOAL_SERVER_P99_MS and not run.missing
        out(
            f"goal {run.mode}: server-side p99 <= {GOAL_SERVER_P99_MS:.0f} ms; "
            f"measured {server.p99:.3f} ms: {'met' if met else 'not met'}"
        )
        name = f"{run.mode}: press -> every display"
        figures.append(figure_of("NEXT -> display", name, "ms", run.e2e["all"]))
        figures.append(
            figure_of(
                "NEXT -> display",
                f"{run.mode}: server-side",
                "ms",
                server,
                f"p99 <= {GOAL_SERVER_P99_MS:.0f} ms",
                met,
            )
        )
    return figures


def _ms(s: Summary) -> tuple[float, float, float]:
    return s.median, s.p99, s.max


async def main_async(plan: Plan, modes: Sequence[str]) -> list[Figure]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out(machine_line())
    presses = schedule(plan)
    staggered = sum(1 for *_, phase in presses if phase == "staggered")
    out(
        f"next to display: `queue-server run`, {plan.keypads} counters each with a keypad; "
        f"keypads emulated on ptys in one process; {plan.displays} hall displays "
        f"(websockets) in {plan.display_processes} processes at nice {NICE_CLIENTS}"
    )
    out(
        f"presses: {staggered} staggered ({plan.gap_s[0] * 1000:.0f}-{plan.gap_s[1] * 1000:.0f} ms "
        f"apart), then {plan.bursts} bursts of {plan.burst_size} keypads every "
        f"{plan.burst_every_s:.1f} s; clocks: CLOCK_MONOTONIC in every process"
    )
    out(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    out(f"cpus: {placement()}")
    out()
    runs = []
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        for mode in modes:
            work = Path(tmp) / mode
            work.mkdir()
            runs.append(await run_mode(mode, plan, work))
    return report(runs, plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 keypads, 5 displays, 12 presses")
    parser.add_argument("--wiring", choices=tuple(MODES), action="append", help="default: both")
    parser.add_argument("--keypads", nargs=2, metavar=("MODE", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--displays", nargs=3, metavar=("URL", "TOKEN", "COUNT"), help=argparse.SUPPRESS
    )
    add_summary_option(parser)
    args = parser.parse_args()
    if args.keypads:
        keypads_child(args.keypads[0], int(args.keypads[1]))
    elif args.displays:
        url, hall, count = args.displays
        asyncio.run(displays_child(url, hall, int(count)))
    else:
        plan = QUICK if args.quick else FULL
        figures = asyncio.run(main_async(plan, args.wiring or tuple(MODES)))
        write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
