"""`queue-server city demo`: a living city on one machine.

A PostgreSQL of its own under `var/city-demo/` (Debian's server binaries, a unix socket
in that folder, no TCP port), three demo centres with `--simulate` each shipping to it
as its own role, and the city service; every address and login is printed.  Ctrl-C
stops them all and the cluster.  Nothing is kept between runs: each start is fresh.

initdb refuses to run as root, and the project's machines run as root: then the
cluster's commands run as the `postgres` user (`runuser`), which owns its folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psycopg

from .cluster import Cluster
from .schema import migrate
from .web.accounts import CityRole

DEMO_DIR = Path("var") / "city-demo"
EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "examples" / "ward-center.toml"
CENTRES = ("hn-ba-dinh", "hn-hoan-kiem", "hn-tay-ho")
START_TIMEOUT_S = 60.0


def fresh_cluster(folder: Path) -> Cluster:
    """Each start begins afresh: a cluster a killed run left behind is stopped and removed."""
    folder = folder.resolve()
    if folder.exists():
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            Cluster(folder, create=False).stop()
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return Cluster(folder)


def _centre_config(folder: Path, centre_id: str, dsn: str) -> Path:
    """The example centre under another id, shipping to the demo city."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('id = "hn-ba-dinh"', f'id = "{centre_id}"', 1)
    text += f'\n[city]\ndsn = "{dsn}"\n'
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "centre.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _forward(process: subprocess.Popen[str], prefix: str) -> None:
    """A child's output on ours, each line marked with whose it is."""
    assert process.stdout is not None
    for line in process.stdout:
        print(f"[{prefix}] {line}", end="", flush=True)


def run_demo(first_port: int, city_port: int, host: str, centres: int) -> int:
    print(f"starting PostgreSQL in {DEMO_DIR / 'postgres'} ...", flush=True)
    try:
        cluster = fresh_cluster(DEMO_DIR / "postgres")
    except RuntimeError as exc:  # no server binaries
        raise SystemExit(str(exc)) from None
    cluster.start()
    children: list[subprocess.Popen[str]] = []
    try:
        with psycopg.connect(cluster.dsn(), autocommit=True) as db:
            db.execute("CREATE DATABASE city")
        admin = cluster.dsn("city")
        migrate(admin)
        password = secrets.token_urlsafe(9)
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute("CREATE ROLE city_web LOGIN IN ROLE city_service")
            for centre_id in CENTRES[:centres]:
                role = "centre_" + centre_id.replace("-", "_")
                db.execute(f'CREATE ROLE "{role}" LOGIN')
                db.execute("SELECT city.register_centre(%s, %s)", (role, centre_id))
        _add_admin(admin, password)
        program = [sys.executable, "-m", "queue_server.cli"]
        for index, centre_id in enumerate(CENTRES[:centres]):
            folder = DEMO_DIR / centre_id
            role = "centre_" + centre_id.replace("-", "_")
            config = _centre_config(folder, centre_id, cluster.dsn("city", role))
            command = [*program, "demo", "--config", str(config), "--simulate"]
            command += ["--db", str(folder / "centre.sqlite3"), "--host", host]
            command += ["--port", str(first_port + index)]
            children.append(_start(command, centre_id))
        command = [
            *program,
            "city",
            "serve",
            "--dsn",
            cluster.dsn("city", "city_web"),
            "--host",
            host,
        ]
        children.append(_start([*command, "--port", str(city_port)], "city"))
        names = [*CENTRES[:centres], "city"]
        print(
            f"\nThe city: http://{host}:{city_port}/city  log in as `chanhvp` / `{password}` "
            f"(city_admin)\nPostgreSQL: psql '{admin}'\n"
            f"Centres: {', '.join(f'http://{host}:{first_port + i}' for i in range(centres))} "
            "(each one's logins above, marked with its id). Ctrl-C stops everything.\n",
            flush=True,
        )
        _wait(children, names)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
    return 0


def _add_admin(dsn: str, password: str) -> None:
    import asyncio

    from .web.accounts import add_user

    async def add() -> None:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as db:
            await add_user(db, "chanhvp", CityRole.CITY_ADMIN, password)

    asyncio.run(add())


def _start(command: list[str], name: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # noqa: S603 (this program, with our own options)
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    threading.Thread(target=_forward, args=(process, name), daemon=True).start()
    return process


def _wait(children: list[subprocess.Popen[str]], names: list[str]) -> None:
    """Until Ctrl-C or SIGTERM, or until a child stops (then say which)."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        for child, name in zip(children, names, strict=True):
            if child.poll() is not None:
                print(f"city demo: {name} stopped (exit {child.returncode}); stopping", flush=True)
                return
