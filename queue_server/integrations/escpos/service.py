"""The centre's ticket printers as one component: kiosk routing, backups, polling, events.

A ticket is printed only after its `TicketIssued` is committed (the API calls
`print_ticket` after the dispatcher returned), so no printer ever shows a number
the log does not hold.  A kiosk's printers are tried in order, the first one
first, all within `deadline_s`; the outcome is committed as `TicketPrinted` or
`TicketPrintFailed` and returned, and on failure the kiosk shows the ticket on
screen: a ticket is never silently lost.  A printer that took the job keeps it
(one ticket per number), even if it then reports trouble: that goes into the
`TicketPrinted` reason and the printer's state.

Rendering and encoding run on one worker thread (it owns the font and strip
caches), started as soon as the ticket is known, while the first printer is
being asked for its status.

The last tickets handed to the printers are remembered with the strips drawn for
them (`recent`), so the admin page can show what each printer was sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from devices.escpos.driver import PrinterDriver, PrintFailed, driver_for
from devices.escpos.protocol import Cutter, JobEncoder, PrinterStatus
from devices.escpos.render import Strip, TicketFacts, TicketRenderer, shaping_problem

from ...config import CentreConfig, LocalizedText
from ...dispatcher import Dispatcher
from ...engine import Actor, Engine
from ...engine.events import TicketPrinted, TicketPrintFailed
from ...engine.state import Ticket
from ...views import booked_slot, chosen_procedure, iso_time
from .kiosks import KioskStates
from .recent import RecentTickets

log = logging.getLogger(__name__)

PRINT_DEADLINE_S = 1.9
"""All of a kiosk's printers are tried within this, leaving the 2 s the kiosk may wait
room to commit the outcome."""
POLL_INTERVAL_S = 3.0

DeviceListener = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class PrintResult:
    status: Literal["printed", "failed", "none"]
    printer: str | None = None
    error: str | None = None
    facts: TicketFacts | None = None
    """What was (or would have been) printed; kept for tests and previews."""


NO_PRINTER = PrintResult("none")


def localized(text: LocalizedText, lang: str, default: str) -> str:
    return text.get(lang) or text.get(default) or ""


def ticket_facts(
    config: CentreConfig, engine: Engine, ticket: Ticket, status_url: str
) -> TicketFacts:
    """What the ticket says, in its language, as the queue stands now."""
    lang, default = ticket.lang, config.centre.default_language
    priority = None
    if ticket.priority is not None:
        for cls in config.priority_classes:
            if cls.code == ticket.priority:
                priority = localized(cls.name, lang, default)
    wait = engine.ticket_estimated_wait_s(ticket)
    return TicketFacts(
        lang=lang,
        centre=localized(config.centre.name, lang, default),
        number=ticket.number,
        service=localized(config.service(ticket.service).name, lang, default),
        priority=priority,
        issued_at=datetime.fromtimestamp(ticket.issued_at, config.zone),
        people_ahead=engine.people_ahead(ticket),
        wait_minutes=None if wait is None else round(wait / 60),
        status_url=status_url,
        footer=localized(config.centre.ticket_footer, lang, default),
        no_counter_open=wait is None and engine.open_counters(ticket.service) == 0,
        booked_for=_booked_for(engine, ticket, config),
        papers=_papers(config, ticket),
    )


def _papers(config: CentreConfig, ticket: Ticket) -> tuple[str, ...]:
    """The papers to bring for the procedure chosen at the kiosk, in the ticket's language."""
    service = next((s for s in config.services if s.code == ticket.service), None)
    procedure = chosen_procedure(service, ticket)
    if procedure is None:
        return ()
    papers = procedure.papers
    return tuple(papers.get(ticket.lang) or papers.get(config.centre.default_language, []))


def _booked_for(engine: Engine, ticket: Ticket, config: CentreConfig) -> str | None:
    """The slot's start ("09:30") of a ticket checked in on time for a booking; a late
    check-in waits as a walk-in and is printed as one."""
    slot = booked_slot(engine, ticket)
    return None if slot is None else f"{datetime.fromtimestamp(slot, config.zone):%H:%M}"


def device_view(driver: PrinterDriver, zone: Any = None) -> dict[str, Any]:
    """A printer as the admin page and /metrics see it."""
    status = driver.status
    return {
        "name": driver.name,
        "kind": "printer",
        "state": status.state.value,
        "detail": status.detail,
        "up": status.printable,
        "since": iso_time(driver.changed_at, zone) if zone is not None else None,
        "connection": driver.address.kind,
        "paper_mm": driver.paper_mm,
    }


