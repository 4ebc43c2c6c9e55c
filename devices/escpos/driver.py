"""One printer: one job at a time, its status asked before and after every job.

Why status around the job: a printer with its cover open or out of paper takes
the bytes and prints them later, or never; asked first, it says so and the job
goes elsewhere at once.  Asked again after the job, it tells whether the paper
ran out or the connection died on the way (a real-time DLE EOT is answered when
it arrives, so this cannot prove the ink is on the paper; it catches what can be
caught without model-specific commands).

Every step up to sending runs against the job's deadline; a step that overran says
what state the printer is in: no answer to connecting is "offline", no answer to a
status query or no more data taken is "not answering".  Once the job's first byte is
sent, the job is finished on this printer or cut off there for certain, never both:
a slow printer that keeps taking data is given up on only after taking nothing for
`timeout_s` (or after JOB_LIMIT_S in all), and then its connection is reset, so no
ticket comes out of it after the job went to a backup.  An idle printer is asked
every few seconds (`poll`); a job never waits behind a poll.

A job the printer has taken (`Link.delivered`: every byte written and acknowledged)
is printed as far as the server can know, whatever comes next: paper end reported
after it, a status answered late, the printer closing the connection.  Sending it to
a backup would give the citizen two tickets with one number; what the printer said
marks the printer (`status`, its listeners) and is handed back as `Printed.trouble`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .adapters import Adapter, ClosedByPrinter, Link, PrinterUnavailable, adapter_for
from .address import PrinterAddress, parse_printer_url
from .protocol import (
    OFFLINE_CAUSE,
    PAPER,
    PRINTER,
    UNKNOWN,
    Cutter,
    PrinterState,
    PrinterStatus,
    parse_status,
    profile_for,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

JOB_LIMIT_S = 20.0
"""The longest a printer may take to take a whole ticket while it keeps taking data (a
cheap printer with a small buffer takes ~5 KB/s: an 80 mm ticket in ~10 s)."""

StatusListener = Callable[["PrinterDriver", PrinterStatus, PrinterStatus], None]
"""Called with (driver, old, new) when a printer's state changes."""


class PrintFailed(Exception):
    """This printer did not print the job; `reason` is for people, `status` for the record."""

    def __init__(self, reason: str, status: PrinterStatus | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True, slots=True)
class Printed:
    """A job this printer took: it stays here, whatever the printer said after it."""

    status: PrinterStatus
    """The printer's state as last known (asked after the job, when it answered)."""
    trouble: str = ""
    """What the printer said or did after taking the job, when it was not fine: for the
    record and the staff, not a reason to print the ticket again."""


