"""The city's API: log in and out, every centre's row now, one centre's day by hour and
by service, every centre's day side by side (JSON or CSV), accounts (city admin only)."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, TypeVar

import msgspec
from aiohttp import web

from ...accounts.passwords import WeakPassword
from ...reports.spreadsheet import LANGUAGES as CSV_LANGUAGES
from ..dashboard import centre_hours, centre_rows, centre_services
from . import accounts
from .accounts import CityRole
from .daily import centres_csv, centres_day
from .http import (
    ADMIN_ONLY,
    EVERYONE,
    LOGIN_GUARD,
    POOL,
    SESSION_COOKIE,
    ApiError,
    allow,
    json_response,
    public,
    session_of,
)
from .settings import SETTINGS
from .socket import FEED

T = TypeVar("T")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CENTRE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class Login(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password
    role: CityRole = CityRole.VIEWER


async def _body(request: web.Request, kind: type[T]) -> T:
    raw = await request.read()
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as exc:
        raise ApiError(422, "invalid_body", str(exc)) from None
    except msgspec.DecodeError:
        raise ApiError(400, "malformed_json", "the body is not JSON") from None


def _day(request: web.Request) -> date:
    """`?day=YYYY-MM-DD`, default today in the city's zone."""
    text = request.query.get("day")
    if not text:
        return request.app[SETTINGS].today()
    if not _DAY.fullmatch(text):
        raise ApiError(400, "invalid_day", f"day: expected YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "invalid_day", f"day: no such date {text!r}") from None


@public
async def log_in(request: web.Request) -> web.Response:
    """Open a session: its cookie, and the CSRF token its changes must carry."""
    login = await _body(request, Login)
    guard = request.app[LOGIN_GUARD]
    wait = guard.wait(login.username)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "too_many_requests",
            f"too many wrong passwords for this account; try again in {seconds} s",
            {"Retry-After": str(seconds)},
        )
    async with request.app[POOL].connection() as db:
        opened = await accounts.log_in(db, login.username, login.password)
    if opened is None:
        guard.failed(login.username)
        raise ApiError(401, "bad_credentials", "wrong username or password")
    guard.succeeded(login.username)
    token, session = opened
    response = json_response(session)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        max_age=accounts.SESSION_HOURS * 3600,
        path="/",
    )
    return response


@allow(EVERYONE)
async def who_am_i(request: web.Request) -> web.Response:
    """The session's account, role and CSRF token."""
    return json_response(session_of(request))


@allow(EVERYONE)
async def log_out(request: web.Request) -> web.Response:
    """End the session, on the server too."""
    async with request.app[POOL].connection() as db:
        await accounts.log_out(db, request.cookies[SESSION_COOKIE])
    await request.app[FEED].close_ended_sessions()  # its live feed ends with it, now
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@allow(EVERYONE)
async def settings(request: web.Request) -> web.Response:
    """What the pages need to draw: the wait thresholds for amber and red, the zone."""
    return json_response(request.app[SETTINGS].public())


@allow(EVERYONE)
async def centres(request: web.Request) -> web.Response:
    """Every centre's row for a day: what `/city` shows."""
    day = _day(request)
    async with request.app[POOL].connection() as db:
        rows = await centre_rows(db, day)
    return json_response({"day": day, "centres": rows})


@allow(EVERYONE)
async def centre_day(request: web.Request) -> web.Response:
    """One centre's day: its row, by hour of issue, by service."""
    centre = request.match_info["centre"]
    if not _CENTRE.fullmatch(centre):
        raise ApiError(404, "unknown_centre", "no such centre")
    day = _day(request)
    async with request.app[POOL].connection() as db:
        rows = await centre_rows(db, day, centres=[centre])
        if not rows:
            raise ApiError(404, "unknown_centre", f"the city holds nothing of {centre!r}")
        hours = await centre_hours(db, centre, day, request.app[SETTINGS].timezone)
        services = await centre_services(db, centre, day)
    return json_response({"day": day, "centre": rows[0], "hours": hours, "services": services})


@allow(EVERYONE)
async def daily_report(request: web.Request) -> web.Response:
    """Every centre's day side by side, the measures of a centre's daily report.

    `?format=csv` (with `lang=vi|en|ar`, default vi) for a spreadsheet."""
    day = _day(request)
    wanted = request.query.get("format", "json")
    if wanted not in ("json", "csv"):
        raise ApiError(400, "invalid_format", "format: json or csv")
    lang = request.query.get("lang", "vi")
    if lang not in CSV_LANGUAGES:
        raise ApiError(400, "invalid_lang", f"lang: one of {', '.join(CSV_LANGUAGES)}")
    async with request.app[POOL].connection() as db:
        rows = await centres_day(db, day, request.app[SETTINGS].amber_minutes)
    if wanted == "json":
        return json_response({"day": day, "centres": rows})
    return web.Response(
        body=centres_csv(rows, lang).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="city-{day.isoformat()}.csv"'},
    )


@allow(ADMIN_ONLY)
async def list_users(request: web.Request) -> web.Response:
    """The city's accounts and their roles."""
    async with request.app[POOL].connection() as db:
        return json_response({"users": await accounts.users(db)})


@allow(ADMIN_ONLY)
async def add_user(request: web.Request) -> web.Response:
    """A new city account (a viewer unless said)."""
    new = await _body(request, NewUser)
    try:
        async with request.app[POOL].connection() as db:
            user = await accounts.add_user(db, new.username, new.role, new.password)
    except WeakPassword as exc:
        raise ApiError(422, "weak_password", str(exc)) from None
    except accounts.UserExists as exc:
        raise ApiError(409, "user_exists", str(exc)) from None
    return json_response(user, status=201)
