"""`queue-server print-test`: print a sample ticket on a configured printer.

The sample's number is A000 (no real ticket has serial 0) and it is marked as a
test where a priority class would be, so it cannot be taken for a real ticket.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

TEST_MARK = {"vi": "IN THỬ — không phải số thật", "en": "TEST — not a real ticket", "ar": "تجربة"}


def add_commands(sub: Any) -> None:
    test = sub.add_parser("print-test", help="print a sample ticket on a configured printer")
    test.add_argument("--config", required=True, type=Path, help="the centre's TOML file")
    test.add_argument("--printer", help="printer name (default: the first one configured)")
    test.add_argument("--lang", default=None, help="ticket language (default: the centre's)")
    test.set_defaults(handler=_print_test)


def _print_test(args: argparse.Namespace) -> int:
    from devices.escpos.driver import PrintFailed, driver_for
    from devices.escpos.render import TicketFacts, shaping_problem

    from ...config import ConfigError, load_config
    from .service import TicketJobs, localized

    config = load_config(args.config)
    printers = {p.name: p for p in config.devices.printers}
    if not printers:
        raise ConfigError(f"{args.config}: devices.printers: no printer is configured")
    name = args.printer or next(iter(printers))
    if name not in printers:
        raise ConfigError(f"no printer {name!r} (configured: {', '.join(printers)})")
    lang = args.lang or config.centre.default_language
    default = config.centre.default_language
    problem = shaping_problem()
    if problem:
        print(f"warning: {problem}")
    service = config.services[0]
    base = config.server.public_url or f"http://{config.server.host}:{config.server.port}"
    facts = TicketFacts(
        lang=lang,
        centre=localized(config.centre.name, lang, default),
        number=service.prefix + "0" * service.digits if service.prefix else "0000",
        service=localized(service.name, lang, default),
        priority=TEST_MARK.get(lang, TEST_MARK["en"]),
        issued_at=datetime.now(config.zone),
        people_ahead=3,
        wait_minutes=12,
        status_url=f"{base.rstrip('/')}/s/print-test",
        footer=localized(config.centre.ticket_footer, lang, default),
    )
    driver = driver_for(printers[name])

    async def run() -> tuple[str, str]:
        jobs = TicketJobs()
        try:
            job = jobs.submit(facts, driver.paper_mm, driver.profile, cutter=driver.cutter)
            done = await driver.print_job(job, max(driver.timeout_s, 5.0))
        except PrintFailed as exc:
            return exc.reason, ""
        finally:
            jobs.close()
        return "", done.trouble

    failure, trouble = asyncio.run(run())
    where = f"{name} ({printers[name].url}, {driver.paper_mm} mm, profile {driver.profile})"
    if failure:
        print(f"{where}: not printed: {failure}")
        return 1
    then = f"; then {trouble}" if trouble else ""
    print(f"{where}: printed a sample ticket in {lang!r}{then}; status {driver.status.describe()}")
    return 0
