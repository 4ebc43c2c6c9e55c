"""The pages: static HTML, CSS and ES modules from `display/static`, no build step.

Short addresses for the screens people open (`/kiosk`, `/staff`, `/hall`,
`/counter/5`, `/admin`) and for the citizen's status page behind the ticket's QR
code (`/s/<tracking code>`, an address printed on paper: keep it stable), and for
booking ahead on a phone (`/book`) and the booking's own page behind its QR code
(`/a/<booking code>`, in the citizen's calendar and on their screen: keep it stable too).

A page is public; what it shows comes from the API and `/ws`, which check who
asks.  Tokens travel in the URL fragment (`/hall#token=qs_...`), which browsers
never send, so they stay out of server logs and Referer headers.

Files are revalidated on every load (`no-cache` with an ETag): a kiosk or a hall
TV left running for weeks picks up a new version at its next reload, and the
revalidation costs a 304.  Pages carry a strict Content-Security-Policy and send
no Referer (the status page's address holds the ticket's tracking code).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import qrcode
import qrcode.image.svg
from aiohttp import web

from ..engine import Engine
from ..views import iso_time
from .api import check_lookup_rate, retry_later, status_url
from .appointments_api import booking_page_url, code_or_none
from .auth import PUBLIC, RouteHandler, allow
from .context import CENTRE
from .errors import ApiError, json_response
from .keys import LIMITS

STATIC_ROOT = Path(__file__).resolve().parents[2] / "display" / "static"
STATIC_KINDS = frozenset({"js", "css", "i18n", "sounds", "img"})
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".wav": "audio/wav",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


_cache: dict[Path, tuple[tuple[float, int], bytes, str]] = {}


async def _file_response(request: web.Request, path: Path) -> web.Response:
    try:
        cached = await asyncio.to_thread(_load, path, _cache.get(path))
    except OSError:
        raise ApiError(404, "not_found", "no such file") from None
    _cache[path] = cached
    _, body, etag = cached
    headers = {"ETag": etag, "Cache-Control": "no-cache", **SECURITY_HEADERS}
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = CSP
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    return web.Response(body=body, headers=headers)


def _load(
    path: Path, cached: tuple[tuple[float, int], bytes, str] | None
) -> tuple[tuple[float, int], bytes, str]:
    """The file's bytes and ETag, read again only when it changed (off the event loop)."""
    stat = path.stat()
    key = (stat.st_mtime, stat.st_size)
    if cached is not None and cached[0] == key:
        return cached
    body = path.read_bytes()
    return key, body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _page(name: str) -> RouteHandler:
    @allow(PUBLIC)
    async def handler(request: web.Request) -> web.Response:
        return await _file_response(request, STATIC_ROOT / f"{name}.html")

    handler.__name__ = f"page_{name}"
    handler.__doc__ = f"The {name} page."
    return handler


page_index = _page("index")
page_kiosk = _page("kiosk")
page_staff = _page("staff")
page_hall = _page("hall")
page_admin = _page("admin")
page_supervise = _page("supervise")
page_assist = _page("assist")
page_book = _page("book")


def _counter_page(name: str) -> RouteHandler:
    """A page of one counter (`/counter/5`, `/rate/5`): 404 for a counter the centre lacks."""

    @allow(PUBLIC)
    async def handler(request: web.Request) -> web.Response:
        request.app[CENTRE].engine.counter(int(request.match_info["counter"]))
        return await _file_response(request, STATIC_ROOT / f"{name}.html")

    handler.__name__ = f"page_{name}"
    handler.__doc__ = f"The {name} page of a counter."
    return handler


page_counter = _counter_page("counter")
page_rate = _counter_page("rate")


@allow(PUBLIC)
async def page_status(request: web.Request) -> web.Response:
    """The citizen's page; whether the code is real is told by the API, not here."""
    if not _CODE.match(request.match_info["code"]):
        raise ApiError(404, "unknown_ticket", "no ticket with this tracking code")
    return await _file_response(request, STATIC_ROOT / "status.html")


@allow(PUBLIC)
async def page_appointment(request: web.Request) -> web.Response:
    """A booking's page; whether the code is real is told by the API, not here."""
    if code_or_none(request.match_info["code"]) is None:
        raise ApiError(404, "unknown_appointment", "no booking with this code")
    return await _file_response(request, STATIC_ROOT / "appointment.html")


