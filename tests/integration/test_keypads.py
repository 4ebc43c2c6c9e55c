"""Keypads over real pseudo-terminals: press -> engine -> hub -> the keypad and a display.

The keypads are emulated behind ptys (devices/keypad/emulator.py), paced at the line's
baud rate; the server is the real one with its websocket hub; the hall display is a
`websockets` client.  Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest
from websockets.asyncio.client import ClientConnection, connect

from devices.keypad.adapter import KeypadLine
from devices.keypad.emulator import PtyWire, Watcher, link_to
from devices.keypad.frames import (
    Cmd,
    Display,
    ErrorCode,
    Frame,
    FrameDecoder,
    Led,
    encode_frame,
    parse_show,
)
from devices.keypad.host import WAITING_REFRESH_S
from devices.keypad.keypad import KeypadDevice
from queue_server.accounts import Role
from queue_server.engine import Actor
from queue_server.engine import commands as c
from queue_server.engine.events import TicketCalled
from queue_server.integrations.lines_config import Keypad, SerialLine
from tests.support.devices import config_with_lines, serial_of, until
from tests.support.server import Api, RunningCentre, Token, serve_centre

STAFF = Actor("staff", "test")


@dataclass
class Bench:
    server: RunningCentre
    wire: PtyWire
    keypads: dict[int, KeypadDevice]
    watcher: Watcher
    link: Path


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[Bench]:
    """Three keypads on an RS-485 bus at 115200 baud: addresses 1, 2, 3 at counters 1-3."""
    watcher = Watcher()
    keypads = {a: KeypadDevice(a, polled=True) for a in (1, 2, 3)}
    wire = PtyWire(keypads.values(), 115200, on_change=watcher.changed).start()
    link = tmp_path / "ttyKEYPADS"
    link_to(wire.slave_path, link)
    line = SerialLine(
        "desk",
        str(link),
        "keypad-rs485",
        keypads=[Keypad(address=a, counter=a) for a in (1, 2, 3)],
    )
    config = config_with_lines(tmp_path, [line])
    tokens = {"hall": Token(Role.DISPLAY), "admin": Token(Role.ADMIN)}
    try:
        async with serve_centre(tmp_path, config=config, tokens=tokens) as server:
            await asyncio.wait_for(serial_of(server.centre).keypads.lines[0].port.wait_online(), 2)  # type: ignore[union-attr]
            yield Bench(server, wire, keypads, watcher, link)
    finally:
        wire.stop()


async def hall(server: RunningCentre) -> ClientConnection:
    ws = await connect(server.ws_url)
    await ws.send(
        json.dumps(
            {"type": "hello", "protocol": 1, "role": "display", "token": server.tokens["hall"]}
        )
    )
    while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "snapshot":
        pass
    return ws


async def next_call(ws: ClientConnection, timeout: float = 2.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == "call":
                return message


def record_writes(line: KeypadLine) -> list[bytes]:
    """Every chunk the host writes to the line from now on (the real bytes, in order)."""
    written: list[bytes] = []
    write = line.port.write

    def recorded(data: bytes) -> bool:
        written.append(data)
        return write(data)

    line.port.write = recorded  # type: ignore[method-assign]
    return written


async def issue(server: RunningCentre, service: str = "HT") -> None:
    await server.centre.dispatcher.execute(
        c.IssueTicket(service=service, tracking_code=secrets.token_urlsafe(9)),
        Actor("kiosk", "test"),
    )


def calls_by_keypads(server: RunningCentre) -> list[TicketCalled]:
    return [
        e
        for _, e in server.centre.log.read()
        if isinstance(e, TicketCalled) and e.actor.kind == "keypad"
    ]


async def test_next_calls_and_the_keypad_and_the_hall_show_the_number(bus: Bench) -> None:
    server, keypad = bus.server, bus.keypads[1]
    await bus.watcher.wait(lambda: not keypad.hello_pending, 2)
    await server.centre.dispatcher.execute(c.OpenCounter(counter=1), STAFF)
    await issue(server)
    await issue(server)
    ws = await hall(server)
    try:
        bus.wire.press(1, Cmd.NEXT)
        call = await next_call(ws)
        assert (call["counter"], call["number"]) == (1, "A001")
        await bus.watcher.wait(lambda: len(keypad.answers) == 1, 2)
        answer = keypad.answers[0]
        assert answer.error is None and answer.display is not None
        assert (answer.display.text, answer.display.waiting, answer.display.led) == (
            "A001",
            1,
            Led.ON,
        )
    finally:
        await ws.close()
    (event,) = calls_by_keypads(server)
    assert event.actor == Actor("keypad", "desk:1", request="1:1:")  # seq 1, NEXT


async def test_refusals_come_back_as_error_codes(bus: Bench) -> None:
    keypad = bus.keypads[2]
    await bus.watcher.wait(lambda: not keypad.hello_pending, 2)
    bus.wire.press(2, Cmd.NEXT)  # counter 2 is closed
    await bus.watcher.wait(lambda: len(keypad.answers) == 1, 2)
    assert keypad.answers[0].error == ErrorCode.COUNTER_CLOSED
    await bus.server.centre.dispatcher.execute(c.OpenCounter(counter=2), STAFF)
    bus.wire.press(2, Cmd.NEXT)  # nobody waits
    bus.wire.press(2, Cmd.RECALL)  # nobody at the counter
    await bus.watcher.wait(lambda: len(keypad.answers) == 3, 2)
    assert [a.error for a in keypad.answers[1:]] == [
        ErrorCode.NOBODY_WAITING,
        ErrorCode.NO_CURRENT_TICKET,
    ]
    assert keypad.display.led == Led.ON  # the open counter lit the LED


async def test_a_call_from_the_web_console_reaches_the_keypad(bus: Bench) -> None:
    server, keypad = bus.server, bus.keypads[3]
    await server.centre.dispatcher.execute(c.OpenCounter(counter=3), STAFF)
    await issue(server, "CT")
    await bus.watcher.wait(lambda: keypad.display.waiting >= 1, 2)
    async with Api(server.base, server.tokens["admin"]) as api:
        status, body = await api.post("/api/v1/counters/3/next")
    assert status == 200, body
    await bus.watcher.wait(lambda: keypad.display.text == body["ticket"]["number"], 2)
    assert keypad.display.waiting == 0


async def test_old_and_new_keypads_share_a_bus(tmp_path: Path) -> None:
    """A version 1 keypad (no displays in polls) next to a version 2 one: both follow
    their counters; the old one by SHOW frames, the new one by displays in its polls."""
    watcher = Watcher()
    keypads = {1: KeypadDevice(1, polled=True), 2: KeypadDevice(2, polled=True, version=1)}
    wire = PtyWire(keypads.values(), 115200, on_change=watcher.changed).start()
    line = SerialLine(
        "desk",
        wire.slave_path,
        "keypad-rs485",
        keypads=[Keypad(address=a, counter=a) for a in (1, 2)],
    )
    try:
        async with serve_centre(tmp_path, config=config_with_lines(tmp_path, [line])) as server:
            keypad_line = serial_of(server.centre).keypads.lines[0]  # type: ignore[union-attr]
            await asyncio.wait_for(keypad_line.port.wait_online(), 2)
            await watcher.wait(lambda: not any(k.hello_pending for k in keypads.values()), 2)
            written = record_writes(keypad_line)
            for counter in (1, 2):
                await server.centre.dispatcher.execute(c.OpenCounter(counter=counter), STAFF)
            await issue(server)
            await watcher.wait(lambda: all(k.display.waiting == 1 for k in keypads.values()), 2)
            await server.centre.dispatcher.execute(c.CallNext(counter=2), STAFF)
            await watcher.wait(lambda: keypads[2].display.text == "A001", 2)
            # A change of the waiting count alone is sent at most every WAITING_REFRESH_S
            # per keypad, and keypad 1 was shown "1 waiting" just before the call.
            await watcher.wait(lambda: keypads[1].display.waiting == 0, WAITING_REFRESH_S + 2)
            assert keypads[2].display.led == Led.ON
            states = keypad_line.link.keypads
            assert (states[1].version, states[2].version) == (2, 1)
    finally:
        wire.stop()
    sent = FrameDecoder().feed(b"".join(written))
    shows = {f.address for f in sent if f.command == Cmd.SHOW}
    in_polls = {f.address for f in sent if f.command == Cmd.POLL and f.payload}
    assert (shows, in_polls) == ({2}, {1})


async def test_a_long_reply_at_9600_baud_is_waited_for(tmp_path: Path) -> None:
    """A TRANSFER with a 16-letter service code is 23 bytes, 24 ms at 9600 baud: longer
    than a poll first waits (an idle reply and 10 ms).  It has begun by then, so the host
    waits for the rest, and the press is answered, not lost to a timeout."""
    watcher = Watcher()
    keypads = {a: KeypadDevice(a, polled=True) for a in (1, 2)}
    wire = PtyWire(keypads.values(), 9600, on_change=watcher.changed).start()
    line = SerialLine(
        "slow",
        wire.slave_path,
        "keypad-rs485",
        baud=9600,
        keypads=[Keypad(address=a, counter=a) for a in (1, 2)],
    )
    try:
        async with serve_centre(tmp_path, config=config_with_lines(tmp_path, [line])) as server:
            keypad_line = serial_of(server.centre).keypads.lines[0]  # type: ignore[union-attr]
            await asyncio.wait_for(keypad_line.port.wait_online(), 2)
            await watcher.wait(lambda: not any(k.hello_pending for k in keypads.values()), 2)
            wire.press(1, Cmd.TRANSFER, "ABCDEFGHIJKLMNOP")
            await watcher.wait(lambda: len(keypads[1].answers) == 1, 2)
            assert keypads[1].answers[0].error is not None  # refused: no such service
            # Taken the first time it was sent: not dropped as a timeout and sent again.
            # (The bus's other timeouts are not counted: a loaded test machine may delay
            # the emulator's replies to keypad 2's polls.)
            assert keypads[1].sends == 1
    finally:
        wire.stop()


async def test_a_burst_of_changes_is_one_show_point_to_point(tmp_path: Path) -> None:
    """Tickets issued one after another change a USB keypad's waiting count each time;
    at 9600 baud a SHOW is 15.6 ms, so the host writes the next one only when the last
    is through, with the count as it is then: no backlog in front of a press's answer."""
    watcher = Watcher()
    keypad = KeypadDevice(7, polled=False)
    wire = PtyWire([keypad], 9600, on_change=watcher.changed).start()
    line = SerialLine(
        "usb7", wire.slave_path, "keypad-p2p", baud=9600, keypads=[Keypad(address=7, counter=5)]
    )
    try:
        async with serve_centre(tmp_path, config=config_with_lines(tmp_path, [line])) as server:
            keypad_line = serial_of(server.centre).keypads.lines[0]  # type: ignore[union-attr]
            await asyncio.wait_for(keypad_line.port.wait_online(), 2)
            await server.centre.dispatcher.execute(c.OpenCounter(counter=5), STAFF)
            await watcher.wait(lambda: not keypad.hello_pending and keypad.display.led == Led.ON, 2)
            written = record_writes(keypad_line)
            for _ in range(20):
                await issue(server, "DD")
            await watcher.wait(lambda: keypad.display.waiting == 20, 2)
            wire.press(7, Cmd.NEXT)
            await watcher.wait(lambda: len(keypad.answers) == 1, 2)
    finally:
        wire.stop()
    shows = [f for f in FrameDecoder().feed(b"".join(written)) if f.command == Cmd.SHOW]
    assert len(shows) < 10, len(shows)


