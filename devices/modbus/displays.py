"""LED displays on Modbus lines, by counter: "show this counter's state" in, registers out.

Shared by the server (queue_server/integrations/modbus, fed by the dispatcher) and the
display agent (fed by the hub over a websocket), so a display far from the server
behaves the same.  The settings' shapes (`DisplayModel`, `LedDisplay`, `DisplayLine`)
are this library's; the server's config and the agent's both read them, and
`model_problems`/`display_problems` check them for both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import msgspec

from ..shown import Shown
from .adapter import ModbusLine
from .protocol import text_registers

PLACEHOLDERS = ("number", "counter", "waiting")
_PLACEHOLDER = re.compile(r"{([^{}]*)}")


class _Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class RegisterWrite(_Settings, frozen=True):
    register: int
    values: list[int]


class DisplayModel(_Settings, frozen=True):
    """Where a kind of Modbus LED display keeps its characters (firmware_notes/modbus-displays.md)."""

    name: str
    text_register: int
    """First holding register of the text (the PDU address, 0-based)."""
    text_length: int = 4
    """Characters the display has."""
    chars_per_register: Literal[1, 2] = 2
    """2: two ASCII characters per register, the first in the high byte; 1: one, in the low byte."""
    align: Literal["left", "right"] = "right"
    init: list[RegisterWrite] = []
    """Written once whenever the display is (re)reached: brightness, mode, ..."""


class LedDisplay(_Settings, frozen=True):
    """A Modbus RTU LED display on a line, showing one counter."""

    unit: int
    """Modbus slave id, 1-247."""
    model: str
    """A `DisplayModel` name: where this display keeps its characters."""
    counter: int
    format: str = "{number}"
    """What it shows: `{number}` (the counter's current ticket), `{counter}`, `{waiting}`."""


class DisplayLine(_Settings, frozen=True):
    """A serial line of LED displays: what `LedDisplays` needs of it."""

    name: str
    port: str
    baud: int = 115200
    displays: list[LedDisplay] = []


def model_problems(models: Sequence[DisplayModel], where: str) -> Iterator[str]:
    """What is wrong with the display models, each naming its field under `where`."""
    names = [m.name for m in models]
    for i, model in enumerate(models):
        at = f"{where}[{i}]"
        if names.count(model.name) > 1:
            yield f"{at}.name: {model.name!r} is used twice"
        if not 0 <= model.text_register <= 65535:
            yield f"{at}.text_register: must be 0-65535"
        if not 1 <= model.text_length <= 64:
            yield f"{at}.text_length: must be 1-64 characters"
        for j, write in enumerate(model.init):
            if not 0 <= write.register <= 65535 or not 1 <= len(write.values) <= 123:
                yield f"{at}.init[{j}]: a register 0-65535 and 1-123 values"
            elif any(not 0 <= v <= 0xFFFF for v in write.values):
                yield f"{at}.init[{j}].values: each value is 0-65535"


def display_problems(
    displays: Sequence[LedDisplay], models: Sequence[DisplayModel], where: str
) -> Iterator[str]:
    """What is wrong with one line's displays (units, models, formats)."""
    known = [m.name for m in models]
    units = [d.unit for d in displays]
    for j, display in enumerate(displays):
        at = f"{where}[{j}]"
        if not 1 <= display.unit <= 247:
            yield f"{at}.unit: must be 1-247"
        elif units.count(display.unit) > 1:
            yield f"{at}.unit: unit {display.unit} is used twice on this line"
        if display.model not in known:
            names = ", ".join(known) or "none: add a display model"
            yield f"{at}.model: unknown model {display.model!r} (known: {names})"
        for name in _PLACEHOLDER.findall(display.format):
            if name.split(":")[0] not in PLACEHOLDERS:
                yield (
                    f"{at}.format: unknown placeholder {{{name}}} "
                    "(use {number}, {counter}, {waiting})"
                )


def display_text(display: LedDisplay, counter: int, shown: Shown) -> str:
    return display.format.format(number=shown.number, counter=counter, waiting=shown.waiting)


class LedDisplays:
    def __init__(self, lines: Sequence[DisplayLine], models: Sequence[DisplayModel]) -> None:
        by_name = {m.name: m for m in models}
        self.lines: list[ModbusLine] = []
        self._at_counter: dict[int, list[tuple[ModbusLine, LedDisplay, DisplayModel]]] = {}
        for config in lines:
            line = ModbusLine(config.name, config.port, config.baud)
            self.lines.append(line)
            for display in config.displays:
                model = by_name[display.model]
                line.add_unit(display.unit, [(w.register, list(w.values)) for w in model.init])
                self._at_counter.setdefault(display.counter, []).append((line, display, model))

    @property
    def counters(self) -> list[int]:
        return sorted(self._at_counter)

    def show(self, counter: int, shown: Shown) -> None:
        for line, display, model in self._at_counter.get(counter, ()):
            registers = text_registers(
                display_text(display, counter, shown),
                model.text_length,
                model.chars_per_register,
                model.align,
            )
            line.write(display.unit, model.text_register, registers)

    async def start(self) -> None:
        for line in self.lines:
            await line.start()

    async def stop(self) -> None:
        for line in self.lines:
            await line.stop()

    def device_states(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f"line:{line.name}",
                "kind": "led-display-line",
                "line": line.name,
                "protocol": "modbus-display",
                "port": line.port.port,
                "up": line.port.online,
                "online": line.port.online,
                "reconnects": max(0, line.port.opened - 1),
                "displays": len(line.units),
                "displays_online": line.units_online(),
                "corrupt_frames": line.corrupt,
                "timeouts": line.timeouts,
            }
            for line in self.lines
        ]
