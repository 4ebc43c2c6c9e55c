"""aiohttp's own refusals (a request it cannot parse), in the project's JSON error body.

aiohttp answers a malformed request line, header or body coding before any handler or
middleware runs, in plain text with its parser's words; clients of the API read one
error shape only.  `JsonErrorHandler` is aiohttp's connection handler with that one
answer changed: logging, closing and everything else stay aiohttp's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http import HTTPStatus

from aiohttp import http_exceptions as bad
from aiohttp import web
from aiohttp.web_protocol import RequestHandler, _ErrInfo

from .errors import error_response

TOO_MANY_HEADERS = "Too many headers received"
"""aiohttp's words for more header fields than its `max_headers`; no class of its own."""


def refusal(status: int, exc: BaseException | None, message: str | None) -> tuple[int, str, str]:
    """Status, code and message for what aiohttp refused: by the kind of its parser's error
    (most are a plain `BadHttpMessage`: its first line says what was wrong)."""
    said = (message or "").split("\n", 1)[0].rstrip(": ") or HTTPStatus(status).phrase
    if isinstance(exc, bad.LineTooLong):
        return 431, "header_too_large", f"a header field is longer than {exc.args[1]} bytes"
    if isinstance(exc, bad.BadHttpMessage) and exc.message == TOO_MANY_HEADERS:
        return 431, "too_many_headers", "too many header fields"
    if isinstance(exc, bad.BadStatusLine | bad.InvalidURLError):
        return 400, "bad_request_line", said
    if isinstance(exc, bad.PayloadEncodingError):
        return 400, "bad_body_encoding", said
    if status == 500:
        return 500, "internal_error", "an unexpected error happened; it has been logged"
    if status == 504:
        return 504, "timeout", "the request took too long"
    return status, "bad_request" if status == 400 else "http_error", said


class JsonErrorHandler(RequestHandler):
    """aiohttp's handler of one connection, answering its refusals in JSON."""

    def data_received(self, data: bytes) -> None:
        """A body coding that breaks after its request's handler began (a bad chunk) is
        queued by aiohttp as a refusal of a next request, while the handler waits for a
        body that will never end: tell the handler instead (400 bad_body_encoding), and
        take no more requests on this connection, whose parser is lost."""
        reading = self._current_request
        queued = len(self._messages)
        super().data_received(data)
        if reading is None or len(self._messages) == queued or reading.content.is_eof():
            return
        refused, _ = self._messages[-1]
        if isinstance(refused, _ErrInfo):
            self._messages.pop()
            said = (refused.message or "").split("\n", 1)[0].rstrip(": ")
            reading.content.set_exception(web.RequestPayloadError(said or "bad body coding"))
            self.close()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs; raises if already answering
        answer = error_response(*refusal(status, exc, message))
        answer.force_close()
        return answer


def json_error_handlers(http: web.Server) -> Callable[[], JsonErrorHandler]:
    """A factory of handlers for the runner's server, with the settings the runner gave it
    (keep-alive timeout, access log, ...)."""
    settings = http._kwargs
    loop = asyncio.get_running_loop()
    return lambda: JsonErrorHandler(http, loop=loop, **settings)
