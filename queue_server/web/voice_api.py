"""The hall's announcements over HTTP: the voice's status and one WAV per phrase.

Who may fetch them: hall displays, supervisors and admins.  A phrase names a ticket
that exists today and a counter of the centre, so nothing can be synthesised that a
hall display would not say anyway, and the set of phrases stays bounded.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from ..engine.errors import UnknownCounter, UnknownTicket
from ..voice import VoiceUnavailable
from .auth import ISSUER_ROLES, VOICE_ROLES, allow
from .context import CENTRE
from .errors import ApiError, json_response

_CALL = re.compile(r"^([A-Z]{0,3}\d{1,6})-(\d{1,4})$")


@allow(VOICE_ROLES)
async def voice_status(request: web.Request) -> web.Response:
    status = await request.app[CENTRE].announcer.checked()
    return json_response(status.as_dict())


@allow(VOICE_ROLES)
async def announcement(request: web.Request) -> web.StreamResponse:
    """`GET /api/v1/announcements/vi/A023-5`: the WAV of "Mời số A023 đến quầy 5"."""
    centre = request.app[CENTRE]
    announcer = centre.announcer
    lang = request.match_info["lang"]
    match = _CALL.match(request.match_info["call"])
    if match is None:
        raise ApiError(404, "unknown_call", "name the call as NUMBER-COUNTER, e.g. A023-5")
    number, counter = match.group(1), int(match.group(2))
    try:
        centre.engine.ticket_by_number(number)
        centre.engine.counter(counter)
    except (UnknownTicket, UnknownCounter) as exc:
        raise ApiError(404, exc.code, str(exc)) from None
    if lang not in announcer.status.languages:
        raise ApiError(404, "unknown_language", f"no announcement is configured in {lang!r}")
    try:
        path = await announcer.wav(lang, number, counter)
    except VoiceUnavailable as exc:
        raise ApiError(503, "voice_unavailable", str(exc)) from None
    return _wav(path)


def _wav(path: Path) -> web.FileResponse:
    return web.FileResponse(
        path,
        headers={"Content-Type": "audio/wav", "Cache-Control": "private, max-age=3600"},
    )


@allow(ISSUER_ROLES)
async def ticket_voice(request: web.Request) -> web.StreamResponse:
    """`GET /api/v1/tickets/<code>/voice`: the kiosk says the number it just printed, in
    the language the citizen chose ("Số thứ tự của quý khách là A không hai ba...")."""
    centre = request.app[CENTRE]
    ticket = centre.engine.ticket_by_tracking_code(request.match_info["code"])
    if ticket is None:
        raise ApiError(404, "unknown_ticket", "no ticket with this tracking code today")
    try:
        path = await centre.announcer.ticket_wav(ticket.lang, ticket.number)
    except VoiceUnavailable as exc:
        raise ApiError(503, "voice_unavailable", str(exc)) from None
    return _wav(path)
