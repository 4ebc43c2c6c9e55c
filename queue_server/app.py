"""The one place that knows every part: builds a centre from its config and wires it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .accounts import AccountStore
from .config import CentreConfig
from .dispatcher import Delivery, Dispatcher, save_state_at_last_close
from .engine import Engine, Event
from .engine.events import DayClosed
from .store import EventLog
from .tasks import cancel_and_wait

if TYPE_CHECKING:
    from devices.escpos.service import PrintService
    from devices.lines import SerialDevices

log = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL_S = 1.0


class Component(Protocol):
    """A part that runs beside the queue (printers, serial lines): started after the
    dispatcher, stopped before it, in reverse order."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Centre:
    """One centre's running parts: engine, event log, accounts and the dispatcher."""

    def __init__(self, config: CentreConfig, db_path: str | Path | None = None) -> None:
        self.config = config
        self.engine = Engine(config.queue_setup())
        log_path = db_path or config.store.path
        self.log = EventLog(log_path, config.centre.id, config.store.durability)
        self.accounts = AccountStore(config.store.accounts_file(log_path))
        self.dispatcher = Dispatcher(self.engine, self.log)
        started = time.perf_counter()
        self.replayed_events = self.dispatcher.replay()
        self.replay_seconds = time.perf_counter() - started
        self._housekeeping: asyncio.Task[None] | None = None
        self.saving_day_end: asyncio.Task[int] | None = None
        """Saving the state at the last close of a day, off the loop (`_day_closed`)."""
        self._stopping = False
        self.dispatcher.listen(self._watch_day_close)
        self.components: list[Component] = []
        self.printing: PrintService | None = None
        if config.devices.printers:
            from devices.escpos.service import PrintService  # Pillow & co. only when needed

            self.printing = PrintService(config, self.engine, self.dispatcher)
            self.components.append(self.printing)
        self.serial: SerialDevices | None = None
        if config.devices.serial_lines:
            from devices.lines import SerialDevices  # keypads, radio buttons, LED signs

            self.serial = SerialDevices(config, self.dispatcher, self.accounts)
            self.components.append(self.serial)
        log.info(
            "replayed %d events from %s in %.3f s, from seq %d (%s)",
            self.replayed_events,
            self.log.path,
            self.replay_seconds,
            self.dispatcher.resumed_from + 1,
            "the state saved at the last day's close"
            if self.dispatcher.resumed_from
            else "the start of the log",
        )

    async def start(self) -> None:
        self.dispatcher.start()
        await self.dispatcher.housekeep()
        self._housekeeping = asyncio.create_task(self._housekeep_forever(), name="housekeeping")
        for component in self.components:
            await component.start()

    async def stop(self) -> None:
        self._stopping = True
        for component in reversed(self.components):
            try:
                await component.stop()
            except Exception:
                log.exception("stopping %r failed", component)
        await cancel_and_wait(self._housekeeping)
        self._housekeeping = None
        if self.saving_day_end is not None:
            await asyncio.wait([self.saving_day_end])  # its thread cannot be cancelled
        self.dispatcher.stop()
        self.log.close()
        self.accounts.close()

    def _watch_day_close(self, first_seq: int, events: Sequence[Event]) -> Delivery | None:
        if any(type(event) is DayClosed for event in events):
            return self._day_closed
        return None

    def _day_closed(self) -> None:
        """A close is committed: save the state it left for the next start, so that a
        server that runs for months does not replay them all when it restarts.  Not
        while stopping (a close committed then is saved by the next start's replay)."""
        if self._stopping:
            return
        self.saving_day_end = asyncio.create_task(
            self._save_day_end(self.saving_day_end), name="save the state at a close"
        )

    async def _save_day_end(self, previous: asyncio.Task[int] | None) -> int:
        if previous is not None:
            await asyncio.wait([previous])  # one at a time, in order
        path = self.log.path
        try:
            # A connection and an engine of its own, on a thread: the day's events are
            # replayed from the state saved before (tens of ms), and the loop goes on.
            return await asyncio.to_thread(save_state_at_last_close, self.config, path)
        except Exception:
            log.exception("saving the state at the last close failed")
            return 0

    async def _housekeep_forever(self) -> None:
        """Time moves even when nobody presses anything: no-shows return, days roll over."""
        while True:
            await asyncio.sleep(HOUSEKEEPING_INTERVAL_S)
            try:
                await self.dispatcher.housekeep()
            except Exception:
                log.exception("housekeeping failed")
