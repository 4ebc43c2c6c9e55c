"""LED displays wired to the server itself: they follow their counters through the dispatcher."""

from __future__ import annotations

from typing import Any

from queue_server.config import Devices
from queue_server.dispatcher import Dispatcher

from ..counters import CounterWatch, Shown
from .displays import LedDisplays


class LedDisplayService:
    def __init__(self, dispatcher: Dispatcher, devices: Devices) -> None:
        self.dispatcher = dispatcher
        self.displays = LedDisplays(devices.serial_lines, devices.display_models)
        self.watch = CounterWatch(dispatcher.engine, self.displays.counters, self._show)
        self._listening = False

    def _show(self, changes: dict[int, Shown]) -> None:
        for counter, shown in changes.items():
            self.displays.show(counter, shown)

    async def start(self) -> None:
        if not self._listening:
            self.dispatcher.listen(self.watch)
            self._listening = True
        self.watch.active = True
        self._show(self.watch.all_shown())
        await self.displays.start()

    async def stop(self) -> None:
        self.watch.active = False
        await self.displays.stop()

    def device_states(self) -> list[dict[str, Any]]:
        return self.displays.device_states()
