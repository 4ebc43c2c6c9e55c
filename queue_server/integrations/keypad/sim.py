"""Keypads for the demo, and `queue-server keypad-sim --counter N` to press them by hand.

`queue-server demo` gives every counter an emulated keypad: ten keypads on one emulated
RS-485 bus (a pty, paced at 19200 baud) that the demo's keypad line polls like a real
one.  The emulator listens on a Unix socket (`var/keypads.sock`); `keypad-sim` connects
to it, presses keys on one counter's keypad, and prints what that keypad's display
shows, so a person drives the whole path: key -> frame -> engine -> hall display.

Socket protocol (lines of text): the client sends `counter N`, then keys (`next`,
`recall`, `start`, `done`, `no_show`, `pause`, `resume`, `transfer CODE`); the server
sends `show NUMBER WAITING LED` and `error E-nn` as the keypad's display changes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import msgspec

from devices.keypad.emulator import PtyWire
from devices.keypad.frames import Cmd
from devices.keypad.keypad import KeypadDevice
from devices.tasks import cancel_and_wait

from ...config import CentreConfig
from ..lines_config import Keypad, SerialLine

DEMO_BAUD = 19200
DEMO_IDLE_CYCLE_MS = 1000
SOCKET_NAME = "keypads.sock"
KEYS = {
    "next": Cmd.NEXT,
    "recall": Cmd.RECALL,
    "start": Cmd.START,
    "done": Cmd.DONE,
    "no_show": Cmd.NO_SHOW,
    "pause": Cmd.PAUSE,
    "resume": Cmd.RESUME,
    "transfer": Cmd.TRANSFER,
}
SHORT = {"n": "next", "r": "recall", "s": "start", "d": "done", "x": "no_show"}
SHORT |= {"p": "pause", "u": "resume", "t": "transfer"}


def _display_line(device: KeypadDevice) -> str:
    if device.error is not None:
        return f"error E-{device.error:02d}"
    display = device.display
    return f"show {display.text or '----'} {display.waiting} {display.led.name.lower()}"


class DemoKeypads:
    """The demo's keypads: a bus emulator and the socket `keypad-sim` talks to."""

    def __init__(self, counters: list[int], socket_path: Path) -> None:
        self.devices = {counter: KeypadDevice(counter, polled=True) for counter in counters}
        self.socket_path = socket_path
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: dict[int, set[asyncio.StreamWriter]] = {}
        self._shown: dict[int, str] = {}
        self.wire = PtyWire(self.devices.values(), DEMO_BAUD, on_change=self._changed)
        self._server: asyncio.Server | None = None

    def line(self) -> SerialLine:
        return SerialLine(
            "demo-keypads",
            self.wire.slave_path,
            "keypad-rs485",
            baud=DEMO_BAUD,
            keypads=[Keypad(address=c, counter=c) for c in self.devices],
            # The demo plays both ends of the bus in one process: a quiet one polls once
            # a second (a first press after a quiet spell is heard within that).
            idle_cycle_ms=DEMO_IDLE_CYCLE_MS,
        )

    def guide(self) -> str:
        return (
            f"Keypads: counters {min(self.devices)}-{max(self.devices)} have emulated keypads "
            f"on an RS-485 bus ({self.wire.slave_path}, {DEMO_BAUD} baud).\n"
            f"  press keys by hand  {_command()} keypad-sim --counter 1"
        )

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.wire.start()
        self.socket_path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(self._client, path=str(self.socket_path))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self.wire.stop()
        self.socket_path.unlink(missing_ok=True)

    def _changed(self, device: KeypadDevice) -> None:
        """In the emulator's thread: tell the clients watching this keypad."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._tell, device.address, _display_line(device))

    def _tell(self, address: int, line: str) -> None:
        if self._shown.get(address) == line:
            return
        self._shown[address] = line
        for writer in list(self._clients.get(address, ())):
            writer.write(line.encode() + b"\n")

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = None
        try:
            first = (await reader.readline()).decode().split()
            if len(first) != 2 or first[0] != "counter" or int(first[1]) not in self.devices:
                writer.write(f"no keypad; counters: {sorted(self.devices)}\n".encode())
                return
            address = int(first[1])
            self._clients.setdefault(address, set()).add(writer)
            writer.write((_display_line(self.devices[address]) + "\n").encode())
            async for raw in reader:
                words = raw.decode().split()
                if words and words[0] in KEYS:
                    service = words[1] if len(words) > 1 else None
                    self.wire.press(address, KEYS[words[0]], service)
        except (ConnectionError, ValueError):
            pass
        finally:
            if address is not None:
                self._clients[address].discard(writer)
            writer.close()


def _command() -> str:
    """This very `queue-server`, by its full path: the guide works from any folder."""
    here = Path(sys.argv[0]).resolve()
    return str(here) if here.name == "queue-server" else "queue-server"


def emulate_keypads(config: CentreConfig, var_dir: Path) -> tuple[CentreConfig, DemoKeypads]:
    """The demo config with a keypad at every counter, and the keypads (a component)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    keypads = DemoKeypads(config.counter_ids, var_dir / SOCKET_NAME)
    devices = msgspec.structs.replace(
        config.devices, serial_lines=[*config.devices.serial_lines, keypads.line()]
    )
    return msgspec.structs.replace(config, devices=devices), keypads


# ---------------------------------------------------------------------- the command


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = sub.add_parser(
        "keypad-sim", help="press keys on a running demo's emulated keypad (queue-server demo)"
    )
    sim.add_argument("--counter", type=int, required=True, help="the counter's keypad")
    sim.add_argument(
        "--socket", type=Path, default=Path("var") / SOCKET_NAME, help="the demo's keypad socket"
    )
    sim.set_defaults(handler=_keypad_sim)


def _keypad_sim(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_sim(args.counter, args.socket))
    except (ConnectionError, FileNotFoundError):
        print(f"no demo keypads at {args.socket}: start `queue-server demo` first", file=sys.stderr)
        return 1


async def _sim(counter: int, socket: Path) -> int:
    reader, writer = await asyncio.open_unix_connection(str(socket))
    writer.write(f"counter {counter}\n".encode())
    print(
        f"Keypad at counter {counter}.  Keys: n next, r recall, s start, d done, x no-show,\n"
        "p pause, u resume, t CODE transfer to a service, q quit.  Enter after each."
    )

    async def show() -> None:
        async for raw in reader:
            print(f"  [counter {counter}] {raw.decode().strip()}", flush=True)

    shower = asyncio.create_task(show())
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            words = line.split()
            if not line or (words and words[0] == "q"):
                break
            if not words:
                continue
            key = SHORT.get(words[0], words[0])
            if key not in KEYS:
                print(f"  unknown key {words[0]!r}")
                continue
            writer.write((" ".join([key, *words[1:]]) + "\n").encode())
    finally:
        await cancel_and_wait(shower)
        writer.close()
    return 0