async def test_a_point_to_point_press_is_answered_by_one_show(tmp_path: Path) -> None:
    """The answer to a press carries the keypad's new display, so that display is not
    also sent on its own: a second SHOW would hold the wire from the keypad's next frame."""
    watcher = Watcher()
    keypad = KeypadDevice(7, polled=False)
    wire = PtyWire([keypad], 115200, on_change=watcher.changed).start()
    line = SerialLine("usb1", wire.slave_path, "keypad-p2p", keypads=[Keypad(address=7, counter=5)])
    try:
        async with serve_centre(tmp_path, config=config_with_lines(tmp_path, [line])) as server:
            keypad_line = serial_of(server.centre).keypads.lines[0]  # type: ignore[union-attr]
            await asyncio.wait_for(keypad_line.port.wait_online(), 2)
            await server.centre.dispatcher.execute(c.OpenCounter(counter=5), STAFF)
            for _ in range(2):
                await issue(server, "DD")
            await watcher.wait(lambda: keypad.display.waiting == 2, 2)
            written = record_writes(keypad_line)
            wire.press(7, Cmd.NEXT)
            await watcher.wait(lambda: keypad.display.text != "", 2)
            called = keypad.display.text
            await issue(server, "DD")  # then one more display: the waiting count
            await watcher.wait(lambda: keypad.display.waiting == 2, 2)
    finally:
        wire.stop()
    shows = [f for f in FrameDecoder().feed(b"".join(written)) if f.command == Cmd.SHOW]
    assert [f.seq for f in shows] == [1, 0]  # the answer to press 1, then the new count
    assert parse_show(shows[0].payload)[1].text == called


