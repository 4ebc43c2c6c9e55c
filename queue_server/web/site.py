"""Where a centre listens: aiohttp's TCP site, with a front door that counts each
connection, bounds the time of its request head and sends `/ws` around aiohttp
(web/front_door.py, web/hub_socket.py explain why)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from .context import CENTRE
from .doorkeeper import DOORKEEPER
from .front_door import FrontDoor
from .keys import HUB_SOCKETS
from .malformed import json_error_handlers
from .throttled_log import ThrottledLog, quiet_accept_errors

log = logging.getLogger(__name__)


def centre_runner(app: web.Application, **kwargs: Any) -> web.AppRunner:
    """aiohttp's runner for a centre's app.  Its keep-alive timeout is the head timeout:
    aiohttp closes a connection whose next request head has not come by then (a slow
    one, or an idle one), which bounds every head after a connection's first."""
    security = app[CENTRE].config.security
    return web.AppRunner(app, keepalive_timeout=security.request_head_timeout_s, **kwargs)


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
        app = runner.app
        sockets = app[HUB_SOCKETS]
        keeper = app[DOORKEEPER]
        head_timeout_s = app[CENTRE].config.security.request_head_timeout_s
        handlers = json_error_handlers(http)
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(
            quiet_accept_errors(ThrottledLog(log), loop.get_exception_handler())
        )
        self._server = await loop.create_server(
            lambda: FrontDoor(handlers, sockets, keeper, head_timeout_s),
            self._host,
            self._port,
            reuse_address=True,
        )


async def serve(runner: web.AppRunner, host: str, port: int) -> int:
    """Set the runner up and listen; returns the port (the real one when asked for 0)."""
    await runner.setup()
    await CentreSite(runner, host, port).start()
    return int(runner.addresses[0][1])
