"""Where a centre listens: aiohttp's TCP site, with a front door that sends `/ws` around
aiohttp (web/hub_socket.py explains why)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from .hub_socket import FrontDoor
from .keys import HUB_SOCKETS


class CentreSite(web.BaseSite):
    """Like `web.TCPSite`, but each connection first meets a `FrontDoor`."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        runner = self._runner
        assert isinstance(runner, web.AppRunner)
        http = runner.server
        assert http is not None
        sockets = runner.app[HUB_SOCKETS]
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: FrontDoor(http, sockets), self._host, self._port, reuse_address=True
        )


async def serve(runner: web.AppRunner, host: str, port: int) -> int:
    """Set the runner up and listen; returns the port (the real one when asked for 0)."""
    await runner.setup()
    await CentreSite(runner, host, port).start()
    return int(runner.addresses[0][1])
