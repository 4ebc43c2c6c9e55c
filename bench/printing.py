"""Ticket printing: render + encode one ticket, and a whole print over TCP to the emulator.

(a) Render (Pillow, raqm) and encode (python-escpos `GS v 0`) one ticket, each
    with its own number, time and QR code, as the print service does on its
    worker thread; kept strips (centre, service, footer) are reused as in service.
    Goal: median <= 10 ms.  For comparison, the same ticket encoded as one image
    (no kept strips) and the first ticket of a language (nothing kept yet).
(b) A ticket printed for a kiosk through `PrintService.print_ticket`: render,
    status before, send over TCP, status after, commit `TicketPrinted`, to an
    emulated printer on loopback.

    python -m bench.printing [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import time
from collections.abc import Callable
from datetime import datetime

import msgspec

from devices.escpos.emulator import PrinterEmulator
from devices.escpos.protocol import DEFAULT_PROFILES, JobEncoder
from devices.escpos.render import TicketFacts, TicketRenderer, shaping_problem, stack
from queue_server.app import Centre
from queue_server.config import CentreConfig
from queue_server.engine import Actor
from queue_server.engine.commands import IssueTicket
from queue_server.integrations.escpos.config import Kiosk, Printer
from queue_server.integrations.escpos.service import PrintService

from .common import (
    BENCH_DIR,
    Figure,
    Summary,
    add_summary_option,
    bench_config,
    figure_of,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)

KIOSK = Actor("kiosk", "bench-kiosk")
CASES = (("vi", 80), ("ar", 80), ("vi", 58))


def facts_for(config: CentreConfig, lang: str, n: int) -> TicketFacts:
    service = config.services[n % 3]
    return TicketFacts(
        lang=lang,
        centre=config.centre.name[lang],
        number=f"{service.prefix}{n % 1000:03d}",
        service=service.name[lang],
        priority=config.priority_classes[0].name[lang] if n % 4 == 3 else None,
        issued_at=datetime.fromtimestamp(1_790_000_000 + 37 * n, config.zone),
        people_ahead=n % 40,
        wait_minutes=(n * 7) % 90,
        status_url=f"http://192.168.1.10:8080/s/{secrets.token_urlsafe(12)}",
        footer=config.centre.ticket_footer[lang],
    )


def timed(samples: int, work: Callable[[int], object]) -> Summary:
    times = []
    for n in range(samples):
        started = time.perf_counter()
        work(n)
        times.append((time.perf_counter() - started) * 1000)
    return summarize(times)


GOAL_MS = 10.0


def render_and_encode(
    config: CentreConfig, samples: int
) -> tuple[list[tuple[object, ...]], list[Figure]]:
    rows, figures = [], []
    for lang, paper in CASES:
        row, kept = one_case(config, lang, paper, samples)
        rows.append(row)
        name = f"render + encode, {row[0]}"
        met = kept.median <= GOAL_MS
        figures.append(figure_of("Printing", name, "ms", kept, f"median <= {GOAL_MS:.0f} ms", met))
    return rows, figures


def one_case(
    config: CentreConfig, lang: str, paper: int, samples: int
) -> tuple[tuple[object, ...], Summary]:
    renderer, encoder = TicketRenderer(paper), JobEncoder(DEFAULT_PROFILES[paper])

    def with_kept_strips(n: int) -> bytes:
        strips = renderer.render(facts_for(config, lang, n))
        return encoder.job([(s.image, s.key) for s in strips])

    def as_one_image(n: int) -> bytes:
        return encoder.job([(stack(renderer.render(facts_for(config, lang, n))), None)])

    started = time.perf_counter()
    size = len(with_kept_strips(0))
    cold_ms = (time.perf_counter() - started) * 1000
    kept = timed(samples, lambda n: with_kept_strips(n + 1))
    whole = timed(max(4, samples // 4), lambda n: as_one_image(n + 1))
    row = (f"{lang} {paper} mm", samples, kept.median, kept.p99, whole.median, cold_ms, size)
    return row, kept


async def print_over_tcp(config: CentreConfig, tickets: int) -> Summary:
    shutil.rmtree(BENCH_DIR / "printing", ignore_errors=True)
    (BENCH_DIR / "printing").mkdir(parents=True)
    emulator = PrinterEmulator()
    await emulator.start()
    devices = msgspec.structs.replace(
        config.devices,
        printers=[Printer(name="bench", url=emulator.url, paper_mm=80)],
        kiosks=[Kiosk(name=KIOSK.id, printers=["bench"])],
    )
    centre = Centre(
        msgspec.structs.replace(config, devices=devices), BENCH_DIR / "printing" / "log.sqlite3"
    )
    await centre.start()
    printing = centre.printing
    assert isinstance(printing, PrintService)
    times = []
    try:
        for n in range(tickets + 5):
            events = await centre.dispatcher.execute(
                IssueTicket(service="CT", lang="vi", tracking_code=secrets.token_urlsafe(12)), KIOSK
            )
            ticket = centre.engine.ticket(events[-1].ticket)  # type: ignore[union-attr]
            started = time.perf_counter()
            result = await printing.print_ticket(KIOSK.id, ticket, "http://x/s/y", KIOSK)
            if n >= 5:  # warm-up: fonts, kept strips, the event log's pages
                times.append((time.perf_counter() - started) * 1000)
            assert result.status == "printed", result
        async with asyncio.timeout(10):
            await emulator.wait_for_tickets(tickets + 5)
    finally:
        await centre.stop()
        await emulator.stop()
    return summarize(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    add_summary_option(parser)
    args = parser.parse_args()
    samples, tickets = (40, 20) if args.quick else (1_000, 200)
    config = bench_config()
    out(machine_line())
    out(f"text shaping: {shaping_problem() or 'raqm (HarfBuzz + FriBiDi)'}")
    out()
    out("(a) render + encode one ticket, ms (each ticket its own number, time and QR code)")
    rows, figures = render_and_encode(config, samples)
    out(table(("ticket", "tickets", "median", "p99", "one image", "first", "job bytes"), rows))
    out("  one image: the whole ticket encoded as one image, nothing kept between tickets")
    out("  first: the first ticket of its language and paper, nothing kept yet")
    out(f"goal: median <= {GOAL_MS:.0f} ms")
    out("reference: a widely used open-source queue system takes about 27 ms to draw its ticket")
    out()
    tcp = asyncio.run(print_over_tcp(config, tickets))
    out("(b) print for a kiosk over TCP to the emulator (status, job, status, commit), ms")
    out(
        table(
            ("printer", "tickets", "median", "p99", "mean"),
            [("80 mm", tcp.n, tcp.median, tcp.p99, tcp.mean)],
        )
    )
    figures.append(figure_of("Printing", "print over TCP, 80 mm (status, job, status)", "ms", tcp))
    write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
