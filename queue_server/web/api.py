"""The JSON API under /api/v1: tickets, counters, services, state, login."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

import msgspec
from aiohttp import web

from ..accounts import Principal, Role
from ..accounts.passwords import verify_password
from ..accounts.principal import PERSON_ROLES
from ..config import CentreConfig
from ..engine import Actor
from ..engine import commands as c
from ..engine.errors import NobodyWaiting, UnknownTicket
from ..engine.events import Rating
from ..engine.state import Ticket, TicketStatus
from ..views import (
    CounterAction,
    CounterRated,
    Counters,
    PeopleAtCounter,
    PeopleAtCounters,
    TicketResult,
    counter_view,
    service_view,
    state_snapshot,
    ticket_issued,
    ticket_public,
    ticket_summary,
    ticket_tracked,
)
from . import spoken
from .auth import (
    ACCOUNTS,
    COUNTER_ROLES,
    FRONT_ISSUERS,
    MANAGERS,
    PUBLIC,
    SESSION_COOKIE,
    STAFF_ROLES,
    TABLET_ROLES,
    TICKET_ROLES,
    VIEWER_ROLES,
    allow,
    principal_of,
)
from .client import client_address
from .context import CENTRE, CentreContext
from .errors import ApiError, json_response, read_json
from .fields import (
    CallReason,
    CounterId,
    Language,
    Password,
    PrinterName,
    PriorityCode,
    ProcedureCode,
    RatingReason,
    ServiceCode,
    TicketId,
    TicketNumber,
    Username,
)
from .keys import LIMITS, METRICS

log = logging.getLogger(__name__)


class _Body(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class IssueBody(_Body, frozen=True):
    service: ServiceCode
    priority: PriorityCode | None = None
    lang: Language | None = None
    printer: PrinterName | None = None
    """A volunteer's tablet: the hall's printer to print on (`GET /api/v1/devices/printers`);
    left out, the tablet shows the ticket.  Kiosks and assistants print on their own."""
    procedure: ProcedureCode | None = None


class PriorityBody(_Body, frozen=True):
    priority: PriorityCode | None
    """A priority class's code, or null to take the class away."""


class TransferBody(_Body, frozen=True):
    service: ServiceCode | None = None
    counter: CounterId | None = None
    insist: bool = False
    """Send it even where no counter is open now (supervisors and admins only)."""


class NextBody(_Body, frozen=True):
    current: TicketId | msgspec.UnsetType | None = msgspec.UNSET
    """The id of the ticket the console showed at the counter when NEXT was pressed (null:
    none): NEXT is refused (409 current_changed) if another call came first.  Left out:
    no check (keypads and scripts that only mean "the next one, whoever it is")."""


class RatingBody(_Body, frozen=True):
    rating: Rating
    reason: RatingReason | None = None
    """When dissatisfied: one of `rating_reasons` in `GET /api/v1/centre`."""


class CounterRatingBody(_Body, frozen=True):
    ticket: TicketId
    """The id of the ticket the tablet showed as served last (`last_served` of the counter)."""
    rating: Rating
    reason: RatingReason | None = None


class CallBody(_Body, frozen=True):
    ticket: TicketNumber | TicketId
    """A ticket's number as printed (`A023`, `9012`), or its id."""
    reason: CallReason | None = None
    """Why it is called out of order (the console asks): kept in the event's `note`."""


class LoginBody(_Body, frozen=True):
    username: Username
    password: Password
    counter: CounterId | None = None


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.actor_kind, principal.name)  # type: ignore[arg-type]


def centre_of(request: web.Request) -> CentreContext:
    return request.app[CENTRE]


def retry_later(seconds: float, what: str) -> ApiError:
    """429 with the wait rounded up to whole seconds, at least 1: told "0 s", a kiosk
    retries at once and is refused again."""
    wait = max(1, math.ceil(seconds))
    return ApiError(
        429,
        "too_many_requests",
        f"too many {what}; try again in {wait} s",
        {"Retry-After": str(wait)},
    )


# ---------------------------------------------------------------------- services and tickets


