"""The `say` of an assistant's answers: the robot's routes are the kiosk's routes.

An assistant (the hall's robot, `queue-server token create --role assistant`) searches
services, issues tickets, reads the waits and a ticket's status through the same routes
as the kiosk and the status page, and when the caller is an assistant each answer it
would speak carries `say` (voice/sayings.py), in the language asked (`lang`).  Why not
a parallel API for robots: the numbers a robot speaks are then, by construction, the
numbers the kiosk prints and the hall shows; one route table keeps who may do what in
one place (and in the access matrix); and other callers pay nothing, since `say` is
left out of their answers entirely rather than sent empty.
"""

from __future__ import annotations

from aiohttp import web

from ..accounts import Role
from ..config import Service as ServiceConfig
from ..engine import Engine
from ..views import IssuedTicket, PublicTicket, ServiceSearch
from ..voice import sayings
from .auth import principal_of
from .context import CentreContext
from .errors import ApiError


def for_assistant(request: web.Request) -> bool:
    return principal_of(request).role is Role.ASSISTANT


def spoken_language(centre: CentreContext, asked: str | None, default: str) -> str:
    """The language to speak: `?lang=` if given (one of the centre's, else 422)."""
    languages = centre.config.centre.languages
    if asked is None or asked == "":
        return default
    if asked not in languages:
        raise ApiError(
            422, "unknown_language", f"lang: one of the centre's languages ({', '.join(languages)})"
        )
    return asked


def _voice(centre: CentreContext) -> sayings.Voice:
    return sayings.Voice(centre.config.voice.numbers)


def _line(engine: Engine, service: ServiceConfig, lang: str, default: str) -> sayings.Line:
    ahead, wait = engine.service_estimate(service.code)
    return sayings.Line(
        name=service.name.get(lang) or service.name.get(default, service.code),
        waiting=ahead,
        wait_s=wait,
        open_counters=engine.open_counters(service.code),
    )


def issued(centre: CentreContext, ticket: IssuedTicket) -> str:
    return sayings.issued(
        _voice(centre),
        ticket.lang,
        ticket.number,
        ticket.position or 0,
        counter_open=centre.engine.open_counters(ticket.service) > 0,
        printed=ticket.print.status,
    )


def status(centre: CentreContext, ticket: PublicTicket, lang: str) -> str:
    return sayings.status(
        _voice(centre),
        lang,
        ticket.number,
        str(ticket.status),
        ticket.position,
        ticket.estimated_wait_s,
        ticket.counter,
    )


def found(centre: CentreContext, search: ServiceSearch) -> str:
    """The best result read out: its service, its line and the papers to bring."""
    if not search.results:
        return sayings.found(search.lang, None, None, [])
    best = search.results[0]
    config = centre.config
    line = _line(
        centre.engine, config.service(best.service), search.lang, config.centre.default_language
    )
    procedure = best.procedure
    return sayings.found(
        search.lang,
        line,
        procedure.name if procedure else None,
        procedure.papers if procedure else [],
    )


def waits(centre: CentreContext, lang: str) -> str:
    config = centre.config
    default = config.centre.default_language
    return sayings.lines(lang, [_line(centre.engine, s, lang, default) for s in config.services])
