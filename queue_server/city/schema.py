"""The central schema: the SQL files of `migrations/`, applied in order, each once.

Each file runs in its own transaction with its version recorded in
`city.schema_migrations`, under an advisory lock so two `migrate` runs at once take
turns.  Re-running applies nothing new and only tops up the monthly partitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

MIGRATIONS = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x43495459  # "CITY": one migrate at a time per database
MONTHS_AHEAD = 2
"""Partitions made ahead of time: this month and the next two."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True)
class Migrated:
    applied: list[str]
    partitions_made: int


def migrations(folder: Path = MIGRATIONS) -> list[Migration]:
    """The migration files in version order; a misnamed or doubled version is an error."""
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: a migration is named NNNN_words.sql")
        version = int(match.group(1))
        if version in found:
            raise ValueError(f"{path}: version {version} is used twice")
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def migrate(dsn: str, today: date | None = None) -> Migrated:
    """Bring the database at `dsn` to the latest schema; safe to run again and again."""
    applied: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            db.execute("CREATE SCHEMA IF NOT EXISTS city")
            db.execute(
                "CREATE TABLE IF NOT EXISTS city.schema_migrations ("
                " version int PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in db.execute("SELECT version FROM city.schema_migrations")}
            for migration in migrations():
                if migration.version in done:
                    continue
                with db.transaction():
                    db.execute(migration.sql.encode())  # no parameters: several statements
                    db.execute(
                        "INSERT INTO city.schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                applied.append(migration.name)
            row = db.execute(
                "SELECT city.ensure_partitions(%s, %s)", (today or date.today(), MONTHS_AHEAD)
            ).fetchone()
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return Migrated(applied, int(row[0]) if row else 0)
