"""A real centre server process for the browser tests: `python -m tests.browser.server`.

First start (`--setup`): makes the people and machine tokens and writes them as JSON;
later starts reuse the same event log and accounts file, so the tests can restart
the server under a page and see it carry on.  The example centre's network printers
are replaced by emulators (as in `queue-server demo`), so tickets really print.
Prints READY <url> when it listens; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from queue_server.accounts import Role
from queue_server.app import Centre
from queue_server.cli import _serve_until_stopped
from queue_server.config import CentreConfig, load_config
from tests.support.centre import write_example_config

PASSWORD = "browser tests only, never used elsewhere"
PEOPLE = {"canbo1": Role.STAFF, "giamsat": Role.SUPERVISOR, "admin": Role.ADMIN}
NO_PRINTER_KIOSK = "kiosk-without-printer"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--setup", action="store_true")
    parser.add_argument(
        "--printer",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="print on this printer at URL (an emulator the test drives) instead of emulating it",
    )
    parser.add_argument(
        "--printer-poll-s", type=float, default=0.0, help="ask idle printers this often"
    )
    parser.add_argument(
        "--clock-from",
        type=datetime.fromisoformat,
        metavar="ISO",
        help="the server's clock starts at this moment (in the future) and runs on from it",
    )
    parser.add_argument(
        "--enforce-hours", action="store_true", help="refuse tickets outside the opening hours"
    )
    parser.add_argument(
        "--screen-tickets",
        action="store_true",
        help="kiosks whose printers are all down may still show tickets on screen",
    )
    parser.add_argument(
        "--next-guard",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="refuse a NEXT this soon after a call nobody started (queue.next_guard_seconds)",
    )
    parser.add_argument(
        "--log-dir", type=Path, help="keep the event log and accounts here (default: --dir)"
    )
    parser.add_argument(
        "--booking-cutoff",
        type=int,
        metavar="MINUTES",
        help="close a slot's booking this long before it (appointments.cutoff_minutes), so a "
        "test can book a slot whose check-in window is already open",
    )
    args = parser.parse_args()
    directory: Path = args.dir
    config_file = write_example_config(
        directory / "centre.toml",
        (args.log_dir or directory) / "centre.sqlite3",
        "process",
        args.next_guard,
    )
    text = config_file.read_text(encoding="utf-8")
    text = text.replace('cache_dir = "var/voice"', f'cache_dir = "{directory / "voice"}"')
    config_file.write_text(text, encoding="utf-8")
    config = load_config(config_file)
    security = msgspec.structs.replace(config.security, login_burst=1000)
    config = msgspec.structs.replace(config, security=security)
    if args.enforce_hours:
        config = msgspec.structs.replace(
            config, hours=msgspec.structs.replace(config.hours, enforce=True)
        )
    if args.screen_tickets:
        allowed = [
            msgspec.structs.replace(k, screen_ticket_when_printers_down=True)
            for k in config.devices.kiosks
        ]
        config = msgspec.structs.replace(
            config, devices=msgspec.structs.replace(config.devices, kiosks=allowed)
        )
    if args.booking_cutoff is not None:
        booking = msgspec.structs.replace(config.appointments, cutoff_minutes=args.booking_cutoff)
        config = msgspec.structs.replace(config, appointments=booking)
    emulators: list[Any] = []
    try:
        import queue_server.integrations.escpos.demo  # noqa: F401
    except ImportError:  # printing not there: kiosks show tickets on screen
        pass
    else:
        external = dict(option.split("=", 1) for option in args.printer)
        config, emulators = _emulated(config, directory / "printed", external)
    if args.printer_poll_s:
        from queue_server.integrations.escpos import service

        service.POLL_INTERVAL_S = args.printer_poll_s
    centre = Centre(config)
    centre.components[:0] = emulators
    if args.clock_from is not None:
        centre.dispatcher._clock = _clock_from(args.clock_from.timestamp())
    if args.setup:
        for username, role in PEOPLE.items():
            centre.accounts.add_user(username, PASSWORD, role, username.title())
        kiosks = [k.name for k in config.devices.kiosks] or ["kiosk-1"]
        tokens = {
            "kiosk": centre.accounts.create_token(Role.KIOSK, kiosks[0]),
            "kiosk_no_printer": centre.accounts.create_token(Role.KIOSK, NO_PRINTER_KIOSK),
            "display": centre.accounts.create_token(Role.DISPLAY, "hall"),
            "tablet": centre.accounts.create_token(Role.DISPLAY, "rating-tablet-1", counter=1),
            "device": centre.accounts.create_token(Role.DEVICE, "keypads"),
            "admin": centre.accounts.create_token(Role.ADMIN, "admin-api"),
        }
        (directory / "tokens.json").write_text(json.dumps(tokens), encoding="utf-8")
    asyncio.run(
        _serve_until_stopped(
            centre, "127.0.0.1", args.port, lambda url: print(f"READY {url}", flush=True)
        )
    )
    return 0


def _clock_from(start: float) -> Callable[[], float]:
    """A clock that reads `start` now and runs at the real pace (a closed centre opening)."""
    began = time.time()
    return lambda: start + (time.time() - began)


def _emulated(
    config: CentreConfig, save_dir: Path, external: dict[str, str]
) -> tuple[CentreConfig, list[Any]]:
    """Every network printer emulated here, except those the test runs itself (`external`)."""
    from queue_server.integrations.escpos.demo import emulate_printers

    printers = config.devices.printers
    others = [p for p in printers if p.name not in external]
    emulated, emulators = emulate_printers(
        msgspec.structs.replace(
            config, devices=msgspec.structs.replace(config.devices, printers=others)
        ),
        save_dir,
    )
    by_name = {p.name: p for p in emulated.devices.printers}
    printers = [
        by_name.get(p.name) or msgspec.structs.replace(p, url=external[p.name]) for p in printers
    ]
    devices = msgspec.structs.replace(config.devices, printers=printers)
    return msgspec.structs.replace(config, devices=devices), emulators


if __name__ == "__main__":
    sys.exit(main())
