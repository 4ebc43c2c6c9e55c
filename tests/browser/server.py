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
from pathlib import Path
from typing import Any

import msgspec

from queue_server.accounts import Role
from queue_server.app import Centre
from queue_server.cli import _serve_until_stopped
from queue_server.config import load_config
from tests.support.centre import write_example_config

PASSWORD = "browser tests only, never used elsewhere"
PEOPLE = {"canbo1": Role.STAFF, "giamsat": Role.SUPERVISOR, "admin": Role.ADMIN}
NO_PRINTER_KIOSK = "kiosk-without-printer"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--setup", action="store_true")
    args = parser.parse_args()
    directory: Path = args.dir
    config_file = write_example_config(
        directory / "centre.toml", directory / "centre.sqlite3", "process"
    )
    text = config_file.read_text(encoding="utf-8")
    text = text.replace('cache_dir = "var/voice"', f'cache_dir = "{directory / "voice"}"')
    config_file.write_text(text, encoding="utf-8")
    config = load_config(config_file)
    security = msgspec.structs.replace(config.security, login_burst=1000)
    config = msgspec.structs.replace(config, security=security)
    emulators: list[Any] = []
    try:
        from devices.escpos.demo import emulate_printers
    except ImportError:  # printing not there: kiosks show tickets on screen
        pass
    else:
        config, emulators = emulate_printers(config, directory / "printed")
    centre = Centre(config)
    centre.components[:0] = emulators
    if args.setup:
        for username, role in PEOPLE.items():
            centre.accounts.add_user(username, PASSWORD, role, username.title())
        kiosks = [k.name for k in config.devices.kiosks] or ["kiosk-1"]
        tokens = {
            "kiosk": centre.accounts.create_token(Role.KIOSK, kiosks[0]),
            "kiosk_no_printer": centre.accounts.create_token(Role.KIOSK, NO_PRINTER_KIOSK),
            "display": centre.accounts.create_token(Role.DISPLAY, "hall"),
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


if __name__ == "__main__":
    sys.exit(main())
