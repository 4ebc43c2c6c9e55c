"""A serial printer on a pseudo-terminal: status asked and answered, the job arrives whole.

The far end of the pty plays the printer from a thread: it answers each DLE EOT n
from its state and decodes everything else, as the network emulator does.
"""

from __future__ import annotations

import os
import threading
import tty
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.escpos.driver import PrintFailed, driver_for
from devices.escpos.emulator import EscPosDecoder, PaperRoll, StatusQuery, status_reply
from devices.escpos.protocol import PrinterState
from devices.escpos.render import TicketFacts, TicketRenderer, stack
from queue_server.integrations.escpos.config import Printer
from queue_server.integrations.escpos.service import TicketJobs
from tests.support.printing import qr_codes, same_pixels

FACTS = TicketFacts(
    lang="ar",
    centre="مركز الخدمات الإدارية العامة لحي با دينه",
    number="E012",
    service="تسجيل الإقامة",
    priority="كبار السن",
    issued_at=datetime(2026, 11, 28, 10, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    people_ahead=0,
    wait_minutes=None,
    status_url="http://10.0.0.5:8080/s/serial-printer",
)


class PtyPrinter:
    """The printer's end of a pty, served by a thread until closed."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.state = PrinterState.ONLINE
        self.silent_after_job = False
        """Stop answering once a job's data came (busy printing, or its answers lost)."""
        self.roll = PaperRoll()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        decoder = EscPosDecoder()
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            for command in decoder.feed(data):
                if isinstance(command, StatusQuery):
                    if self.state is not PrinterState.NOT_ANSWERING:
                        os.write(self.master, bytes((status_reply(self.state, command.n),)))
                else:
                    self.roll.apply(command)
                    if self.silent_after_job:
                        self.state = PrinterState.NOT_ANSWERING

    def close(self) -> None:
        os.close(self._slave)
        os.close(self.master)
        self._thread.join(timeout=2)


async def test_a_serial_printer_is_asked_and_prints(tmp_path: Path) -> None:
    printer = PtyPrinter()
    jobs = TicketJobs()
    try:
        driver = driver_for(
            Printer(name="serial", url=f"serial://{printer.path}?baudrate=38400", paper_mm=58)
        )
        assert (await driver.poll()).state is PrinterState.ONLINE
        printer.state = PrinterState.PAPER_NEAR_END
        printed = await driver.print_job(jobs.submit(FACTS, 58, driver.profile), 2.0)
        assert printed.status.state is PrinterState.PAPER_NEAR_END  # printed, with a warning
        ticket = printer.roll.finish()
        assert ticket is not None
        image = ticket.image()
        assert image is not None
        assert same_pixels(image, stack(TicketRenderer(58).render(FACTS)))
        assert qr_codes(image) == [FACTS.status_url]

        printer.state = PrinterState.NOT_ANSWERING
        with pytest.raises(PrintFailed, match="not answering"):
            await driver.print_job(jobs.submit(FACTS, 58, driver.profile), 0.5)
        assert driver.status.state is PrinterState.NOT_ANSWERING
    finally:
        jobs.close()
        printer.close()


async def test_a_serial_printer_that_took_the_job_keeps_it_without_answering() -> None:
    """Every byte went out of the port: the job is the printer's, the silence is its own."""
    printer = PtyPrinter()
    jobs = TicketJobs()
    try:
        driver = driver_for(
            Printer(name="serial", url=f"serial://{printer.path}?baudrate=38400", paper_mm=58)
        )
        printer.silent_after_job = True
        printed = await driver.print_job(jobs.submit(FACTS, 58, driver.profile), 2.0)
        assert "not answering" in printed.trouble
        assert driver.status.state is PrinterState.NOT_ANSWERING  # the printer is marked
        ticket = printer.roll.finish()
        assert ticket is not None and qr_codes(ticket.image()) == [FACTS.status_url]  # type: ignore[arg-type]
    finally:
        jobs.close()
        printer.close()
