"""The aiohttp application of a centre: routes and middlewares over a running centre.

The centre is built by the composition root (queue_server/app.py) and given here as a
`CentreContext` (web/context.py); this module never imports app.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..live.directory import Lookups
from .auth import ACCOUNTS, auth_middleware
from .client import TRUSTED_PROXIES, TrustedProxies
from .context import CENTRE, CentreContext
from .doorkeeper import DOORKEEPER, Doorkeeper, fit_descriptors
from .errors import BODY_TIMEOUT_S, error_middleware
from .hub_socket import HubSockets
from .keys import HUB, HUB_SOCKETS, LIMITS, METRICS, Limits
from .openapi import build_openapi
from .routes import ROUTES
from .system import OPENAPI_DOC

MAX_BODY_BYTES = 16 * 1024


def create_app(centre: CentreContext) -> web.Application:
    """The application; serve it with `web.site.serve`, whose front door carries `/ws`.
    It starts and stops the centre with itself."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES, middlewares=[error_middleware, auth_middleware]
    )
    app[CENTRE] = centre
    app[ACCOUNTS] = centre.accounts
    app[HUB] = centre.hub
    security = centre.config.security
    proxies = app[TRUSTED_PROXIES] = TrustedProxies(security.trusted_proxies)
    limits = app[LIMITS] = Limits(security)
    app[HUB_SOCKETS] = HubSockets(
        centre.hub,
        Lookups(centre.accounts, centre.engine, centre.dispatcher.now, limits.status.check),
        centre.dispatcher.settled,
        security.allowed_origins,
        proxies,
    )
    app[DOORKEEPER] = Doorkeeper(
        fit_descriptors(security.max_connections),
        security.max_connections_per_address,
        proxies.trusts,
    )
    app[BODY_TIMEOUT_S] = security.request_body_timeout_s
    app[METRICS] = centre.metrics
    app[OPENAPI_DOC] = build_openapi(
        centre.config.centre.name[centre.config.centre.default_language]
    )
    for route in ROUTES:
        if not hasattr(route.handler, "allowed_roles"):
            raise RuntimeError(
                f"{route.method} {route.path} declares no roles: refusing to serve it"
            )
        if route.method == "GET":  # HEAD too, wherever GET answers (RFC 9110)
            app.router.add_get(route.aiohttp_path, route.handler)
        else:
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
