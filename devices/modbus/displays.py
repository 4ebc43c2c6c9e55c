"""LED displays on Modbus lines, by counter: "show this counter's state" in, registers out.

Shared by the server (`LedDisplayService`, fed by the dispatcher) and the display agent
(fed by the hub over a websocket), so a display far from the server behaves the same.
"""

from __future__ import annotations

from typing import Any

from queue_server.config import DisplayModel, LedDisplay, SerialLine

from ..counters import Shown
from .adapter import ModbusLine
from .protocol import text_registers


def display_text(display: LedDisplay, counter: int, shown: Shown) -> str:
    return display.format.format(number=shown.number, counter=counter, waiting=shown.waiting)


class LedDisplays:
    def __init__(self, lines: list[SerialLine], models: list[DisplayModel]) -> None:
        by_name = {m.name: m for m in models}
        self.lines: list[ModbusLine] = []
        self._at_counter: dict[int, list[tuple[ModbusLine, LedDisplay, DisplayModel]]] = {}
        for config in lines:
            if config.protocol != "modbus-display":
                continue
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
