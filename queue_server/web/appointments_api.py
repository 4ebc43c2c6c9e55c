"""Queue numbers booked ahead, under /api/v1/appointments: slots, booking, the booking by
its code (read, cancel, calendar file) and the check-in that turns it into a ticket.

Anyone may book (rate-limited per address) and a partner's token may book for
citizens (rate-limited per token); nobody reads a booking without its code.  The phone
number is checked and normalised here, digested under the booked day's key and masked:
the engine and the log never see the number.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime

import msgspec
from aiohttp import web

from ..accounts import Role
from ..accounts.phones import masked_phone, normalise_phone, person_digest
from ..engine import Actor
from ..engine import commands as c
from ..engine.state import Appointment
from ..views import appointment_slots, appointment_view, booked_day, shown_code, ticket_issued
from .api import actor_of, centre_of, retry_later, status_url
from .auth import ISSUER_ROLES, MANAGERS, PUBLIC, STAFF_ROLES, allow, principal_of
from .errors import ApiError, json_response, read_json
from .fields import CitizenName, Language, PhoneNumber, ServiceCode, SlotStart
from .ics import booking_calendar
from .keys import LIMITS

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""32 symbols without 0/O and 1/I: read aloud, typed on a kiosk, scanned from a QR."""
CODE_LENGTH = 8
_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
CHECK_IN_ROLES = frozenset({*ISSUER_ROLES, *STAFF_ROLES})


class BookingBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    service: ServiceCode
    start: SlotStart
    """The slot's start as the slots list gives it (local time with its offset)."""
    phone: PhoneNumber
    """A Vietnamese mobile number: 0 or +84, then 9 digits."""
    name: CitizenName | None = None
    """Accepted for partners' apps; not kept (personal data kept to the minimum)."""
    lang: Language | None = None


def new_code() -> str:
    """40 bits from the OS's generator: unguessable at any rate the limits allow."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_or_none(text: str) -> str | None:
    """`abcd-2345` or `ABCD2345` -> `ABCD2345`; None for anything that is not a code."""
    code = text.replace("-", "").replace(" ", "").upper()
    return code if _CODE.match(code) else None


def parse_code(text: str) -> str:
    """`abcd-2345` or `ABCD2345` -> `ABCD2345`; 422 for anything that is not a code."""
    code = code_or_none(text)
    if code is None:
        raise ApiError(
            422,
            "invalid_code",
            f"a booking code is {CODE_LENGTH} letters and digits (XXXX-XXXX, no 0, O, 1 or I)",
        )
    return code


@allow(PUBLIC)
async def list_slots(request: web.Request) -> web.Response:
    centre = centre_of(request)
    service = request.query.get("service", "")
    try:
        day = date.fromisoformat(request.query.get("date", ""))
    except ValueError:
        raise ApiError(422, "invalid_date", "date: give a day as YYYY-MM-DD") from None
    await centre.dispatcher.settled()
    now = centre.dispatcher.now()
    return json_response(appointment_slots(centre.engine, service, day, now))


@allow(MANAGERS)
async def day_overview(request: web.Request) -> web.Response:
    """A day's slots per service (today unless ?date=): what became of the bookings,
    and what the counters keep for walk-ins.  Counts only: no phone, no code."""
    centre = centre_of(request)
    await centre.dispatcher.settled()
    now = centre.dispatcher.now()
    asked = request.query.get("date")
    if asked is None:
        day = datetime.fromtimestamp(now, centre.engine.setup.zone).date()
    else:
        try:
            day = date.fromisoformat(asked)
        except ValueError:
            raise ApiError(422, "invalid_date", "date: give a day as YYYY-MM-DD") from None
    return json_response(booked_day(centre.engine, day, now))


@allow(PUBLIC)
async def book(request: web.Request) -> web.Response:
    centre = centre_of(request)
    principal = principal_of(request)
    limits = request.app[LIMITS]
    if principal.role is Role.PARTNER:
        wait = limits.partner.check(principal.name)
    else:
        wait = limits.booking.check(request.remote or "unknown")
    if wait is not None:
        raise retry_later(wait, "bookings")
    body = await read_json(request, BookingBody)
    phone = normalise_phone(body.phone)
    if phone is None:
        raise ApiError(
            422, "invalid_phone", "phone: a Vietnamese mobile number, 0 or +84 then 9 digits"
        )
    zone = centre.engine.setup.zone
    try:
        start = datetime.fromisoformat(body.start)
    except ValueError:
        raise ApiError(422, "invalid_slot", "start: a time as the slots list gives it") from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    day = start.astimezone(zone).date().isoformat()
    command = c.BookAppointment(
        service=body.service,
        start=start.timestamp(),
        person=person_digest(centre.day_keys.key(day), phone),
        masked_phone=masked_phone(phone),
        code=new_code(),
        lang=body.lang or centre.config.centre.default_language,
    )
    actor = actor_of(principal) if principal.role is Role.PARTNER else actor_of_citizen()
    await centre.dispatcher.execute(command, actor)
    appointment = centre.engine.appointment(command.code)
    location = f"/api/v1/appointments/{shown_code(command.code)}"
    return json_response(_view(request, appointment), 201, {"Location": location})


def actor_of_citizen() -> Actor:
    return Actor("citizen")


@allow(PUBLIC)
async def get_appointment(request: web.Request) -> web.Response:
    appointment = await _held(request)
    return json_response(_view(request, appointment))


@allow(PUBLIC)
async def cancel_appointment(request: web.Request) -> web.Response:
    """Whoever holds the code may cancel: it is the booking's only key."""
    appointment = await _held(request)
    centre = centre_of(request)
    await centre.dispatcher.execute(c.CancelAppointment(code=appointment.code), actor_of_citizen())
    return json_response(_view(request, appointment))