async def test_a_retransmitted_press_never_calls_twice(tmp_path: Path) -> None:
    """A point-to-point keypad repeats its press (the answer was lost): one call only."""
    watcher = Watcher()
    wire = PtyWire([], 115200, on_change=watcher.changed).start()
    wire.record = True
    line = SerialLine("usb1", wire.slave_path, "keypad-p2p", keypads=[Keypad(address=7, counter=5)])
    try:
        async with serve_centre(tmp_path, config=config_with_lines(tmp_path, [line])) as server:
            await asyncio.wait_for(serial_of(server.centre).keypads.lines[0].port.wait_online(), 2)  # type: ignore[union-attr]
            await server.centre.dispatcher.execute(c.OpenCounter(counter=5), STAFF)
            for _ in range(3):
                await issue(server, "DD")
            press = encode_frame(7, 1, Cmd.NEXT)
            for _ in range(3):
                wire.inject(press)
            keypads = serial_of(server.centre).keypads
            assert keypads is not None
            state = keypads.lines[0].link.keypads[7]
            await until(lambda: state.duplicates == 2)
            assert len(calls_by_keypads(server)) == 1
            assert server.centre.engine.counter(5).current is not None
            wire.inject(encode_frame(7, 2, Cmd.NEXT))  # a new press calls again
            await until(lambda: len(calls_by_keypads(server)) == 2)
    finally:
        wire.stop()


