"""Endpoints about the server itself: health, metrics, the API's description."""

from __future__ import annotations

from aiohttp import web

from .auth import MANAGERS, PUBLIC, allow
from .context import CENTRE
from .errors import json_response
from .keys import METRICS
from .metrics import CONTENT_TYPE

OPENAPI_DOC = web.AppKey("openapi", dict)


@allow(PUBLIC)
async def health(request: web.Request) -> web.Response:
    """Liveness and the log's position; 503 once the log cannot be written."""
    centre = request.app[CENTRE]
    failure = centre.dispatcher.failure
    body: dict[str, object] = {
        "status": "failed" if failure else "ok",
        "centre": centre.config.centre.id,
        "seq": centre.log.last_seq,
        "durability": centre.log.durability,
        "replayed_events": centre.replayed_events,
    }
    if failure:
        body["error"] = str(failure)
    return json_response(body, status=503 if failure else 200)


@allow(MANAGERS)
async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), headers={"Content-Type": CONTENT_TYPE})


@allow(PUBLIC)
async def openapi(request: web.Request) -> web.Response:
    return json_response(request.app[OPENAPI_DOC])