@allow(PUBLIC)
async def list_services(request: web.Request) -> web.Response:
    """Every line and its wait; for an assistant, also read out (`say`, in `?lang=`)."""
    centre = centre_of(request)
    config, engine = centre.config, centre.engine
    answer: dict[str, Any] = {
        "centre": {"id": config.centre.id, "name": config.centre.name},
        "languages": config.centre.languages,
        "priority_classes": [{"code": p.code, "name": p.name} for p in config.priority_classes],
        "services": [service_view(engine, s) for s in config.services],
    }
    if spoken.for_assistant(request):
        lang = spoken.spoken_language(
            centre, request.query.get("lang"), config.centre.default_language
        )
        answer["say"] = spoken.waits(centre, lang)
    return json_response(answer)


@allow(TICKET_ROLES)
async def issue_ticket(request: web.Request) -> web.Response:
    """A ticket for the citizen in front of the caller: a kiosk, a volunteer's tablet, a
    robot (assistant), or a manager.  Whoever it is, the event names them (`actor`)."""
    centre = centre_of(request)
    principal = principal_of(request)
    body = await read_json(request, IssueBody)
    if principal.role in FRONT_ISSUERS:
        _check_front_issuer(request, principal, body)
    machine = principal.role in (Role.KIOSK, Role.ASSISTANT)
    issued = await centre.issuer.issue(
        service=body.service,
        priority=body.priority,
        procedure=_chosen_procedure(centre.config, body.service, body.procedure),
        lang=body.lang or centre.config.centre.default_language,
        actor=actor_of(principal),
        print_at=principal.name if machine else None,
        status_url=lambda code: status_url(request, code),
        printer=body.printer,
    )
    ticket = issued.ticket
    url = status_url(request, ticket.tracking_code)
    view = ticket_issued(centre.engine, ticket, url, issued.printed)
    if principal.role is Role.ASSISTANT:
        view = msgspec.structs.replace(view, say=spoken.issued(centre, view))
    location = f"/api/v1/tickets/{ticket.tracking_code}"
    return json_response(view, 201, {"Location": location})


def _check_front_issuer(request: web.Request, principal: Principal, body: IssueBody) -> None:
    """A kiosk, a volunteer or a robot: rate-limited alike (one bucket each), refused a
    service nobody serves where the centre says so, and refused while its printers are
    down if it may not show tickets instead.  Only a volunteer names a printer."""
    centre = centre_of(request)
    wait = request.app[LIMITS].kiosk.check(f"{principal.role.value}:{principal.name}")
    if wait is not None:
        raise retry_later(wait, f"tickets from this {principal.role.value}")
    if body.printer is not None:
        if principal.role is not Role.VOLUNTEER:
            raise ApiError(
                422, "printer_not_chosen_here", "printer: a kiosk prints on its own printers"
            )
        printers = centre.printers
        if printers is None or not printers.has_printer(body.printer):
            raise ApiError(422, "unknown_printer", f"printer: no printer {body.printer!r} here")
    if (
        centre.config.queue.without_open_counter == "refuse"
        and centre.engine.open_counters(body.service) == 0
        and body.service in centre.engine.setup.service_codes
    ):
        raise ApiError(
            409,
            "no_open_counter",
            f"no counter is open for {body.service} now: please ask at the reception desk",
        )
    if principal.role is not Role.VOLUNTEER and centre.issuer.refuses_tickets(principal.name):
        raise ApiError(
            503,
            "kiosk_out_of_order",
            "this kiosk's printers are all down: please ask at the reception desk",
        )


def _chosen_procedure(config: CentreConfig, service: str, procedure: str | None) -> str | None:
    """A procedure of the service, or 422: the engine knows no procedures, the config does."""
    if procedure is None:
        return None
    offered = next((s for s in config.services if s.code == service), None)
    if offered is not None and not any(p.code == procedure for p in offered.procedures):
        raise ApiError(
            422, "unknown_procedure", f"service {service!r} has no procedure {procedure!r}"
        )
    return procedure  # an unknown service is the engine's to refuse (404)


