"""The composition root: the one place that builds a centre from its config and wires it.

Everything else receives what it needs: the engine its `QueueSetup`, the web layer a
`CentreContext` (web/context.py), each integration the dispatcher and its config.
The dispatcher's listeners are registered here, in one ordered list (`_listeners`),
because their order is what people see first: the hall displays hear a call before
the counters' keypads and LED signs do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from devices import serial_port
from devices.tasks import cancel_and_wait

from . import trace
from .accounts import AccountStore
from .accounts.day_keys import DayKeys
from .config import CentreConfig
from .dispatcher import Delivery, Dispatcher, Listener, save_state_at_last_close
from .engine import Engine, Event
from .engine import commands as c
from .engine.events import SYSTEM, AppointmentDataDropped, DayClosed
from .finder import Finder
from .integrations.rf433.bindings import RfBindings
from .issuing import TicketIssuer
from .live.fanout import Hub
from .live.projection import Projection
from .store import EventLog
from .store.lock import LogLock
from .voice import Announcer
from .web.hub_socket import text_frame
from .web.metrics import Metrics

if TYPE_CHECKING:
    from .city.shipper import Shipper
    from .integrations.escpos.service import PrintService
    from .integrations.lines import SerialDevices
    from .integrations.rf433.service import RfService

log = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL_S = 1.0


class Component(Protocol):
    """A part that runs beside the queue (printers, serial lines, the city link): started after the
    dispatcher, stopped before it, in reverse order."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Centre:
    """One centre's running parts, built and wired."""

    def __init__(self, config: CentreConfig, db_path: str | Path | None = None) -> None:
        if trace.TRACE_FILE:  # the benchmarks' opt-in timestamps (trace.py)
            serial_port.arrival_hook = trace.stamp_arrival
        self.config = config
        self.engine = Engine(config.queue_setup())
        log_path = db_path or config.store.path
        self.lock = LogLock(log_path)
        """One server per log: a second one is refused, naming the first's PID."""
        self.log = EventLog(log_path, config.centre.id, config.store.durability)
        accounts_file = config.store.accounts_file(log_path)
        self.accounts = AccountStore(accounts_file)
        self.radio_bindings = RfBindings(accounts_file)
        self.day_keys = DayKeys(accounts_file)
        """The keys phone numbers are digested with, one per booked day."""
        self.dispatcher = Dispatcher(self.engine, self.log)
        started = time.perf_counter()
        self.replayed_events = self.dispatcher.replay()
        self.replay_seconds = time.perf_counter() - started
        self.hub = Hub(
            Projection(self.engine, config.services),
            text_frame,
            seq=self.log.last_seq,
            commit_queued=self.dispatcher.commit_queued,
        )
        self.hub.restore_calls(
            (
                call
                for seq, event in self.dispatcher.replayed_calls
                if (call := self.hub.projection.call(seq, event)) is not None
            ),
            self.dispatcher.replayed_calls_since,
        )
        self.metrics = Metrics(self.engine, self.hub, self.log)
        self.finder = Finder(config.services)
        """Indexed once here; every search only reads it."""
        self.announcer = Announcer(config.voice, config.centre.languages, config.voice.cache_dir)
        self.printing: PrintService | None = None
        if config.devices.printers:
            from .integrations.escpos.service import PrintService  # Pillow & co. when needed

            self.printing = PrintService(config, self.engine, self.dispatcher)
        self.serial: SerialDevices | None = None
        if config.devices.serial_lines:
            from .integrations.lines import SerialDevices  # keypads, radio buttons, LED signs

            self.serial = SerialDevices(config, self.dispatcher, self.radio_bindings)
        self.city: Shipper | None = None
        if config.city is not None:
            from .city.shipper import Shipper  # psycopg only for a centre that ships

            self.city = Shipper(
                config.city.dsn,
                config.city_centre_id,
                config.zone,
                self.log.path,
                self.log.last_seq,
            )
        self.issuer = TicketIssuer(self.dispatcher, self.engine, self.printing)
        self.components: list[Component] = [c for c in (self.printing, self.serial, self.city) if c]
        """Started in this order after the dispatcher (the demo puts its emulators first)."""
        for listener in self._listeners():
            self.dispatcher.listen(listener)
        self._report_device_states()
        self._housekeeping: asyncio.Task[None] | None = None
        self.saving_day_end: asyncio.Task[int] | None = None
        """Saving the state at the last close of a day, off the loop (`_day_closed`)."""
        self._stopping = False
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

    def _listeners(self) -> list[Listener]:
        """Who hears each commit, in order: the hall and every `/ws` client first (a call
        on the big screen is the product's heartbeat), the metrics, the day's close, then
        the devices at the counters (keypads, LED signs), which follow the same state."""
        hub: Listener = trace.traced_hub(self.hub) if trace.TRACE_FILE else self.hub
        counter_devices = self.serial.watches() if self.serial is not None else []
        city = [self.city.on_commit] if self.city is not None else []
        return [
            hub,
            self.metrics.on_events,
            self._watch_day_close,
            self._forget_dropped_days,
            *counter_devices,
            *city,  # only told that a commit happened: it reads the log on its own task
        ]

    def _report_device_states(self) -> None:
        """Devices report their states to the hub (admin views) and to /metrics."""
        hub = self.hub
        if self.printing is not None:
            for device in self.printing.device_views():
                hub.device_changed(device)
            self.printing.on_change(hub.device_changed)
        if self.serial is not None:
            for device in self.serial.device_states():
                hub.device_changed(device)
            self.serial.on_change(hub.device_changed)
            self.metrics.watch_serial_lines(self.serial.device_states)
        if self.city is not None:
            hub.device_changed(self.city.device_state())
            self.city.on_change(hub.device_changed)
            self.metrics.watch_city_link(self.city.status)

    # ------------------------------------------------------------------ what the web sees

    @property
    def printers(self) -> PrintService | None:
        return self.printing

    @property
    def radio(self) -> RfService | None:
        return self.serial.rf if self.serial is not None else None

    def device_states(self) -> list[dict[str, Any]]:
        devices = self.printing.device_views() if self.printing is not None else []
        if self.serial is not None:
            devices += self.serial.device_states()
        if self.city is not None:
            devices.append(self.city.device_state())
        return devices

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        self.dispatcher.start()
        await self.dispatcher.housekeep()
        self._drop_day_keys(self._last_dropped_day())
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
        self.radio_bindings.close()
        self.day_keys.close()
        self.accounts.close()
        self.lock.release()

    def _forget_dropped_days(self, first_seq: int, events: Sequence[Event]) -> Delivery | None:
        """A day's appointment data is dropped and committed: delete its key (and any
        older one), so the digests the log keeps for it link to no phone number."""
        days = [e.day for e in events if type(e) is AppointmentDataDropped]
        if not days:
            return None
        last = max(days)
        return lambda: self._drop_day_keys(last)

    def _last_dropped_day(self) -> str:
        """The last day whose data is dropped by now: its key may be left over by a stop
        between the drop's commit and its delivery."""
        now = datetime.fromtimestamp(self.dispatcher.now(), self.config.zone).date()
        kept = self.config.appointments.retention_days + 1
        return (now - timedelta(days=kept)).isoformat()

    def _drop_day_keys(self, day: str) -> None:
        dropped = self.day_keys.drop_through(day)
        if dropped:
            log.info("dropped the phone keys of %d day(s) through %s", dropped, day)

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
                await self._sign_out_lapsed_sessions()
            except Exception:
                log.exception("housekeeping failed")

    async def _sign_out_lapsed_sessions(self) -> None:
        """Whoever holds a counter without a live session there any more (its 12 hours
        ran out, the account was disabled) leaves it: their figures stop with it."""
        if self.dispatcher.failure is not None:
            return  # nothing can be committed (a full disk): the log says so already
        for counter in list(self.engine.state.counters.values()):
            staff = counter.staff
            if staff is not None and not self.accounts.signed_in_at(counter.id, staff):
                await self.dispatcher.execute(
                    c.SignOut(counter=counter.id, staff=staff, reason="session_ended"), SYSTEM
                )