async def test_corrupt_frames_are_dropped_counted_and_the_line_goes_on(bus: Bench) -> None:
    server, keypad = bus.server, bus.keypads[1]
    await server.centre.dispatcher.execute(c.OpenCounter(counter=1), STAFF)
    await issue(server)
    keypads = serial_of(server.centre).keypads
    assert keypads is not None
    link = keypads.lines[0].link
    bus.wire.garbage = bytes.fromhex("A5 01 09 01 00 FF FF 00 A5 A5 13")  # before each reply
    await until(lambda: link.decoder.corrupt >= 5)
    bus.wire.garbage = b""
    bus.wire.press(1, Cmd.NEXT)
    await bus.watcher.wait(lambda: len(keypad.answers) == 1, 2)
    assert keypad.answers[0].display is not None
    assert keypad.answers[0].display.text == "A001"
    async with Api(server.base, server.tokens["admin"]) as api:
        status, text = await api.get("/metrics")
    assert status == 200
    assert 'queue_serial_line_online{line="desk",protocol="keypad-rs485"} 1.0' in text
    assert 'queue_serial_corrupt_frames_total{line="desk"}' in text


async def test_unplug_and_replug_loses_no_acknowledged_press(tmp_path: Path) -> None:
    """The USB adapter is pulled while presses are in flight and put back (a new pty
    behind the same stable link): the line is back within 2 s, every press the keypad
    saw acknowledged is in the log, and none was called twice."""
    watcher = Watcher()
    keypad = KeypadDevice(4, polled=False, retry_s=0.1)
    wire = PtyWire([keypad], 115200, on_change=watcher.changed).start()
    link = tmp_path / "ttyUSB-keypad"
    link_to(wire.slave_path, link)
    line = SerialLine("usb4", str(link), "keypad-p2p", keypads=[Keypad(address=4, counter=4)])
    try:
        async with serve_centre(tmp_path, config=config_with_lines(tmp_path, [line])) as server:
            keypads = serial_of(server.centre).keypads
            assert keypads is not None
            port = keypads.lines[0].port
            await asyncio.wait_for(port.wait_online(), 2)
            await server.centre.dispatcher.execute(c.OpenCounter(counter=4), STAFF)
            for _ in range(12):
                await issue(server, "DD")
            # The host takes a press, but its answer never arrives before the unplug.
            await watcher.wait(lambda: not keypad.hello_pending, 2)
            wire.deaf = True
            wire.press(4, Cmd.NEXT)
            await until(lambda: len(calls_by_keypads(server)) == 1)
            wire.unplug()
            await until(lambda: not port.online)
            wire = PtyWire([keypad], 115200, on_change=watcher.changed)
            link_to(wire.slave_path, link)
            wire.start()
            await watcher.wait(lambda: not keypad.busy, 2)  # the retransmission is answered
            assert len(calls_by_keypads(server)) == 1
            for round_ in range(3):
                for _ in range(2):
                    wire.press(4, Cmd.NEXT)
                expected = 2 * round_ + 2

                def answers_reach(n: int = expected) -> bool:
                    return len(keypad.answers) >= n

                await watcher.wait(answers_reach, 2)
                wire.unplug()  # presses may be in flight, or executed but not yet answered
                await until(lambda: not port.online)
                wire = PtyWire([keypad], 115200, on_change=watcher.changed)
                link_to(wire.slave_path, link)
                replugged = asyncio.get_running_loop().time()
                wire.start()
                await asyncio.wait_for(port.wait_online(), 2)
                assert asyncio.get_running_loop().time() - replugged < 2
            await watcher.wait(lambda: not keypad.busy, 2)
            calls = calls_by_keypads(server)
            numbers = [server.centre.engine.ticket(e.ticket).number for e in calls]
    finally:
        wire.stop()
    answered = [a for a in keypad.answers if a.error is None]
    assert len(keypad.answers) == 7 and len(answered) == 7
    assert len(numbers) == len(set(numbers)) == 7, numbers
    assert {a.display.text for a in answered if a.display} <= set(numbers)


