"""`/api/v1/city/ws`: a logged-in browser's live rows.  It gets every row at once, then
the rows of the centres that changed, as the feed hears of them (live.py)."""

from __future__ import annotations

import msgspec
from aiohttp import web

from .http import EVERYONE, SESSION_COOKIE, ApiError, allow
from .live import Feed

FEED = web.AppKey("feed", Feed)
HEARTBEAT_S = 20.0


@allow(EVERYONE)
async def live_rows(request: web.Request) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if origin is not None and origin.split("://", 1)[-1] != request.host:
        raise ApiError(403, "foreign_origin", "this page may not open the city's feed")
    feed = request.app[FEED]
    socket = web.WebSocketResponse(heartbeat=HEARTBEAT_S)
    await socket.prepare(request)
    # First: a change heard while the rows are read is sent.  The session is kept to
    # close the feed when it ends (the middleware found it by this cookie).
    feed.sockets[socket] = request.cookies[SESSION_COOKIE]
    try:
        rows = await feed.rows()
        await socket.send_str(msgspec.json.encode({"type": "rows", "rows": rows}).decode())
        async for _ in socket:  # browsers say nothing; this waits for the close
            pass
    finally:
        feed.sockets.pop(socket, None)
    return socket