@allow(PUBLIC)
async def appointment_qr(request: web.Request) -> web.Response:
    """The QR code of a booking's page: the kiosk's scanner reads it, a phone opens it.
    It tells whether a code exists, so it is asked at the look-ups' bounded rate."""
    wait = request.app[LIMITS].status.check(request.remote or "unknown")
    if wait is not None:
        raise retry_later(wait, "booking look-ups")
    code = code_or_none(request.match_info["code"])
    if code is None:
        raise ApiError(404, "unknown_appointment", "no booking with this code")
    request.app[CENTRE].engine.appointment(code)  # unknown: its refusal, a 404
    return await _svg_response(_qr_svg, booking_page_url(request, code))


@allow(PUBLIC)
async def ticket_qr(request: web.Request) -> web.Response:
    """The QR code of a ticket's status page, as SVG, for the kiosk's screen."""
    code = request.match_info["code"]
    check_lookup_rate(request)
    if not _CODE.match(code) or request.app[CENTRE].engine.ticket_by_tracking_code(code) is None:
        raise ApiError(404, "unknown_ticket", "no ticket with this tracking code today")
    return await _svg_response(_qr_svg, status_url(request, code))


async def _svg_response(draw: Callable[[str], str], url: str) -> web.Response:
    body = await asyncio.to_thread(draw, url)
    return web.Response(
        text=body,
        content_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=86400", **SECURITY_HEADERS},
    )


def _qr_svg(url: str) -> str:
    """Drawing a QR code takes milliseconds: done on a thread, not on the loop."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg: str = image.to_string(encoding="unicode")
    return svg


@allow(PUBLIC)
async def static_file(request: web.Request) -> web.Response:
    kind, name = request.match_info["kind"], request.match_info["file"]
    if kind not in STATIC_KINDS or not _FILE.match(name):
        raise ApiError(404, "not_found", "no such file")
    return await _file_response(request, STATIC_ROOT / kind / name)


@allow(PUBLIC)
async def centre_info(request: web.Request) -> web.Response:
    """What every page shows about the centre, from its config: names, notice, counters;
    and whether it is open now, so a kiosk shows a closed centre before anyone is refused."""
    centre = request.app[CENTRE]
    config = centre.config
    now = centre.dispatcher.now()
    open_now = centre.engine.is_open(now)
    opens_at = None if open_now else centre.engine.next_opening(now)
    return json_response(
        {
            "id": config.centre.id,
            "name": config.centre.name,
            "languages": config.centre.languages,
            "timezone": config.centre.timezone,
            "notice": config.centre.notice,
            "ticket_footer": config.centre.ticket_footer,
            "services": [
                {"code": s.code, "name": s.name, "description": s.description}
                for s in config.services
            ],
            "counters": [
                {"id": c.id, "name": c.name, "services": c.services} for c in config.counters
            ],
            "priority_classes": [
                {"code": p.code, "name": p.name, "at_desk": p.at_desk}
                for p in config.priority_classes
            ],
            "rating_reasons": [{"code": r.code, "name": r.name} for r in config.ratings.reasons],
            "open_now": open_now,
            "opens_at": iso_time(opens_at, centre.engine.setup.zone),
            "queue": {
                "target_wait_minutes": config.queue.target_wait_minutes,
                "without_open_counter": config.queue.without_open_counter,
            },
            "hall": {
                "min_show_seconds": config.hall.min_show_seconds,
                "max_delay_seconds": config.voice.max_delay_seconds,
            },
            "appointments": _booking_rules(centre.engine, now),
        }
    )


def _booking_rules(engine: Engine, now: float) -> dict[str, object]:
    """Whether the centre takes bookings, and the numbers its booking page explains."""
    rules = engine.setup.appointments
    return {
        "enabled": rules.enabled,
        # The centre's date: the booking page counts its days from it, not from the
        # phone's clock (set wrong, or abroad, it would offer days the centre refuses).
        "today": datetime.fromtimestamp(now, engine.setup.zone).date().isoformat(),
        "days_ahead": rules.days_ahead,
        "slot_minutes": rules.slot_minutes,
        "cutoff_minutes": rules.cutoff_minutes,
        "per_person_per_day": rules.per_person_per_day,
        "early_minutes": rules.early_minutes,
        "late_minutes": rules.late_minutes,
        "late": rules.late,
        "places": {code: engine.slot_capacity(code) for code in engine.setup.service_codes},
    }