async def test_a_second_next_at_once_is_refused_with_its_own_code(tmp_path: Path) -> None:
    """A keypad's NEXT pressed twice in a row: the second is a double press (the citizen
    just called has not come up), refused with E-11; the first citizen stays called."""
    watcher = Watcher()
    keypads = {1: KeypadDevice(1, polled=True)}
    wire = PtyWire(keypads.values(), 115200, on_change=watcher.changed).start()
    link = tmp_path / "ttyKEYPAD"
    link_to(wire.slave_path, link)
    line = SerialLine("desk", str(link), "keypad-rs485", keypads=[Keypad(address=1, counter=1)])
    config = config_with_lines(tmp_path, [line])
    config = msgspec.structs.replace(
        config, queue=msgspec.structs.replace(config.queue, next_guard_seconds=5.0)
    )
    try:
        async with serve_centre(tmp_path, config=config) as server:
            keypad = keypads[1]
            await watcher.wait(lambda: not keypad.hello_pending, 2)
            await server.centre.dispatcher.execute(c.OpenCounter(counter=1), STAFF)
            await issue(server)
            await issue(server)
            wire.press(1, Cmd.NEXT)
            wire.press(1, Cmd.NEXT)
            await watcher.wait(lambda: len(keypad.answers) == 2, 2)
            assert [a.error for a in keypad.answers] == [None, ErrorCode.JUST_CALLED]
            current = server.centre.engine.counter(1).current
            assert current is not None
            assert server.centre.engine.ticket(current).number == "A001"
    finally:
        wire.stop()


