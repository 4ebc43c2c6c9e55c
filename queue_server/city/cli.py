"""`queue-server city migrate`: the central schema, brought up to date."""

from __future__ import annotations

import argparse
import sys


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