@allow(PUBLIC)
async def appointment_calendar(request: web.Request) -> web.Response:
    appointment = await _held(request)
    centre = centre_of(request)
    config = centre.config
    lang = appointment.lang
    service = config.service(appointment.service)
    centre_name = config.centre.name.get(lang) or next(iter(config.centre.name.values()))
    service_name = service.name.get(lang) or next(iter(service.name.values()))
    body = booking_calendar(
        uid=f"{appointment.code}@{config.centre.id}",
        start=appointment.start,
        end=appointment.end,
        stamp=appointment.booked_at,
        summary=f"{service_name}: {shown_code(appointment.code)}",
        description=f"{shown_code(appointment.code)} {_status_url(request, appointment.code)}",
        where=centre_name,
    )
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{appointment.code}.ics"'},
    )


@allow(CHECK_IN_ROLES)
async def check_in(request: web.Request) -> web.Response:
    """The booked citizen is here: a ticket, answered as POST /api/v1/tickets answers,
    and printed like any kiosk ticket when a kiosk checks in."""
    centre = centre_of(request)
    principal = principal_of(request)
    code = parse_code(request.match_info["code"])
    if principal.role is Role.KIOSK:
        wait = request.app[LIMITS].kiosk.check(principal.name)
        if wait is not None:
            raise retry_later(wait, "tickets from this kiosk")
    issued = await centre.issuer.check_in(
        code=code,
        actor=actor_of(principal),
        print_at=principal.name if principal.role is Role.KIOSK else None,
        status_url=lambda tracking: status_url(request, tracking),
    )
    ticket = issued.ticket
    view = ticket_issued(
        centre.engine, ticket, status_url(request, ticket.tracking_code), issued.printed
    )
    return json_response(view, 201, {"Location": f"/api/v1/tickets/{ticket.tracking_code}"})


async def _held(request: web.Request) -> Appointment:
    """The booking named by the code in the path; asked at a bounded rate per address,
    so codes cannot be found by trying."""
    wait = request.app[LIMITS].status.check(request.remote or "unknown")
    if wait is not None:
        raise retry_later(wait, "booking look-ups")
    code = parse_code(request.match_info["code"])
    centre = centre_of(request)
    await centre.dispatcher.settled()
    return centre.engine.appointment(code)


def _base(request: web.Request) -> str:
    base = centre_of(request).config.server.public_url.rstrip("/")
    return base or f"{request.scheme}://{request.host}"


def booking_page_url(request: web.Request, code: str) -> str:
    """The booking's page, as its QR code and calendar event name it."""
    return _status_url(request, code)


def _status_url(request: web.Request, code: str) -> str:
    return f"{_base(request)}/a/{shown_code(code)}"


def _view(request: web.Request, appointment: Appointment) -> object:
    ics = f"{_base(request)}/api/v1/appointments/{shown_code(appointment.code)}/calendar.ics"
    return appointment_view(
        centre_of(request).engine, appointment, _status_url(request, appointment.code), ics
    )
