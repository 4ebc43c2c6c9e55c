"""The centre's serial lines as one component: keypads, radio call buttons, LED signs.

The composition root (app.py) builds this when `[[devices.serial_lines]]` are configured;
each kind of line gets its own service, and only the kinds present are built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from devices.tasks import cancel_and_wait

from ..config import CentreConfig
from ..dispatcher import Dispatcher, Listener
from .keypad.service import KEYPAD_PROTOCOLS, KeypadService
from .modbus.service import LedDisplayService
from .rf433.bindings import RfBindings
from .rf433.service import RF_PROTOCOLS, RfService

DeviceListener = Callable[[dict[str, Any]], None]
WATCH_S = 1.0
"""How often lines are looked at for a change worth telling admins (up/down, keypads)."""
_WATCHED = ("up", "keypads_online", "displays_online")


class SerialDevices:
    def __init__(
        self, config: CentreConfig, dispatcher: Dispatcher, rf_bindings: RfBindings
    ) -> None:
        lines = config.devices.serial_lines
        self.keypads: KeypadService | None = None
        self.rf: RfService | None = None
        self.displays: LedDisplayService | None = None
        if any(line.protocol in KEYPAD_PROTOCOLS for line in lines):
            self.keypads = KeypadService(dispatcher, lines)
        if any(line.protocol in RF_PROTOCOLS for line in lines):
            self.rf = RfService(dispatcher, rf_bindings, lines)
        if any(line.protocol == "modbus-display" for line in lines):
            self.displays = LedDisplayService(dispatcher, config.devices)
        self._listeners: list[DeviceListener] = []
        self._told: dict[str, tuple[Any, ...]] = {}
        self._watch: asyncio.Task[None] | None = None

    @property
    def services(self) -> list[KeypadService | RfService | LedDisplayService]:
        return [s for s in (self.keypads, self.rf, self.displays) if s is not None]

    def watches(self) -> list[Listener]:
        """The dispatcher listeners that keep the counters' devices showing the queue's
        state (keypads, LED signs); the composition root registers them."""
        return [s.watch for s in (self.keypads, self.displays) if s is not None]

    async def start(self) -> None:
        for service in self.services:
            await service.start()
        self._watch = asyncio.create_task(self._watch_forever(), name="serial line states")

    async def stop(self) -> None:
        await cancel_and_wait(self._watch)
        self._watch = None
        for service in reversed(self.services):
            await service.stop()

    def device_states(self) -> list[dict[str, Any]]:
        """Every line's state (online, corrupt frames, ...) for /metrics and the admin.
        Each has the hub's device fields: a unique `name` ("line:<name>"), `kind`, `up`."""
        return [state for service in self.services for state in service.device_states()]

    def on_change(self, listener: DeviceListener) -> None:
        """Call `listener` with a line's state when it goes up or down, or its keypads or
        displays come and go (the hub tells admin views)."""
        self._listeners.append(listener)

    async def _watch_forever(self) -> None:
        while True:
            for state in self.device_states():
                key = tuple(state.get(k) for k in _WATCHED)
                if self._told.get(state["name"]) != key:
                    self._told[state["name"]] = key
                    for listener in self._listeners:
                        listener(state)
            await asyncio.sleep(WATCH_S)
