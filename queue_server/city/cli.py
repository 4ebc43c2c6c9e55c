"""`queue-server city ...`: `migrate` brings the central schema up to date, `serve` runs
the city service (its API, `/city` and the live feed), `user add` makes a city account."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .web.settings import CitySettings


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    city = sub.add_parser("city", help="the city's PostgreSQL, where every centre's events go")
    commands = city.add_subparsers(required=True, metavar="COMMAND")
    migrate = commands.add_parser(
        "migrate",
        help="apply the schema's new migrations and make the coming months' partitions",
    )
    migrate.add_argument(
        "--dsn",
        required=True,
        help="a PostgreSQL URL as a role that may create schemas and roles "
        "(postgresql://admin@host/city?sslmode=verify-full)",
    )
    migrate.set_defaults(handler=_migrate)

    serve = commands.add_parser("serve", help="the city service: /city, its API, its live feed")
    serve.add_argument(
        "--dsn",
        required=True,
        help="a PostgreSQL URL as a role in city_service "
        "(postgresql://city_web@host/city?sslmode=verify-full)",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--timezone", default="Asia/Ho_Chi_Minh", help="where the city's day is")
    serve.add_argument(
        "--amber-minutes", type=float, default=20.0, help="a centre turns amber past this wait"
    )
    serve.add_argument(
        "--red-minutes", type=float, default=40.0, help="a centre turns red past this wait"
    )
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser(
        "demo",
        help="a PostgreSQL under var/city-demo, three simulated centres shipping to it, "
        "and the city service; prints every address and login",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8090, help="the city service's port")
    demo.add_argument(
        "--centre-port", type=int, default=8081, help="the first centre's port (then +1, +2)"
    )
    demo.add_argument("--centres", type=int, choices=[1, 2, 3], default=3)
    demo.set_defaults(handler=_demo)

    user = commands.add_parser("user", help="the city service's accounts")
    user_commands = user.add_subparsers(required=True, metavar="COMMAND")
    add = user_commands.add_parser("add", help="add a city account; the password is asked for")
    add.add_argument("username")
    add.add_argument("--dsn", required=True, help="a PostgreSQL URL (the migrating role's)")
    add.add_argument("--role", choices=["city_admin", "viewer"], default="viewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=_user_add)


def _migrate(args: argparse.Namespace) -> int:
    import psycopg  # only when asked: a centre without [city] never loads it

    from .schema import migrate

    try:
        done = migrate(args.dsn)
    except psycopg.Error as exc:
        print(f"city migrate: {' '.join(str(exc).split())}", file=sys.stderr)
        return 3
    applied = ", ".join(done.applied) or "none (already up to date)"
    print(f"migrations applied: {applied}; new monthly partitions: {done.partitions_made}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from .web.settings import CitySettings

    try:
        settings = CitySettings(args.timezone, args.amber_minutes, args.red_minutes)
    except (ValueError, KeyError) as exc:
        print(f"city serve: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(_serve_until_stopped(args, settings))
    return 0


async def _serve_until_stopped(args: argparse.Namespace, settings: CitySettings) -> None:
    """Serve until SIGTERM or SIGINT; print the address really bound (`--port 0` picks)."""
    import asyncio
    import signal

    from aiohttp import web

    from .web.app import build_app

    runner = web.AppRunner(build_app(args.dsn, settings), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, args.host, args.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        print(f"city service on http://{host}:{port}/city", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def _user_add(args: argparse.Namespace) -> int:
    import asyncio
    import getpass

    import psycopg

    from ..accounts.passwords import WeakPassword
    from .web.accounts import CityRole, UserExists, add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2

    async def add() -> None:
        async with await psycopg.AsyncConnection.connect(args.dsn, autocommit=True) as db:
            await add_user(db, args.username, CityRole(args.role), password)

    try:
        asyncio.run(add())
    except (WeakPassword, UserExists) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except psycopg.Error as exc:
        print(f"city user add: {' '.join(str(exc).split())}", file=sys.stderr)
        return 3
    print(f"city account {args.username} ({args.role}) added")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.centre_port, args.port, args.host, args.centres)
