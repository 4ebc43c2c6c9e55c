"""A throwaway PostgreSQL cluster for tests (queue_server/city/cluster.py), with fsync off
(a test's cluster dies with it) and a fresh database per test."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import psycopg

from queue_server.city import cluster

_names = itertools.count(1)
TEST_SETTINGS = {"fsync": "off"}


class Cluster(cluster.Cluster):
    def start(self, settings: Mapping[str, str] | None = None) -> None:
        super().start(TEST_SETTINGS if settings is None else settings)

    def new_database(self) -> str:
        """A fresh database for one test; its DSN as the superuser."""
        name = f"city_test_{next(_names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.dsn(name)
