"""The city service's aiohttp application: its routes, a pool of PostgreSQL connections
for requests, and the live feed's own LISTEN connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from ...web.login_guard import LoginGuard
from . import api, openapi, pages
from .http import LOGIN_GUARD, POOL, Handler, error_middleware, session_middleware
from .live import Feed
from .settings import SETTINGS, CitySettings
from .socket import FEED, live_rows

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/", pages.home),
    ("GET", "/city", pages.city_page),
    ("GET", "/city/centre/{centre}", pages.centre_page),
    ("GET", "/static/{kind}/{file}", pages.static_file),
    ("GET", "/city/vendor/chart.min.js", pages.chart_js),
    ("GET", "/api/v1/city/openapi.json", openapi.openapi_document),
    ("POST", "/api/v1/city/login", api.log_in),
    ("POST", "/api/v1/city/logout", api.log_out),
    ("GET", "/api/v1/city/session", api.who_am_i),
    ("GET", "/api/v1/city/settings", api.settings),
    ("GET", "/api/v1/city/centres", api.centres),
    ("GET", "/api/v1/city/centres/{centre}", api.centre_day),
    ("GET", "/api/v1/city/reports/daily", api.daily_report),
    ("GET", "/api/v1/city/users", api.list_users),
    ("POST", "/api/v1/city/users", api.add_user),
    ("GET", "/api/v1/city/ws", live_rows),
]
"""Every route; README.md's city access table lists each with who may use it."""
POOL_SIZE = 8


def build_app(
    dsn: str, settings: CitySettings | None = None, login_guard: LoginGuard | None = None
) -> web.Application:
    app = web.Application(middlewares=[error_middleware, session_middleware])
    app[SETTINGS] = settings or CitySettings()
    app[LOGIN_GUARD] = login_guard or LoginGuard()
    for method, path, handler in ROUTES:
        if not hasattr(handler, "allowed_roles"):  # fail closed: say who may, or no route
            raise TypeError(f"{handler.__name__} declares no roles")
        app.router.add_route(method, path, handler)

    pool = AsyncConnectionPool(
        dsn, min_size=1, max_size=POOL_SIZE, open=False, kwargs={"autocommit": True}
    )
    feed = Feed(dsn, pool, app[SETTINGS].today)
    app[POOL], app[FEED] = pool, feed

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        await pool.open()
        await feed.start()
        yield
        await feed.stop()
        await pool.close()

    app.cleanup_ctx.append(lifetime)
    return app
