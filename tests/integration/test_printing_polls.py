"""Two status polls of one printer at once (the watch's and an admin's "check now"): each
gets the printer's answer, and a job that comes meanwhile still gives way to neither."""

from __future__ import annotations

import asyncio

from devices.escpos.driver import driver_for
from devices.escpos.emulator import PrinterEmulator
from devices.escpos.protocol import PrinterState
from queue_server.integrations.escpos.config import Printer


async def test_overlapping_polls_each_get_the_printers_answer() -> None:
    printer = PrinterEmulator()
    await printer.start()
    try:
        driver = driver_for(Printer(name="door", url=printer.url, paper_mm=80))
        async with asyncio.timeout(5):
            answers = await asyncio.gather(driver.poll(), driver.poll(fresh=True), driver.poll())
        assert [a.state for a in answers] == [PrinterState.ONLINE] * 3
    finally:
        await printer.stop()
