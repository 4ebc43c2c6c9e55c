"""LED displays wired to the server itself: they follow their counters through the dispatcher."""

from __future__ import annotations

from typing import Any

from devices.modbus.displays import LedDisplays
from devices.shown import Shown

from ...config import Devices
from ...dispatcher import Dispatcher
from ..counters import CounterWatch
from ..lines_config import display_lines


class LedDisplayService:
    def __init__(self, dispatcher: Dispatcher, devices: Devices) -> None:
        self.dispatcher = dispatcher
        self.displays = LedDisplays(display_lines(devices.serial_lines), devices.display_models)
        self.watch = CounterWatch(dispatcher.engine, self.displays.counters, self._show)
        """Listens to the dispatcher once the composition root registers it (app.py)."""

    def _show(self, changes: dict[int, Shown]) -> None:
        for counter, shown in changes.items():
            self.displays.show(counter, shown)

    async def start(self) -> None:
        self.watch.active = True
        self._show(self.watch.all_shown())
        await self.displays.start()

    async def stop(self) -> None:
        self.watch.active = False
        await self.displays.stop()

    def device_states(self) -> list[dict[str, Any]]:
        return self.displays.device_states()
