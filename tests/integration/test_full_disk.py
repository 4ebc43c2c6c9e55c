"""A full disk: commits fail with a clear error, nothing acknowledged is lost, kiosks are
told the centre cannot issue, and after space is freed a restart goes on from the log.

The server's data folder is a small tmpfs mounted in a mount namespace of its own
(`unshare -m`), so the disk really fills and the kernel answers ENOSPC, as a full SD
card or disk would. Needs root or user namespaces: skipped, saying why, where neither.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.centre import REPO_ROOT, write_example_config
from tests.support.namespace import Namespace


@pytest.fixture
def namespace(tmp_path: Path) -> Iterator[Namespace]:
    folder = tmp_path / "data"
    folder.mkdir()
    space = Namespace(folder, 512)
    try:
        yield space
    finally:
        space.close()


def start_server(space: Namespace, config: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        space.command(sys.executable, "-m", "queue_server.cli", "run", "--config", str(config), "--port", "0"),
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert " on http://" in line, line
    return proc, line.rsplit(" on ", 1)[1].strip()


def stop(proc: subprocess.Popen[str]) -> str:
    """Stop the server (SIGTERM to python, through nsenter's exec) and return its log."""
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


async def fill(base: str, token: str) -> tuple[list[dict[str, object]], dict[str, object], int]:
    """Issue tickets until the disk is full: what was acknowledged, and the first refusal."""
    acked: list[dict[str, object]] = []
    services = itertools.cycle(["HT", "CT", "DD", "KD"])
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        for _ in range(20_000):
            async with session.post(
                base + "/api/v1/tickets", json={"service": next(services)}
            ) as response:
                body = await response.json()
                if response.status != 201:
                    return acked, body, response.status
                acked.append(body)
    raise AssertionError("the disk never filled")


async def test_a_full_disk_loses_nothing_acknowledged(namespace: Namespace, tmp_path: Path) -> None:
    db = namespace.folder / "centre.sqlite3"
    config = write_example_config(tmp_path / "centre.toml", db)
    token = namespace.run(
        sys.executable, "-m", "queue_server.cli", "token", "create", "--role", "kiosk",
        "--name", "door", "--config", str(config),
    ).strip()  # fmt: skip
    proc, base = start_server(namespace, config)
    try:
        acked, refusal, status = await fill(base, token)
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/healthz") as response:
                health = (response.status, await response.json())
            async with session.post(
                base + "/api/v1/tickets",
                json={"service": "HT"},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                again = response.status, await response.json()
    finally:
        log = stop(proc)
    assert len(acked) > 10
    assert status == 503 and refusal["error"]["code"] == "store_unavailable", refusal  # type: ignore[index]
    assert again[0] == 503, "the server went on after a failed commit"
    assert health[0] == 503 and "full" in health[1]["error"], health
    assert "database or disk is full" in log, log[-2000:]

    namespace.remount(8192)  # the IT officer frees space, then restarts the server
    proc, base = start_server(namespace, config)
    try:
        async with aiohttp.ClientSession() as session:
            for ticket in acked:
                async with session.get(f"{base}/api/v1/tickets/{ticket['tracking_code']}") as got:
                    assert got.status == 200, ticket
                    assert (await got.json())["number"] == ticket["number"]
            async with session.post(
                base + "/api/v1/tickets",
                json={"service": "HT"},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 201
    finally:
        stop(proc)
    print(f"full disk: {len(acked)} tickets acknowledged before it filled, all found after")
