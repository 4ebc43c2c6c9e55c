"""Every error is JSON: `{"error": {"code": ..., "message": ...}}` with the right status."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from ..engine import CommandRejected
from ..store import StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_encode = msgspec.json.Encoder().encode


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=_encode(body), status=status, content_type="application/json", headers=headers
    )


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return json_response({"error": {"code": code, "message": message}}, status, headers)


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
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except CommandRejected as exc:
        return error_response(exc.status, exc.code, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        if exc.status == 413:
            message = "the request body is too large"
        return error_response(exc.status, code, message or exc.reason)
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


async def read_json(request: web.Request, model: type[T]) -> T:
    """Decode and check a JSON body against a msgspec model; 4xx that says what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "send a JSON body with Content-Type: application/json"
        )
    body = await request.read()
    try:
        return msgspec.json.decode(body, type=model)
    except msgspec.ValidationError as exc:
        raise ApiError(422, "invalid_body", _readable(str(exc))) from None
    except msgspec.DecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None


def _readable(message: str) -> str:
    """`Expected int, got str - at $.counter` -> `counter: Expected int, got str`."""
    head, sep, where = message.partition(" - at `$")
    if not sep:
        return message
    field = where.rstrip("`").lstrip(".")
    return f"{field or 'body'}: {head}"
