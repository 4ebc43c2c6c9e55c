"""The city service's HTTP rules: every error is the centre's JSON error body
(`{"error": {"code", "message"}}`), every handler names the roles it serves, and a
session that changes anything repeats its CSRF token, as on the centre's pages."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Awaitable, Callable

import psycopg
from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from ...web.error_body import ApiError as ApiError
from ...web.error_body import error_response as error_response
from ...web.error_body import json_response as json_response
from ...web.login_guard import LoginGuard
from .accounts import CityRole, Session, session_for

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
POOL = web.AppKey("pool", AsyncConnectionPool)
LOGIN_GUARD = web.AppKey("login_guard", LoginGuard)
"""Wrong passwords per account: each further try waits longer (the centre's guard)."""
SESSION = web.RequestKey("session", Session)
SESSION_COOKIE = "city_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EVERYONE = frozenset(CityRole)
ADMIN_ONLY = frozenset({CityRole.CITY_ADMIN})


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, _HTTP_CODES.get(exc.status, "bad_request"), exc.reason)
    except (psycopg.OperationalError, TimeoutError) as exc:
        log.warning("city: PostgreSQL unreachable: %s", " ".join(str(exc).split()))
        return error_response(503, "database_unavailable", "the city's database does not answer")


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The caller's session, from its cookie; a change by a session must carry its CSRF."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with request.app[POOL].connection() as db:
            session = await session_for(db, token)
        if session is not None:
            request[SESSION] = session
            if request.method not in SAFE_METHODS:
                sent = request.headers.get(CSRF_HEADER, "").encode("utf-8", "surrogatepass")
                if not hmac.compare_digest(sent, session.csrf.encode()):
                    raise ApiError(
                        403, "csrf_failed", f"send the session's CSRF token in {CSRF_HEADER}"
                    )
    return await handler(request)


def session_of(request: web.Request) -> Session:
    return request[SESSION]


def allow(roles: frozenset[CityRole]) -> Callable[[Handler], Handler]:
    """Serve only these roles; nobody without a session.  A handler without it is never
    routed (app.py checks), so a forgotten declaration fails closed."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            session = request.get(SESSION)
            if session is None:
                raise ApiError(401, "unauthenticated", "log in first")
            if session.role not in roles:
                raise ApiError(403, "forbidden", f"a {session.role.value} may not do this")
            return await handler(request)

        checked.allowed_roles = roles  # type: ignore[attr-defined]
        return checked

    return decorate


def public(handler: Handler) -> Handler:
    """Served to anyone: the login, the pages' files (what they show comes from the API)."""
    handler.allowed_roles = None  # type: ignore[attr-defined]
    return handler