def status_url(request: web.Request, tracking_code: str) -> str:
    """The citizen's status page for a ticket, as phones reach it (the ticket's QR code)."""
    base = centre_of(request).config.server.public_url.rstrip("/")
    return f"{base or f'{request.scheme}://{request.host}'}/s/{tracking_code}"


@allow(PUBLIC)
async def ticket_status(request: web.Request) -> web.Response:
    """A ticket by its tracking code; for an assistant, also read out (`say`, in `?lang=`,
    by default the ticket's own language)."""
    centre = centre_of(request)
    ticket = await _tracked_ticket(request)
    service = next((s for s in centre.config.services if s.code == ticket.service), None)
    view = ticket_tracked(centre.engine, service, ticket)
    if spoken.for_assistant(request):
        lang = spoken.spoken_language(centre, request.query.get("lang"), ticket.lang)
        view = msgspec.structs.replace(view, say=spoken.status(centre, view, lang))
    return json_response(view)


@allow(PUBLIC)
async def rate_ticket(request: web.Request) -> web.Response:
    """The citizen rates a finished service: holding the ticket's code is the right to."""
    body = await read_json(request, RatingBody)
    centre = centre_of(request)
    ticket = await _tracked_ticket(request)
    command = c.RateService(ticket=ticket.id, rating=body.rating, reason=body.reason)
    await centre.dispatcher.execute(command, Actor("citizen"))
    return json_response(ticket_public(centre.engine, ticket))


@allow(TABLET_ROLES)
async def rate_at_counter(request: web.Request) -> web.Response:
    """The counter's rating tablet: the citizen just served taps a face before leaving."""
    principal = principal_of(request)
    counter = _counter_id(request)
    if principal.counter != counter:
        raise ApiError(
            403,
            "not_your_counter",
            f"{principal.name} is not the rating tablet of counter {counter}",
        )
    body = await read_json(request, CounterRatingBody)
    centre = centre_of(request)
    command = c.RateService(
        ticket=body.ticket, rating=body.rating, counter=counter, reason=body.reason
    )
    await centre.dispatcher.execute(command, actor_of(principal))
    return json_response(CounterRated(counter_view(centre.engine, centre.engine.counter(counter))))


def check_lookup_rate(request: web.Request) -> None:
    """Anything that tells whether a tracking code exists (a status, a QR code, a
    citizen's live feed) is asked at a bounded rate per client, so codes cannot be found
    by trying: 429 past it."""
    wait = request.app[LIMITS].status.check(client_address(request))
    if wait is not None:
        raise retry_later(wait, "status requests")


@allow(PUBLIC)
async def withdraw_ticket(request: web.Request) -> web.Response:
    """The citizen gives up their ticket while it waits (holding its code is the right
    to), so nobody is called for it and the waits behind it shorten.  Once called, the
    ticket is the counter's to end."""
    centre = centre_of(request)
    ticket = await _tracked_ticket(request)
    if ticket.status is not TicketStatus.WAITING:
        raise ApiError(
            409, "not_waiting", f"ticket {ticket.number} is {ticket.status}, not waiting"
        )
    await centre.dispatcher.execute(c.Cancel(ticket=ticket.id), Actor("citizen"))
    return json_response(ticket_public(centre.engine, ticket))


async def _tracked_ticket(request: web.Request) -> Ticket:
    """Today's ticket named by the tracking code in the path; asked at a bounded rate per
    address, so codes cannot be guessed by trying."""
    check_lookup_rate(request)
    centre = centre_of(request)
    await centre.dispatcher.settled()
    code, now = request.match_info["code"], centre.dispatcher.now()
    ticket = centre.engine.recent_ticket(code, now)
    if ticket is None:
        raise ApiError(404, "unknown_ticket", "no ticket with this tracking code today")
    return ticket


@allow(MANAGERS)
async def cancel_ticket(request: web.Request) -> web.Response:
    return await _ticket_command(request, c.Cancel)


@allow(STAFF_ROLES)
async def reactivate_ticket(request: web.Request) -> web.Response:
    return await _ticket_command(request, c.Reactivate)


