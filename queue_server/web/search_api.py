"""`GET /api/v1/services/search?q=...&lang=vi`: the procedure finder over HTTP, for the
kiosk, the volunteers' tablets and the robot alike.

Public, like the list of services, and rate-limited per client like the status lookups.
A phrase that cannot be a citizen's question (empty, too long, control characters) is a
422 naming what is wrong; a phrase that finds nothing is an empty list.  An assistant
also gets the best answer as a sentence to speak (`say`, web/spoken.py).
"""

from __future__ import annotations

import unicodedata

import msgspec
from aiohttp import web

from ..views import service_search
from . import spoken
from .api import centre_of, retry_later
from .auth import PUBLIC, allow
from .client import client_address
from .errors import ApiError, json_response
from .keys import LIMITS

MAX_QUERY_CHARS = 200
"""A citizen's question fits in a line; the finder reads its first 16 words anyway."""


@allow(PUBLIC)
async def search_services(request: web.Request) -> web.Response:
    wait = request.app[LIMITS].search.check(client_address(request))
    if wait is not None:
        raise retry_later(wait, "searches")
    centre = centre_of(request)
    query = checked_query(request.query.get("q", ""))
    languages = centre.config.centre.languages
    lang = request.query.get("lang") or languages[0]
    if lang not in languages:
        raise ApiError(
            422, "unknown_language", f"lang: one of the centre's languages ({', '.join(languages)})"
        )
    found = centre.finder.search(query)
    answer = service_search(found, centre.config.services, query, lang, languages[0])
    if spoken.for_assistant(request):
        answer = msgspec.structs.replace(answer, say=spoken.found(centre, answer))
    return json_response(answer)


def checked_query(query: str) -> str:
    """The phrase, or a 422 saying why it cannot be a citizen's question."""
    if not query.strip():
        raise ApiError(422, "invalid_query", "q: say what you came for (a few words)")
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(422, "invalid_query", f"q: at most {MAX_QUERY_CHARS} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in query):
        raise ApiError(422, "invalid_query", "q: control or unassigned characters")
    if "\ufffd" in query:  # what aiohttp reads bytes that are not UTF-8 as
        raise ApiError(422, "invalid_query", "q: not UTF-8 text")
    return query.strip()