class PrinterDriver:
    def __init__(
        self,
        name: str,
        address: PrinterAddress,
        adapter: Adapter,
        *,
        paper_mm: int,
        profile: str,
        timeout_s: float,
        cutter: Cutter = None,
    ) -> None:
        self.name, self.address, self.adapter = name, address, adapter
        self.paper_mm, self.profile, self.timeout_s = paper_mm, profile, timeout_s
        self.cutter = cutter
        self.status: PrinterStatus = UNKNOWN
        self.changed_at = time.time()
        self._lock = asyncio.Lock()
        self._polls: set[asyncio.Task[PrinterStatus]] = set()
        """Status checks in flight (the watch's, an admin's): a job cancels them all."""
        self._listeners: list[StatusListener] = []

    def listen(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    # ------------------------------------------------------------------ status

    async def poll(self, fresh: bool = False) -> PrinterStatus:
        """Ask an idle printer how it is; gives way to a job that arrives meanwhile.

        A busy printer is not asked, unless `fresh`: then the answer comes after it."""
        if self._lock.locked() and not fresh:
            return self.status
        poll = asyncio.create_task(self._checked(), name=f"poll-{self.name}")
        self._polls.add(poll)
        try:
            await asyncio.wait({poll})
        finally:
            self._polls.discard(poll)
        return self.status if poll.cancelled() else poll.result()

    async def _checked(self) -> PrinterStatus:
        async with self._lock:
            step = _Step()
            try:
                async with asyncio.timeout(self.timeout_s):
                    link = await step.run("connect", self.adapter.open())
                    try:
                        return self._record(await self._ask(link, step))
                    finally:
                        await link.close()
            except PrinterUnavailable as exc:
                return self._record(exc.status)
            except TimeoutError:
                return self._record(step.timed_out(self.timeout_s))

    async def _ask(self, link: Link, step: _Step, after_job: float | None = None) -> PrinterStatus:
        """The printer's three status bytes.  `after_job`: the first answer waits behind
        the job just sent, for as long as the printer keeps taking it (this many seconds
        without progress, and it is given up on)."""
        if not self.address.has_status:
            return PrinterStatus(PrinterState.ONLINE, "assumed: this connection gives no status")
        first = "taking the job" if after_job is not None else "status"
        answers = [await step.run(first, link.query(PRINTER, after_job))]
        answers += [
            await step.run("status", link.query(n, after_job)) for n in (OFFLINE_CAUSE, PAPER)
        ]
        return parse_status(*answers)

    def _record(self, status: PrinterStatus) -> PrinterStatus:
        old, self.status = self.status, status
        if old.state is not status.state:
            self.changed_at = time.time()
            level = logging.INFO if status.state is PrinterState.ONLINE else logging.WARNING
            log.log(level, "printer %s: %s -> %s", self.name, old.describe(), status.describe())
            for listener in self._listeners:
                try:
                    listener(self, old, status)
                except Exception:
                    log.exception("printer status listener failed")
        return status

    # ------------------------------------------------------------------ jobs

    async def print_job(self, job: Awaitable[bytes], seconds: float) -> Printed:
        """Check, send, check again; raises PrintFailed when the printer did not take it.

        Connecting and the first status check are bounded by `seconds`; then the job is
        sent, and bounded by the printer's progress (see the module's docstring).  `job`
        is awaited only once the printer said it is ready, so rendering can run while the
        printer is being asked.
        """
        for poll in self._polls:
            poll.cancel()
        try:
            async with asyncio.timeout(seconds):
                await self._lock.acquire()
        except TimeoutError:
            raise PrintFailed("timed out waiting for the previous job") from None
        try:
            return await self._print_locked(job, seconds)
        finally:
            self._lock.release()

    async def _print_locked(self, job: Awaitable[bytes], seconds: float) -> Printed:
        step = _Step()
        link: Link | None = None
        taken = False
        try:
            async with asyncio.timeout(seconds):
                link = await step.run("connect", self.adapter.open())
                before = self._record(await self._ask(link, step))
                if not before.printable:
                    raise PrintFailed(before.describe(), before)
                data = await step.run("render", job)
            try:
                async with asyncio.timeout(JOB_LIMIT_S):
                    await step.run("send", link.write(data))
                    after = self._record(await self._ask(link, step, after_job=self.timeout_s))
            except (PrinterUnavailable, TimeoutError) as exc:
                if step.current == "send" or not link.delivered():
                    raise  # not all taken: cut off below, and the job goes elsewhere
                taken = True
                return self._taken_then(exc)
            taken = True
            return Printed(after, "" if after.printable else after.describe())
        except PrinterUnavailable as exc:
            status = self._record(exc.status)
            raise PrintFailed(status.describe(), status) from exc
        except TimeoutError:
            if step.current == "render":
                raise PrintFailed("timed out render") from None
            limit = JOB_LIMIT_S if step.current in ("send", "taking the job") else seconds
            status = self._record(step.timed_out(limit))
            raise PrintFailed(status.describe(), status) from None
        finally:
            if link is not None:
                # All taken: nothing can follow.  Else cut it off, so that nothing of this
                # job is printed here once it goes to another printer.
                await (link.close() if taken else link.abort())

    def _taken_then(self, exc: PrinterUnavailable | TimeoutError) -> Printed:
        """The job was taken, then the printer failed to say how it is: mark the printer."""
        if isinstance(exc, ClosedByPrinter):
            # Some printers close after every job: not a fault; the next poll asks.
            log.info("printer %s closed the connection after taking a job", self.name)
            return Printed(self.status, "closed the connection after the job")
        if isinstance(exc, PrinterUnavailable):
            status = exc.status
        else:
            status = PrinterStatus(
                PrinterState.NOT_ANSWERING, f"status not answered within {JOB_LIMIT_S:g} s"
            )
        self._record(status)
        return Printed(status, status.describe())


class _Step:
    """Which step a printer operation is on, so a timeout can say what did not answer."""

    def __init__(self, current: str = "") -> None:
        self.current = current

    async def run(self, name: str, operation: Awaitable[T]) -> T:
        self.current = name
        return await operation

    def timed_out(self, seconds: float) -> PrinterStatus:
        if self.current == "connect":
            return PrinterStatus(PrinterState.OFFLINE, f"no answer to connect within {seconds:g} s")
        if self.current in ("send", "taking the job"):
            return PrinterStatus(
                PrinterState.NOT_ANSWERING, f"still taking the job after {seconds:g} s: cut off"
            )
        return PrinterStatus(
            PrinterState.NOT_ANSWERING, f"status not answered within {seconds:g} s"
        )


class PrinterSettings(Protocol):
    """What a driver needs to know of a printer (the server's `[[devices.printers]]`)."""

    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def paper_mm(self) -> int: ...
    @property
    def profile(self) -> str: ...
    @property
    def timeout_s(self) -> float: ...
    @property
    def cutter(self) -> Cutter: ...


def driver_for(printer: PrinterSettings) -> PrinterDriver:
    """The driver for a configured printer (its settings already checked)."""
    address = parse_printer_url(printer.url)
    profile = profile_for(printer.profile, printer.paper_mm)
    return PrinterDriver(
        printer.name,
        address,
        adapter_for(address, profile, printer.timeout_s),
        paper_mm=printer.paper_mm,
        profile=profile,
        timeout_s=printer.timeout_s,
        cutter=printer.cutter,
    )
