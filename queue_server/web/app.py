"""The aiohttp application of a centre: routes, middlewares, hub and metrics wired."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from .. import trace
from ..app import Centre
from ..live.directory import Lookups
from ..live.fanout import Hub
from ..live.projection import Projection
from .auth import ACCOUNTS, auth_middleware
from .errors import error_middleware
from .hub_socket import HubSockets, text_frame
from .keys import CENTRE, HUB, HUB_SOCKETS, LIMITS, METRICS, Limits
from .metrics import Metrics
from .openapi import build_openapi
from .routes import ROUTES
from .system import OPENAPI_DOC

MAX_BODY_BYTES = 16 * 1024


def create_app(centre: Centre) -> web.Application:
    """The application; serve it with `web.site.serve`, whose front door carries `/ws`."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES, middlewares=[error_middleware, auth_middleware]
    )
    hub = Hub(
        Projection(centre.engine, centre.config.services),
        text_frame,
        seq=centre.log.last_seq,
        commit_queued=centre.dispatcher.commit_queued,
    )
    metrics = Metrics(centre.engine, hub, centre.log)
    centre.dispatcher.listen(trace.traced_hub(hub) if trace.TRACE_FILE else hub)
    centre.dispatcher.listen(metrics.on_events)
    if centre.printing is not None:
        for device in centre.printing.device_views():
            hub.device_changed(device)
        centre.printing.on_change(hub.device_changed)
    if centre.serial is not None:
        for device in centre.serial.device_states():
            hub.device_changed(device)
        centre.serial.on_change(hub.device_changed)
        metrics.watch_serial_lines(centre.serial.device_states)
    app[CENTRE] = centre
    app[ACCOUNTS] = centre.accounts
    app[HUB] = hub
    app[HUB_SOCKETS] = HubSockets(
        hub, Lookups(centre.accounts, centre.engine), centre.dispatcher.settled
    )
    app[METRICS] = metrics
    app[LIMITS] = Limits(centre.config.security)
    app[OPENAPI_DOC] = build_openapi(
        centre.config.centre.name[centre.config.centre.default_language]
    )
    for route in ROUTES:
        if not hasattr(route.handler, "allowed_roles"):
            raise RuntimeError(
                f"{route.method} {route.path} declares no roles: refusing to serve it"
            )
        app.router.add_route(route.method, route.aiohttp_path, route.handler)
    app.cleanup_ctx.append(_run_centre)
    app.on_shutdown.append(_close_websockets)
    return app


async def _run_centre(app: web.Application) -> AsyncIterator[None]:
    centre = app[CENTRE]
    await centre.start()
    app[HUB_SOCKETS].start()
    yield
    await centre.stop()


async def _close_websockets(app: web.Application) -> None:
    await app[HUB_SOCKETS].close_all()
