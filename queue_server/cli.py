"""`queue-server`: run a centre, run the demo, check a config, manage accounts and tokens."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from devices.tasks import cancel_and_wait
from queue_server.integrations.escpos.cli import add_commands as add_printer_commands
from queue_server.integrations.keypad.sim import add_commands as add_keypad_commands

from .accounts import AccountError
from .app import Centre
from .city.cli import add_commands as add_city_commands
from .cli_accounts import add_commands as add_account_commands
from .cli_report import add_commands as add_report_commands
from .config import ConfigError, load_config
from .demo import create_demo_access, demo_guide
from .store import StoreError
from .store.lock import LogLock

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO_ROOT / "examples" / "ward-center.toml"
DEMO_DB = Path("var") / "demo.sqlite3"
DEMO_TICKETS = Path("var") / "demo-tickets"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"event log error: {exc}", file=sys.stderr)
        return 3
    except AccountError as exc:
        print(f"accounts error: {exc}", file=sys.stderr)
        return 3
    except CannotListen as exc:
        print(f"cannot serve: {exc}", file=sys.stderr)
        return 4
    return code


class CannotListen(Exception):
    """The address to serve on is taken or not ours; the message says which and why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="queue-server", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="serve a centre from its config file")
    run.add_argument("--config", required=True, type=Path, help="the centre's TOML file")
    run.add_argument("--db", type=Path, help="event log file (default: store.path in the config)")
    _add_listen_options(run)
    run.set_defaults(handler=_run)

    demo = sub.add_parser("demo", help="serve the example ward centre on a fresh log under var/")
    demo.add_argument("--config", type=Path, default=DEMO_CONFIG, help=argparse.SUPPRESS)
    demo.add_argument("--db", type=Path, default=DEMO_DB, help="event log file (replaced)")
    _add_listen_options(demo)
    demo.add_argument(
        "--printer-port", type=int, default=0, help="emulated printers' first port (default: free)"
    )
    demo.add_argument(
        "--simulate",
        action="store_true",
        help="bring a busy morning to life: citizens arriving, counters calling",
    )
    demo.set_defaults(handler=_demo)

    check = sub.add_parser("check-config", help="check a config file and say what is wrong")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_check_config)

    add_account_commands(sub)
    add_report_commands(sub)
    add_keypad_commands(sub)
    add_printer_commands(sub)
    add_city_commands(sub)
    return parser


def _add_listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default: server.host)")
    parser.add_argument("--port", type=int, help="port to listen on (default: server.port)")


def _check_config(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(
        f"{args.file}: OK — {config.centre.name[config.centre.default_language]}: "
        f"{len(config.services)} services, {len(config.counters)} counters, "
        f"{len(config.priority_classes)} priority classes, durability {config.store.durability}"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    os.umask(config.store.file_mask())
    centre = Centre(config, args.db)
    asyncio.run(_serve_until_stopped(centre, args.host, args.port))
    return 0


def _demo(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    os.umask(config.store.file_mask())
    # The demo must work at any hour, so opening hours are shown but not enforced.
    config = msgspec.structs.replace(
        config, hours=msgspec.structs.replace(config.hours, enforce=False)
    )
    db = Path(args.db)
    accounts = config.store.accounts_file(db)
    LogLock(db).release()  # a demo already running on this log: refused before it is wiped
    for path in (db, accounts):
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    from queue_server.integrations.escpos.demo import emulate_printers, emulators_guide

    config, printers = emulate_printers(config, DEMO_TICKETS, args.printer_port)
    from queue_server.integrations.keypad.sim import emulate_keypads

    config, keypads = emulate_keypads(config, db.parent)
    centre = Centre(config, db)
    centre.components[:0] = printers  # switched on before the print service asks them
    centre.components.insert(0, keypads)  # the keypads are there before the line polls
    access = create_demo_access(centre.accounts, [k.name for k in config.devices.kiosks])
    guide = emulators_guide(config, printers) + "\n" + keypads.guide()
    background = None
    if args.simulate:
        from .simulate import Simulation, press_on_demo_keypads

        background = Simulation(
            config,
            access.tokens[access.kiosk],
            access.tokens["keypads"],
            access.tokens["counter-displays"],
            press=press_on_demo_keypads(keypads),
        ).run
    asyncio.run(
        _serve_until_stopped(
            centre,
            args.host,
            args.port,
            lambda url: print(demo_guide(reachable(url), access) + guide + "\n", flush=True),
            background,
        )
    )
    return 0


def reachable(url: str) -> str:
    """The address to type on another machine (a hall TV) when the server listens on all
    of this one's (`HOST=0.0.0.0`): its address on the network, not 0.0.0.0."""
    parts = urlsplit(url)
    if parts.hostname not in ("0.0.0.0", "::"):  # noqa: S104 (compared, not bound)
        return url
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks a route
            address = probe.getsockname()[0]
        except OSError:
            return url
    return f"{parts.scheme}://{address}:{parts.port}"


async def _serve_until_stopped(
    centre: Centre,
    host: str | None,
    port: int | None,
    on_ready: Callable[[str], None] | None = None,
    background: Callable[[str], Coroutine[Any, Any, None]] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM, then close cleanly (the log is already safe).
    `background(url)` runs beside the server (the demo's simulation) and stops first."""
    from .web.app import create_app  # the web layer is only needed to serve
    from .web.site import centre_runner, serve

    host = host or centre.config.server.host
    port = port if port is not None else centre.config.server.port
    # Live websocket clients never finish on their own: without a short bound, a stop
    # would wait aiohttp's default 60 s for them.  Cut, they resume from their last seq.
    runner = centre_runner(
        create_app(centre), access_log=None, handle_signals=False, shutdown_timeout=2.0
    )
    try:
        port = await serve(runner, host, port)
    except OSError as exc:
        await runner.cleanup()
        reason = exc.strerror or str(exc)
        raise CannotListen(
            f"{host}:{port}: {reason} (another server on this port? choose one with --port)"
        ) from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    url = f"http://{host}:{port}"  # the real port when asked for port 0
    name = centre.config.centre.name[centre.config.centre.default_language]
    # What exists now (modules, the replayed state) lives as long as the process: keep
    # it out of the collector's full passes, which would stop the loop to walk it all.
    gc.freeze()
    print(f"Serving {name} on {url}", flush=True)
    if on_ready is not None:
        on_ready(url)
    task = asyncio.create_task(background(url)) if background is not None else None
    try:
        await stop.wait()
    finally:
        await cancel_and_wait(task)
        await runner.cleanup()


if __name__ == "__main__":
    sys.exit(main())
