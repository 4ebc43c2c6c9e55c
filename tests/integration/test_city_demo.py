"""`queue-server city demo` comes to life: its own PostgreSQL, a simulated centre shipping
to it, the city service showing the centre's tickets live; Ctrl-C stops it all."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

QUEUE_SERVER = Path(sys.executable).with_name("queue-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def folder() -> Iterator[Path]:
    """Where the demo runs: its var/ must be reachable by the `postgres` user."""
    path = Path(tempfile.mkdtemp(prefix="city-demo-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def test_the_city_demo_shows_its_simulated_centre_live_and_stops_cleanly(
    folder: Path,
) -> None:
    city_port, centre_port = free_port(), free_port()
    demo = await asyncio.create_subprocess_exec(
        *(str(QUEUE_SERVER), "city", "demo", "--centres", "1"),
        *("--port", str(city_port), "--centre-port", str(centre_port)),
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert demo.stdout is not None
    said: list[str] = []
    password = ""
    try:
        async with asyncio.timeout(60):
            while not (password and any("[city] city service on" in s for s in said)):
                line = (await demo.stdout.readline()).decode()
                assert line, "".join(said)
                said.append(line)
                if found := re.search(r"log in as `chanhvp` / `([^`]+)`", line):
                    password = found.group(1)
        assert any(f"http://127.0.0.1:{centre_port}" in s for s in said)
        base = f"http://127.0.0.1:{city_port}"
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as client:
            login = {"username": "chanhvp", "password": password}
            async with client.post("/api/v1/city/login", json=login) as got:
                assert got.status == 200
            async with client.ws_connect("/api/v1/city/ws") as ws, asyncio.timeout(60):
                issued = 0
                while issued == 0:  # each message is a push: the simulation issues tickets
                    rows = (await ws.receive_json())["rows"]
                    issued = sum(r["issued"] for r in rows if r["centre_id"] == "hn-ba-dinh")
    finally:
        demo.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            await demo.communicate()
    assert demo.returncode == 0
    assert not (folder / "var/city-demo/postgres/data/postmaster.pid").exists()
    for port in (city_port, centre_port):  # the city service and the centre are gone
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
