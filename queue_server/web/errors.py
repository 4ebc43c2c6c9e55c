"""Every error is JSON: `{"error": {"code": ..., "message": ...}}` with the right status.

A refusal may carry what a client needs to act on it, beside its code: a closed
centre's `opens_at` (when to come back, local time with its offset, null if never).

Except for a person who typed a page's address into a browser (`/counter/99`, a status
address mistyped from a paper ticket): they get a short page in the three languages.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from ..engine import CommandRejected
from ..engine import errors as refusals
from ..store import StoreError
from ..views import iso_time
from .context import CENTRE
from .error_body import ApiError as ApiError
from .error_body import error_response as error_response
from .error_body import json_response as json_response

log = logging.getLogger(__name__)
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def refusal_body(refusal: CommandRejected, zone: ZoneInfo) -> dict[str, Any]:
    """A refusal's `error`: its code and message, and a closed centre's `opens_at`, so a
    kiosk can say in the citizen's language when to come back."""
    body: dict[str, Any] = {"code": refusal.code, "message": refusal.message}
    if isinstance(refusal, refusals.CentreClosed):
        body["opens_at"] = iso_time(refusal.opens_at, zone)
    return body


_REFUSAL_STATUS: dict[type[CommandRejected], int] = {
    refusals.NotFound: 404,
    refusals.UnknownPriorityClass: 422,
    refusals.UnknownLanguage: 422,
    refusals.TransferToSelf: 422,
    refusals.InvalidTransfer: 422,
    refusals.InvalidRatingReason: 422,
    refusals.PriorityAtDesk: 403,
    refusals.InvalidSlot: 422,
}
"""The engine's refusals as HTTP statuses; any other refusal is a conflict with the queue's
state (409: a full slot, a quota used, too early or late, cancelled, checked in, bookings
off).  A subclass answers as its nearest listed base (`UnknownTicket` is a `NotFound`)."""


def refusal_status(refusal: CommandRejected) -> int:
    for cls in type(refusal).__mro__:
        status = _REFUSAL_STATUS.get(cls)
        if status is not None:
            return status
    return 409


_MACHINE_PATHS = ("/api/", "/ws", "/static/", "/metrics", "/healthz")
_NOT_FOUND = (
    ("vi", "Không tìm thấy trang này."),
    ("en", "This page does not exist."),
    ("ar", "هذه الصفحة غير موجودة."),
)
_FAILED = (
    ("vi", "Đã xảy ra lỗi. Vui lòng thử lại."),
    ("en", "Something went wrong. Please try again."),
    ("ar", "حدث خطأ. يُرجى المحاولة مرة أخرى."),
)
_HOME = (("vi", "Về trang đầu"), ("en", "Home"), ("ar", "الصفحة الرئيسية"))


def _wants_page(request: web.Request) -> bool:
    """A browser opening a page, not a script or a page's own fetch."""
    if request.method != "GET" or request.path.startswith(_MACHINE_PATHS):
        return False
    return "text/html" in request.headers.get("Accept", "")


def page_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The error as a page: what happened in vi, en and ar, the server's words below."""
    said = _NOT_FOUND if status == 404 else _FAILED
    lines = "".join(
        f'<p lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}" class="error-line">'
        f"{html.escape(text)}</p>"
        for lang, text in said
    )
    home = " · ".join(f'<a lang="{lang}" href="/">{html.escape(text)}</a>' for lang, text in _HOME)
    body = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{status}</title>"
        '<link rel="stylesheet" href="/static/css/base.css"></head>'
        f'<body class="error-page"><main>{lines}<p class="error-detail">{html.escape(message)}'
        f"</p><p>{home}</p></main></body></html>"
    )
    return web.Response(
        text=body,
        status=status,
        content_type="text/html",
        headers={
            **(headers or {}),
            "Content-Security-Policy": "default-src 'self'",
            "X-Content-Type-Options": "nosniff",
        },
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        if _wants_page(request):
            return page_error(exc.status, exc.message, exc.headers)
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except CommandRejected as exc:
        status = refusal_status(exc)
        if _wants_page(request):
            return page_error(status, exc.message)
        centre = request.app.get(CENTRE)
        zone = centre.engine.setup.zone if centre is not None else ZoneInfo("UTC")
        return json_response({"error": refusal_body(exc, zone)}, status)
    except web.RequestPayloadError as exc:  # the body's coding broke while it was read
        return error_response(400, "bad_body_encoding", f"the body cannot be read: {exc}")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        if exc.status == 413:
            message = "the request body is too large"
        kept = {name: exc.headers[name] for name in ("Allow",) if name in exc.headers}
        if _wants_page(request):
            return page_error(exc.status, message or exc.reason, kept)
        return error_response(exc.status, code, message or exc.reason, kept)
    except StoreError as exc:
        log.error("event log unavailable: %s", exc)
        return error_response(
            503, "store_unavailable", "the event log cannot be written now; try again"
        )
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "an unexpected error happened; it has been logged"
        )


BODY_TIMEOUT_S = web.AppKey("body_timeout_s", float)
"""How long a request's body may take to come ([security] request_body_timeout_s)."""


async def read_json(request: web.Request, model: type[T]) -> T:
    """Decode and check a JSON body against a msgspec model; 4xx that says what is wrong.
    A body that trickles in is given up after the body timeout (408): aiohttp would wait
    for it as long as the client likes."""
    if request.content_type != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "send a JSON body with Content-Type: application/json"
        )
    try:
        body = await _read_body(request)
    except ConnectionResetError:  # nobody to answer: not the server's error
        log.debug("a client left before its request body came: %s %s", request.method, request.path)
        raise ApiError(
            400, "incomplete_body", "the connection closed before the body came"
        ) from None
    try:
        return msgspec.json.decode(body, type=model)
    except msgspec.ValidationError as exc:
        raise ApiError(422, "invalid_body", _readable(str(exc))) from None
    except msgspec.DecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "the body is not valid UTF-8") from None


async def _read_body(request: web.Request) -> bytes:
    if request.content.is_eof():  # all here already (a small body comes with its head)
        return await request.read()
    timeout_s = request.app.get(BODY_TIMEOUT_S, 30.0)
    try:
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except TimeoutError:
        raise ApiError(
            408, "request_timeout", f"the request body did not come within {timeout_s:g} s"
        ) from None


def _readable(message: str) -> str:
    """`Expected int, got str - at $.counter` -> `counter: Expected int, got str`."""
    head, sep, where = message.partition(" - at `$")
    if not sep:
        return message
    field = where.rstrip("`").lstrip(".")
    return f"{field or 'body'}: {head}"
