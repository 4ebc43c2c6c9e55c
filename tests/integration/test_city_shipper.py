"""The centre's shipper against a real PostgreSQL: every committed event reaches the city
once, through an outage, a kill -9 and a centre claiming another's id."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import psycopg
import pytest

from queue_server.accounts import Role
from queue_server.app import Centre
from queue_server.city.shipper import Shipper
from queue_server.config import City
from queue_server.engine import Actor, CommandRejected
from queue_server.engine import commands as c
from queue_server.store import EventLog
from tests.support.centre import REPO_ROOT, example_config
from tests.support.city import centre_role, city_database, held_seqs
from tests.support.devices import until
from tests.support.postgres import Cluster
from tests.support.server import Api, RunningCentre, Token, serve_centre

CENTRE_ID = "hn-ba-dinh"
KIOSK = Actor("kiosk", "k1")
STAFF = Actor("staff", "lan")


@pytest.fixture
def city(postgres: Cluster) -> tuple[str, str]:
    """A migrated city database: (the admin's DSN, the example centre's role's DSN)."""
    admin = city_database(postgres)
    return admin, centre_role(postgres, admin, CENTRE_ID)


@contextlib.asynccontextmanager
async def shipping_centre(
    tmp_path: Path, dsn: str, centre_id: str = ""
) -> AsyncIterator[RunningCentre]:
    config = example_config(tmp_path / "centre.sqlite3")
    config = msgspec.structs.replace(config, city=City(dsn=dsn, centre_id=centre_id))
    async with serve_centre(tmp_path, config=config, tokens={"admin": Token(Role.ADMIN)}) as run:
        yield run


def shipper(centre: Centre) -> Shipper:
    assert centre.city is not None
    return centre.city


async def busy(centre: Centre, commands: int) -> None:
    """Citizens take tickets and counters call them, as in a real morning."""
    for counter in centre.config.counter_ids[:3]:
        with contextlib.suppress(CommandRejected):
            await centre.dispatcher.execute(c.OpenCounter(counter=counter), STAFF)
    services = centre.config.service_codes
    counters = itertools.cycle(centre.config.counter_ids[:3])
    for i in range(commands):
        command: c.Command = (
            c.CallNext(counter=next(counters))
            if i % 3 == 2
            else c.IssueTicket(
                service=services[i % len(services)], tracking_code=secrets.token_urlsafe(12)
            )
        )
        with contextlib.suppress(CommandRejected):
            await centre.dispatcher.execute(command, KIOSK if i % 3 != 2 else STAFF)


def log_rows(path: Path) -> list[tuple[int, bytes]]:
    log = EventLog(path, CENTRE_ID)
    try:
        return [(seq, msgspec.json.encode(event)) for seq, event in log.read()]
    finally:
        log.close()


async def caught_up(centre: Centre, timeout: float = 20.0) -> None:
    link = shipper(centre)
    await until(lambda: link.shipped_seq == centre.log.last_seq, timeout)


async def test_every_committed_event_reaches_the_city_once(
    tmp_path: Path, city: tuple[str, str]
) -> None:
    admin, dsn = city
    async with shipping_centre(tmp_path, dsn) as run:
        centre = run.centre
        await busy(centre, 60)
        await caught_up(centre)
        assert held_seqs(admin, CENTRE_ID) == list(range(1, centre.log.last_seq + 1))
        async with Api(run.base, run.tokens["admin"]) as api:
            status, text = await api.get("/metrics")
        assert status == 200
        assert "queue_city_link_up 1.0" in text
        assert "queue_city_lag_events 0.0" in text
        assert 'queue_device_up{device="city-link",kind="city-link"} 1.0' in text
        link = next(d for d in centre.device_states() if d["kind"] == "city-link")
        assert link["state"] == "up" and link["lag_events"] == 0
    with psycopg.connect(admin) as db:
        bodies = db.execute(
            "SELECT seq, body FROM city.events WHERE centre_id = %s ORDER BY seq", (CENTRE_ID,)
        ).fetchall()
    assert [(seq, msgspec.json.decode(msgspec.json.encode(body))) for seq, body in bodies] == [
        (seq, msgspec.json.decode(body)) for seq, body in log_rows(tmp_path / "centre.sqlite3")
    ]


async def test_the_city_down_for_a_while_loses_nothing_and_doubles_nothing(
    tmp_path: Path, city: tuple[str, str], postgres: Cluster
) -> None:
    admin, dsn = city
    async with shipping_centre(tmp_path, dsn) as run:
        centre, link = run.centre, shipper(run.centre)
        await busy(centre, 30)
        await caught_up(centre)
        postgres.stop()
        try:
            await busy(centre, 30)  # the centre goes on serving
            await until(lambda: link.state == "down", 15)
            await busy(centre, 30)
            assert link.lag_events > 0
            async with Api(run.base, run.tokens["admin"]) as api:
                _, text = await api.get("/metrics")
            assert "queue_city_link_up 0.0" in text
            assert f"queue_city_lag_events {float(link.lag_events)}" in text
        finally:
            postgres.start()
        await busy(centre, 30)
        await caught_up(centre)
        assert link.state == "up"
        assert held_seqs(admin, CENTRE_ID) == list(range(1, centre.log.last_seq + 1))


async def test_a_centre_killed_mid_batch_resumes_without_gap_or_double(
    tmp_path: Path, city: tuple[str, str]
) -> None:
    admin, dsn = city
    db = tmp_path / "centre.sqlite3"
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.crash_driver",
        str(db),
        "process",
        dsn,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        # Shipping while it commits as fast as it can: killed once the city has some.
        await until(lambda: len(held_seqs(admin, CENTRE_ID)) > 200, 30)
        driver.send_signal(signal.SIGKILL)
        async with asyncio.timeout(10):
            assert await driver.wait() == -signal.SIGKILL
    finally:
        if driver.returncode is None:
            driver.kill()
            await driver.wait()
    held_at_kill = held_seqs(admin, CENTRE_ID)
    config = msgspec.structs.replace(example_config(db), city=City(dsn=dsn))
    centre = Centre(config)
    assert centre.log.last_seq > held_at_kill[-1]  # it was behind: there is a rest to ship
    await centre.start()
    try:
        await caught_up(centre)
    finally:
        await centre.stop()
    assert held_seqs(admin, CENTRE_ID) == list(range(1, centre.log.last_seq + 1))


async def test_a_centre_using_another_centres_id_is_refused_and_says_so(
    tmp_path: Path, city: tuple[str, str], postgres: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    admin, _ = city
    other = centre_role(postgres, admin, "hn-hoan-kiem")
    caplog.set_level(logging.ERROR, logger="queue_server.city")
    async with shipping_centre(tmp_path, other, centre_id=CENTRE_ID) as run:
        centre, link = run.centre, shipper(run.centre)
        await busy(centre, 6)
        await until(lambda: link.state == "refused", 15)
        async with Api(run.base, run.tokens["admin"]) as api:
            _, text = await api.get("/metrics")
        assert "queue_city_link_up 0.0" in text
        assert "queue_city_link_refused 1.0" in text
        assert f"queue_city_lag_events {float(centre.log.last_seq)}" in text
        assert "row-level security" in link.device_state()["detail"]
    assert any(
        "refuses centre 'hn-ba-dinh'" in r.getMessage() and "row-level security" in r.getMessage()
        for r in caplog.records
    )
    assert held_seqs(admin, CENTRE_ID) == []


async def test_a_new_log_under_an_old_centre_id_is_refused_not_mixed(
    tmp_path: Path, city: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    admin, dsn = city
    async with shipping_centre(tmp_path / "first", dsn) as run:
        await busy(run.centre, 30)
        await caught_up(run.centre)
        shipped = run.centre.log.last_seq
    caplog.set_level(logging.ERROR, logger="queue_server.city")
    async with shipping_centre(tmp_path / "second", dsn) as run:  # a fresh log, same id
        link = shipper(run.centre)
        await busy(run.centre, 6)
        await until(lambda: link.state == "refused", 15)
        assert f"the city holds seq {shipped}" in link.detail
    assert held_seqs(admin, CENTRE_ID) == list(range(1, shipped + 1))
    assert any("a new log under an old centre id" in r.getMessage() for r in caplog.records)
