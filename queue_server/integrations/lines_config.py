"""The centre's serial lines in its config file: `[[devices.serial_lines]]` (keypads, radio
receivers, LED signs) and `[[devices.display_models]]`, their shape and their checks.

The LED displays' own shapes (`DisplayModel`, `LedDisplay`) are the device library's
(devices/modbus/displays.py), shared with the display agent's config.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Literal

import msgspec

from devices.modbus.displays import (
    DisplayLine,
    DisplayModel,
    LedDisplay,
    RegisterWrite,
    display_problems,
    model_problems,
)

__all__ = [
    "DisplayModel",
    "Keypad",
    "LedDisplay",
    "RegisterWrite",
    "SerialLine",
    "display_lines",
    "serial_line_problems",
]

LineProtocol = Literal["keypad-rs485", "keypad-p2p", "rf433-sonoff", "rf433-fd", "modbus-display"]
BAUDS = (1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class Keypad(_Strict, frozen=True):
    """A call keypad (firmware_notes/keypad-protocol.md): its bus address and its counter."""

    address: int
    counter: int


class SerialLine(_Strict, frozen=True):
    """One serial port and what hangs on it (firmware_notes/wiring.md)."""

    name: str
    port: str
    """A device path (best a stable /dev/serial/by-id/... link) or socket://HOST:PORT."""
    protocol: LineProtocol
    baud: int = 115200
    keypads: list[Keypad] = []
    reply_timeout_ms: float = 0.0
    """keypad-rs485: how long a poll waits for its reply; 0: from the baud rate."""
    offline_after: int = 3
    """keypad-rs485: missed polls before a keypad counts as offline."""
    idle_cycle_ms: float = 500.0
    """keypad-rs485: after 5 s with no press, a poll cycle starts at most this often, so
    an idle bus costs the host next to nothing (the first press after a quiet spell waits
    up to this long to be heard); 0: always poll at full speed."""
    frame_length: Literal[5, 6] = 6
    """rf433-fd: FD + 3 code bytes (+ 1 pulse-width byte when 6) + DF."""
    repeat_window_s: float = 1.0
    """rf433-*: the same code heard again within this long is the same press."""
    displays: list[LedDisplay] = []


def display_lines(lines: Sequence[SerialLine]) -> list[DisplayLine]:
    """The `modbus-display` lines, as the LED display library takes them."""
    return [
        DisplayLine(name=line.name, port=line.port, baud=line.baud, displays=line.displays)
        for line in lines
        if line.protocol == "modbus-display"
    ]


def serial_line_problems(
    lines: Sequence[SerialLine], models: Sequence[DisplayModel], counters: set[int]
) -> Iterator[str]:
    yield from model_problems(models, "devices.display_models")
    names = [line.name for line in lines]
    ports = [line.port for line in lines]
    for i, line in enumerate(lines):
        where = f"devices.serial_lines[{i}]"
        if not _NAME.match(line.name):
            yield f"{where}.name: {line.name!r} must be 1-32 letters, digits, '-' or '_'"
        elif names.count(line.name) > 1:
            yield f"{where}.name: {line.name!r} is used twice"
        if not line.port.strip():
            yield f"{where}.port: give the device path or socket://HOST:PORT"
        elif ports.count(line.port) > 1:
            yield f"{where}.port: {line.port!r} is used by another line"
        if line.baud not in BAUDS:
            yield f"{where}.baud: {line.baud} is not a standard rate ({', '.join(map(str, BAUDS))})"
        yield from _keypad_problems(line, where, counters)
        if line.reply_timeout_ms < 0:
            yield f"{where}.reply_timeout_ms: must not be negative"
        if line.offline_after < 1:
            yield f"{where}.offline_after: must be at least 1"
        if not 0 <= line.idle_cycle_ms <= 5000:
            yield f"{where}.idle_cycle_ms: between 0 (always full speed) and 5000"
        if line.repeat_window_s <= 0:
            yield f"{where}.repeat_window_s: must be positive"
        if line.protocol == "modbus-display" and not line.displays:
            yield f"{where}.displays: a modbus-display line needs at least one display"
        if line.protocol != "modbus-display" and line.displays:
            yield f"{where}.displays: only modbus-display lines have displays"
        yield from display_problems(line.displays, models, f"{where}.displays")
        for j, display in enumerate(line.displays):
            if display.counter not in counters:
                yield f"{where}.displays[{j}].counter: no counter {display.counter}"


def _keypad_problems(line: SerialLine, where: str, counters: set[int]) -> Iterator[str]:
    keypad_line = line.protocol.startswith("keypad-")
    if keypad_line and not line.keypads:
        yield f"{where}.keypads: a {line.protocol} line needs at least one keypad"
    if not keypad_line and line.keypads:
        yield f"{where}.keypads: only keypad-rs485 and keypad-p2p lines have keypads"
    if line.protocol == "keypad-p2p" and len(line.keypads) > 1:
        yield f"{where}.keypads: a point-to-point line has exactly one keypad"
    addresses = [k.address for k in line.keypads]
    for j, keypad in enumerate(line.keypads):
        if keypad.counter not in counters:
            yield f"{where}.keypads[{j}].counter: no counter {keypad.counter}"
        if not 1 <= keypad.address <= 247:
            yield f"{where}.keypads[{j}].address: must be 1-247"
        elif addresses.count(keypad.address) > 1:
            yield f"{where}.keypads[{j}].address: address {keypad.address} is used twice on this line"