@allow(STAFF_ROLES)
async def set_ticket_priority(request: web.Request) -> web.Response:
    """The reception desk, having seen the citizen's papers, gives the waiting ticket its
    priority class (one the kiosk does not offer by a tap: `at_desk`)."""
    body = await read_json(request, PriorityBody)
    centre = centre_of(request)
    ticket_id = int(request.match_info["ticket"])
    command = c.SetPriority(ticket=ticket_id, priority=body.priority)
    await centre.dispatcher.execute(command, actor_of(principal_of(request)))
    return json_response(
        TicketResult(ticket_summary(centre.engine, centre.engine.ticket(ticket_id)))
    )


async def _ticket_command(
    request: web.Request, command: type[c.Cancel] | type[c.Reactivate]
) -> web.Response:
    centre = centre_of(request)
    ticket_id = int(request.match_info["ticket"])
    await centre.dispatcher.execute(command(ticket=ticket_id), actor_of(principal_of(request)))
    return json_response(
        TicketResult(ticket_summary(centre.engine, centre.engine.ticket(ticket_id)))
    )


# ---------------------------------------------------------------------- counters


@allow(VIEWER_ROLES)
async def list_counters(request: web.Request) -> web.Response:
    centre = centre_of(request)
    await centre.dispatcher.settled()
    engine = centre.engine
    return json_response(
        Counters([counter_view(engine, k) for k in engine.state.counters.values()])
    )


@allow(MANAGERS)
async def people_at_counters(request: web.Request) -> web.Response:
    """Who is logged in at each counter, from the sessions (not the event log: logging in
    changes nothing in the queue)."""
    centre = centre_of(request)
    accounts = request.app[ACCOUNTS]
    return json_response(
        PeopleAtCounters(
            [PeopleAtCounter(c.id, accounts.people_at(c.id)) for c in centre.config.counters]
        )
    )


async def _counter_command(request: web.Request, command: c.Command) -> CounterAction:
    """Run a counter command; answers with the counter and its current ticket."""
    centre = centre_of(request)
    await centre.dispatcher.execute(command, actor_of(principal_of(request)))
    counter = centre.engine.counter(int(request.match_info["counter"]))
    view = counter_view(centre.engine, counter)
    return CounterAction(counter=view, ticket=view.current)


def _counter_id(request: web.Request) -> int:
    return int(request.match_info["counter"])


@allow(COUNTER_ROLES, counter_scoped=True)
async def counter_next(request: web.Request) -> web.Response:
    started = time.perf_counter()
    seen = (await read_json(request, NextBody)).current if request.body_exists else msgspec.UNSET
    try:
        command = c.CallNext(counter=_counter_id(request), seen=seen)
        body = await _counter_command(request, command)
    except NobodyWaiting:
        return web.Response(status=204)
    request.app[METRICS].call_latency.observe(time.perf_counter() - started)
    return json_response(body)


@allow(COUNTER_ROLES, counter_scoped=True)
async def counter_call(request: web.Request) -> web.Response:
    body = await read_json(request, CallBody)
    centre = centre_of(request)
    if isinstance(body.ticket, int):
        ticket_id = body.ticket
    else:
        try:
            ticket_id = centre.engine.ticket_by_number(body.ticket).id
        except UnknownTicket:
            if not (body.ticket.isascii() and body.ticket.isdigit() and len(body.ticket) <= 9):
                raise
            ticket_id = int(body.ticket)  # an id written as a string
    reason = body.reason.strip() if body.reason else None
    command = c.CallTicket(counter=_counter_id(request), ticket=ticket_id, reason=reason or None)
    return json_response(await _counter_command(request, command))


@allow(COUNTER_ROLES, counter_scoped=True)
async def counter_transfer(request: web.Request) -> web.Response:
    body = await read_json(request, TransferBody)
    if body.insist and principal_of(request).role not in MANAGERS:
        raise ApiError(
            403, "forbidden", "only a supervisor may send a ticket where no counter is open"
        )
    command = c.Transfer(
        counter=_counter_id(request),
        to_service=body.service,
        to_counter=body.counter,
        insist=body.insist,
    )
    return json_response(await _counter_command(request, command))


