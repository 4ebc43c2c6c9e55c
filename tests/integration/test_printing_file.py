"""A printer reached through a file (the kernel's /dev/usb/lp0, or a spool file): the job
bytes land there whole, written from the printer's own thread."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.escpos.driver import PrintFailed, driver_for
from devices.escpos.emulator import EscPosDecoder, PaperRoll
from devices.escpos.protocol import PrinterState
from devices.escpos.render import TicketFacts, TicketRenderer, stack
from queue_server.integrations.escpos.config import Printer
from queue_server.integrations.escpos.service import TicketJobs
from tests.support.printing import qr_codes, same_pixels

FACTS = TicketFacts(
    lang="vi",
    centre="Trung tâm Phục vụ hành chính công phường Ba Đình",
    number="A007",
    service="Hộ tịch",
    priority=None,
    issued_at=datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    people_ahead=2,
    wait_minutes=16,
    status_url="http://10.0.0.5:8080/s/file-printer",
)


async def test_a_file_printer_gets_the_whole_job(tmp_path: Path) -> None:
    spool = tmp_path / "lp0"
    driver = driver_for(Printer(name="file", url=f"file://{spool}", paper_mm=58))
    jobs = TicketJobs()
    try:
        printed = await driver.print_job(jobs.submit(FACTS, 58, driver.profile), 2.0)
        assert printed.status.state is PrinterState.ONLINE and "assumed" in printed.status.detail
        roll = PaperRoll()
        for command in EscPosDecoder().feed(spool.read_bytes()):
            roll.apply(command)
        ticket = roll.finish()
        assert ticket is not None
        image = ticket.image()
        assert image is not None
        assert same_pixels(image, stack(TicketRenderer(58).render(FACTS)))
        assert qr_codes(image) == [FACTS.status_url]

        missing = driver_for(Printer(name="gone", url=f"file://{tmp_path}/no/such/dir/lp0"))
        with pytest.raises(PrintFailed) as failed:
            await missing.print_job(jobs.submit(FACTS, 80, missing.profile), 2.0)
        assert failed.value.status is not None
        assert failed.value.status.state is PrinterState.OFFLINE
    finally:
        jobs.close()