class TicketJobs:
    """Render and encode tickets on one worker thread, which alone touches the caches."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ticket-render")
        self._renderers: dict[int, TicketRenderer] = {}
        self._encoders: dict[tuple[str, Cutter], JobEncoder] = {}

    def submit(
        self,
        facts: TicketFacts,
        paper_mm: int,
        profile: str,
        keep: list[Strip] | None = None,
        cutter: Cutter = None,
    ) -> asyncio.Future[bytes]:
        """The job's bytes, built on the worker; the strips drawn are added to `keep`."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._pool, self.build, facts, paper_mm, profile, keep, cutter)

    def build(
        self,
        facts: TicketFacts,
        paper_mm: int,
        profile: str,
        keep: list[Strip] | None = None,
        cutter: Cutter = None,
    ) -> bytes:
        renderer = self._renderers.get(paper_mm)
        if renderer is None:
            renderer = self._renderers[paper_mm] = TicketRenderer(paper_mm)
        encoder = self._encoders.get((profile, cutter))
        if encoder is None:
            encoder = self._encoders[profile, cutter] = JobEncoder(profile, cutter)
        strips = renderer.render(facts)
        if keep is not None:
            keep.extend(strips)  # their images are never drawn on once returned
        return encoder.job([(s.image, s.key) for s in strips])

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class PrintService:
    """Every printer of the centre: a `Centre` component (start/stop)."""

    def __init__(
        self,
        config: CentreConfig,
        engine: Engine,
        dispatcher: Dispatcher,
        *,
        poll_interval_s: float | None = None,
        deadline_s: float = PRINT_DEADLINE_S,
    ) -> None:
        self.config, self.engine, self.dispatcher = config, engine, dispatcher
        self.poll_interval_s = poll_interval_s or POLL_INTERVAL_S
        self.deadline_s = deadline_s
        self.drivers = {p.name: driver_for(p) for p in config.devices.printers}
        self.kiosks = {k.name: list(k.printers) for k in config.devices.kiosks}
        self.kiosk_states = KioskStates(config.devices.kiosks)
        """Which kiosks cannot print (kiosks.py): their pages and the staff are told."""
        self.jobs = TicketJobs()
        self.recent = RecentTickets()
        """The last tickets handed to the printers, with their images (admin page)."""
        self._polls: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ component

    async def start(self) -> None:
        problem = shaping_problem()
        if problem:
            log.error("%s", problem)
        for driver in self.drivers.values():
            self._polls.append(
                asyncio.create_task(self._poll_forever(driver), name=f"printer-{driver.name}")
            )

    async def stop(self) -> None:
        for task in self._polls:
            task.cancel()
        await asyncio.gather(*self._polls, return_exceptions=True)
        self._polls.clear()
        self.jobs.close()

    async def _poll_forever(self, driver: PrinterDriver) -> None:
        while True:
            try:
                await driver.poll()
            except Exception:
                log.exception("asking printer %s for its status failed", driver.name)
            await asyncio.sleep(self.poll_interval_s)

    # ------------------------------------------------------------------ status

    def on_change(self, listener: DeviceListener) -> None:
        """Call `listener` with a printer's view whenever its state changes, then with
        the view of each kiosk whose verdict (can print or not) changed with it."""
        zone = self.config.zone

        def changed(driver: PrinterDriver, _old: object, _new: object) -> None:
            listener(device_view(driver, zone))
            for kiosk in self.kiosk_states.changed(self._statuses()):
                listener(kiosk)

        for driver in self.drivers.values():
            driver.listen(changed)

    def _statuses(self) -> dict[str, PrinterStatus]:
        return {name: driver.status for name, driver in self.drivers.items()}

    def refuses_tickets(self, kiosk: str) -> bool:
        """Every printer of the kiosk is down and it may not show tickets on screen."""
        return self.kiosk_states.refuses_tickets(kiosk, self._statuses())

    async def refresh(self) -> None:
        """Ask every idle printer now (an admin's "check again")."""
        await asyncio.gather(*(d.poll(fresh=True) for d in self.drivers.values()))

    def device_views(self) -> list[dict[str, Any]]:
        """The printers, then the kiosks (whether each can print)."""
        printers = [device_view(d, self.config.zone) for d in self.drivers.values()]
        return printers + self.kiosk_states.views(self._statuses())

    # ------------------------------------------------------------------ printing

    def handles(self, kiosk: str) -> bool:
        return kiosk in self.kiosks

    def has_printer(self, name: str) -> bool:
        return name in self.drivers

    def printer_views(self) -> list[dict[str, Any]]:
        """The hall's printers and whether each can print now (a volunteer picks one)."""
        return [device_view(d, self.config.zone) for d in self.drivers.values()]

    async def print_ticket(
        self, kiosk: str, ticket: Ticket, status_url: str, actor: Actor
    ) -> PrintResult:
        """Print a committed ticket on the kiosk's printers; commit and return the outcome."""
        names = self.kiosks.get(kiosk)
        if not names:
            return NO_PRINTER
        return await self._print_on(names, kiosk, ticket, status_url, actor)

    async def print_on(
        self, printer: str, ticket: Ticket, status_url: str, actor: Actor
    ) -> PrintResult:
        """Print a committed ticket on one printer a person chose (a volunteer's tablet):
        no backups, the tablet shows the ticket if it fails."""
        if printer not in self.drivers:
            return NO_PRINTER
        return await self._print_on(
            [printer], f"{actor.kind}:{actor.id}", ticket, status_url, actor
        )

    async def _print_on(
        self, names: list[str], where: str, ticket: Ticket, status_url: str, actor: Actor
    ) -> PrintResult:
        """Try `names` in order within the deadline; `where` names the sender for the admin
        page (a kiosk, or `volunteer:<name>`)."""
        facts = ticket_facts(self.config, self.engine, ticket, status_url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.deadline_s
        jobs: dict[tuple[int, str, Cutter], asyncio.Future[bytes]] = {}
        drawn: dict[tuple[int, str, Cutter], list[Strip]] = {}
        tried: list[str] = []
        reasons: list[str] = []
        printed: str | None = None
        try:
            for name in names:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    reasons.append(f"{name}: not tried, no time left")
                    continue
                driver = self.drivers[name]
                key = (driver.paper_mm, driver.profile, driver.cutter)
                if key not in jobs:
                    drawn[key] = []
                    jobs[key] = self.jobs.submit(
                        facts, driver.paper_mm, driver.profile, drawn[key], driver.cutter
                    )
                try:
                    done = await driver.print_job(
                        asyncio.shield(jobs[key]), min(driver.timeout_s, remaining)
                    )
                except PrintFailed as exc:
                    tried.append(name)
                    reasons.append(f"{name}: {exc.reason}")
                    continue
                except Exception as exc:  # a bug (rendering?) must not lose the ticket
                    log.exception("printing ticket %s on %s failed", ticket.number, name)
                    tried.append(name)
                    reasons.append(f"{name}: {type(exc).__name__}: {exc}")
                    continue
                printed = name
                if done.trouble:  # the printer's state, not the ticket's: it is printed
                    reasons.append(f"{name}: printed, then {done.trouble}")
                    log.warning(
                        "ticket %s printed on %s, then %s", ticket.number, name, done.trouble
                    )
                break
        finally:
            for job in jobs.values():  # a render nobody waited for must not warn later
                job.add_done_callback(_retrieve)
        at = self.dispatcher.now()
        reason = "; ".join(reasons)
        # Remembered before the outcome is committed, so an admin told of the event finds it.
        shown = (
            (
                self.drivers[printed].paper_mm,
                self.drivers[printed].profile,
                self.drivers[printed].cutter,
            )
            if printed is not None
            else next(iter(jobs), None)
        )
        self.recent.add(
            ticket=ticket.id,
            number=ticket.number,
            service=ticket.service,
            lang=ticket.lang,
            kiosk=where,
            at=at,
            status="printed" if printed is not None else "failed",
            printer=printed,
            printers_tried=tried,
            reason=reason,
            paper_mm=None if shown is None else shown[0],
            job=None if shown is None else jobs[shown],
            strips=None if shown is None else drawn[shown],
        )
        if printed is not None:
            await self.dispatcher.record(
                [
                    TicketPrinted(
                        at=at,
                        actor=actor,
                        ticket=ticket.id,
                        printer=printed,
                        fallback_from=tried,
                        reason=reason,
                    )
                ]
            )
            return PrintResult("printed", printed, None, facts)
        log.warning("ticket %s was not printed: %s", ticket.number, reason)
        await self.dispatcher.record(
            [
                TicketPrintFailed(
                    at=at, actor=actor, ticket=ticket.id, printers_tried=tried, reason=reason
                )
            ]
        )
        return PrintResult("failed", None, reason, facts)


def _retrieve(job: asyncio.Future[bytes]) -> None:
    if not job.cancelled() and job.exception() is not None:
        log.error("rendering a ticket failed", exc_info=job.exception())
