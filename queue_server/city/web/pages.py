"""The city's pages and their files: `/city` (every centre), `/city/centre/<id>` (one
centre's day), from `display/static` like the centre's pages, and Chart.js from Debian's
`libjs-chart.js` (installed by `make install`), served from this machine: no CDN."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiohttp import web

from .http import ApiError, public

STATIC_ROOT = Path(__file__).resolve().parents[3] / "display" / "static"
CHART_JS = Path("/usr/share/javascript/chart.js/chart.min.js")
"""Debian's Chart.js (libjs-chart.js): the UMD build, which sets `window.Chart`."""
STATIC_KINDS = frozenset({"js", "css", "i18n"})
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


async def _file(path: Path, missing: str = "no such file") -> web.Response:
    try:
        body = await asyncio.to_thread(path.read_bytes)
    except OSError:
        raise ApiError(404, "not_found", missing) from None
    headers = {**HEADERS, "Content-Type": CONTENT_TYPES.get(path.suffix, "text/plain")}
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = CSP
    return web.Response(body=body, headers=headers)


@public
async def city_page(request: web.Request) -> web.Response:
    return await _file(STATIC_ROOT / "city.html")


@public
async def centre_page(request: web.Request) -> web.Response:
    return await _file(STATIC_ROOT / "city_centre.html")


@public
async def static_file(request: web.Request) -> web.Response:
    kind, name = request.match_info["kind"], request.match_info["file"]
    if kind not in STATIC_KINDS or not _FILE.match(name):
        raise ApiError(404, "not_found", "no such file")
    return await _file(STATIC_ROOT / kind / name)


@public
async def chart_js(request: web.Request) -> web.Response:
    return await _file(CHART_JS, "Chart.js is missing: install Debian's libjs-chart.js")


@public
async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/city")
