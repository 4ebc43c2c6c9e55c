"""The city's PostgreSQL as tests see it: a migrated database, centres' roles, its rows."""

from __future__ import annotations

import itertools

import psycopg

from queue_server.city.schema import migrate

from .postgres import Cluster

_roles = itertools.count(1)


def city_database(postgres: Cluster) -> str:
    """A fresh database with the city's schema; its DSN as the superuser."""
    dsn = postgres.new_database()
    migrate(dsn)
    return dsn


def centre_role(postgres: Cluster, admin_dsn: str, centre_id: str) -> str:
    """A new login role that ships as `centre_id` (as docs/city.md says); its DSN."""
    role = f"centre_{next(_roles)}"
    with psycopg.connect(admin_dsn, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN")
        db.execute("SELECT city.register_centre(%s, %s)", (role, centre_id))
    database = admin_dsn.split("/")[3].split("?")[0]
    return postgres.dsn(database, role)


def held_seqs(admin_dsn: str, centre_id: str) -> list[int]:
    """The seqs the city holds for a centre, in order (doubles would show twice)."""
    with psycopg.connect(admin_dsn) as db:
        rows = db.execute(
            "SELECT seq FROM city.events WHERE centre_id = %s ORDER BY seq", (centre_id,)
        ).fetchall()
    return [int(seq) for (seq,) in rows]


def service_role(postgres: Cluster, admin_dsn: str) -> str:
    """A login role for the city service (in `city_service`), as docs/city.md says; its DSN."""
    role = f"city_web_{next(_roles)}"
    with psycopg.connect(admin_dsn, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN IN ROLE city_service")
    database = admin_dsn.split("/")[3].split("?")[0]
    return postgres.dsn(database, role)