def _simple(command: type[Any]) -> Any:
    @allow(COUNTER_ROLES, counter_scoped=True)
    async def handler(request: web.Request) -> web.Response:
        return json_response(await _counter_command(request, command(counter=_counter_id(request))))

    handler.__name__ = f"counter_{command.__name__.lower()}"
    return handler


counter_recall = _simple(c.Recall)
counter_start = _simple(c.StartService)
counter_done = _simple(c.Finish)
counter_no_show = _simple(c.MarkNoShow)
counter_pause = _simple(c.PauseCounter)
counter_resume = _simple(c.ResumeCounter)
counter_open = _simple(c.OpenCounter)
counter_close = _simple(c.CloseCounter)


# ---------------------------------------------------------------------- state and day


@allow(STAFF_ROLES)
async def get_state(request: web.Request) -> web.Response:
    centre = centre_of(request)
    await centre.dispatcher.settled()
    return json_response(state_snapshot(centre.engine, centre.config.services, centre.log.last_seq))


@allow(MANAGERS)
async def close_day(request: web.Request) -> web.Response:
    centre = centre_of(request)
    events = await centre.dispatcher.execute(c.CloseDay(), actor_of(principal_of(request)))
    expired = sum(1 for e in events if type(e).__name__ == "TicketExpired")
    return json_response({"closed": centre.engine.state.day, "expired": expired})


# ---------------------------------------------------------------------- sessions


@allow(PUBLIC)
async def login(request: web.Request) -> web.Response:
    wait = request.app[LIMITS].login.check(client_address(request))
    if wait is not None:
        raise retry_later(wait, "login attempts")
    body = await read_json(request, LoginBody)
    guard = request.app[LIMITS].accounts
    wait = guard.wait(body.username)
    if wait is not None:
        raise retry_later(wait, "wrong passwords for this account")
    centre = centre_of(request)
    accounts = request.app[ACCOUNTS]
    user = accounts.user(body.username)
    stored = None if user is None or user.disabled else user.password_hash
    if not await asyncio.to_thread(verify_password, stored, body.password) or user is None:
        guard.failed(body.username)
        raise ApiError(401, "bad_credentials", "wrong username or password")
    guard.succeeded(body.username)
    if body.counter is not None:
        centre.engine.counter(body.counter)  # 404 for a counter that does not exist
        if not user.may_work_at(body.counter):
            where = ", ".join(map(str, user.counters))
            raise ApiError(
                403,
                "not_your_counter",
                f"{user.username} works at counter {where}, not {body.counter}",
            )
    elif user.role is Role.STAFF:
        raise ApiError(422, "counter_required", "staff choose the counter they work at")
    # Warned, not refused: the one still logged in there may have left without logging out.
    also_here = [] if body.counter is None else accounts.people_at(body.counter, user.username)
    session_id, csrf = accounts.create_session(user, body.counter)
    if body.counter is not None:  # the counter is theirs now: its figures count for them
        person = Principal(user.role, user.username, counter=body.counter)
        await centre.dispatcher.execute(
            c.SignIn(counter=body.counter, staff=user.username), actor_of(person)
        )
    response = json_response(
        {
            "user": user.username,
            "name": user.display_name,
            "role": user.role.value,
            "counter": body.counter,
            "csrf_token": csrf,
            "also_here": also_here,
        }
    )
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="Strict",
        secure=centre.config.security.secure_cookies,
        path="/",
    )
    return response


@allow(PERSON_ROLES)
async def logout(request: web.Request) -> web.Response:
    principal = principal_of(request)
    if principal.session is None:
        raise ApiError(
            400, "no_session", "log out ends a browser session; tokens are revoked instead"
        )
    request.app[ACCOUNTS].end_session(principal.session)
    if principal.counter is not None:  # leaves the counter, unless another took it since
        await centre_of(request).dispatcher.execute(
            c.SignOut(counter=principal.counter, staff=principal.name), actor_of(principal)
        )
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@allow(PERSON_ROLES)
async def session_info(request: web.Request) -> web.Response:
    principal = principal_of(request)
    return json_response(
        {
            "user": principal.name,
            "role": principal.role.value,
            "counter": principal.counter,
            "csrf_token": principal.csrf,
        }
    )