@pytest.mark.parametrize("protocol", ["keypad-p2p", "keypad-rs485"])
async def test_a_keypad_that_lost_its_display_gets_it_back(tmp_path: Path, protocol: str) -> None:
    """A glitch blanks a keypad's display without a reboot (no HELLO): its next IDLE says
    it shows tag 0, and the host sends the current display again, on both kinds of line
    (point-to-point ones used to wait for the counter's next change)."""
    watcher = Watcher()
    polled = protocol == "keypad-rs485"
    keypad = KeypadDevice(7, polled=polled, heartbeat_s=0.2)
    wire = PtyWire([keypad], 115200, on_change=watcher.changed).start()
    line = SerialLine("desk", wire.slave_path, protocol, keypads=[Keypad(address=7, counter=5)])  # type: ignore[arg-type]
    try:
        async with serve_centre(tmp_path, config=config_with_lines(tmp_path, [line])) as server:
            await server.centre.dispatcher.execute(c.OpenCounter(counter=5), STAFF)
            await issue(server, "DD")
            await watcher.wait(lambda: keypad.display.waiting == 1, 2)

            def glitch() -> None:
                keypad.display, keypad.tag = Display(), 0

            wire.call(glitch)
            await watcher.wait(lambda: keypad.tag == 0, 2)
            await watcher.wait(lambda: keypad.display.waiting == 1 and keypad.tag != 0, 2)
    finally:
        wire.stop()


async def test_a_press_resent_after_a_restart_is_answered_with_the_same_call(
    tmp_path: Path,
) -> None:
    """The server stops after running a press and before the keypad heard the answer; the
    keypad resends it to the new server: the same call is shown, no second one is made."""
    wire = PtyWire([], 115200).start()
    line = SerialLine("usb1", wire.slave_path, "keypad-p2p", keypads=[Keypad(address=7, counter=5)])
    config = config_with_lines(tmp_path, [line])
    press = encode_frame(7, 9, Cmd.NEXT)
    try:
        async with serve_centre(tmp_path, config=config) as server:
            await asyncio.wait_for(serial_of(server.centre).keypads.lines[0].port.wait_online(), 2)  # type: ignore[union-attr]
            await server.centre.dispatcher.execute(c.OpenCounter(counter=5), STAFF)
            for _ in range(2):
                await issue(server, "DD")
            wire.inject(press)
            await until(lambda: len(calls_by_keypads(server)) == 1)
            called = server.centre.engine.counter(5).current
        async with serve_centre(tmp_path, config=config) as server:
            keypad_line = serial_of(server.centre).keypads.lines[0]  # type: ignore[union-attr]
            await asyncio.wait_for(keypad_line.port.wait_online(), 2)
            written = record_writes(keypad_line)
            wire.inject(press)
            answers: list[Frame] = []

            def answered() -> bool:
                frames = FrameDecoder().feed(b"".join(written))
                answers[:] = [f for f in frames if f.seq == 9]
                return bool(answers)

            await until(answered)
            assert answers[0].command == Cmd.SHOW
            shown = parse_show(answers[0].payload)[1].text
            assert server.centre.engine.counter(5).current == called
            assert len(calls_by_keypads(server)) == 1
            assert called is not None and shown == server.centre.engine.ticket(called).number
    finally:
        wire.stop()
