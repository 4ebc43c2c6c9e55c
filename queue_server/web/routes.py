"""Every route the centre serves, in one table.  The router and the OpenAPI document are
both built from it, so the document cannot describe a route that is not served."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import (
    admin_api,
    api,
    appointments_api,
    devices_api,
    hub_socket,
    pages,
    printers_api,
    reports_api,
    search_api,
    system,
    voice_api,
)
from .auth import RouteHandler


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    """OpenAPI form: /api/v1/counters/{counter}/next.  Integer parameters are listed in `ints`."""
    handler: RouteHandler
    summary: str
    tag: str
    body: type | None = None
    body_required: bool = True
    responses: dict[int, str | None] = field(default_factory=lambda: {200: None})
    """Status -> schema name in components (None: no body or free-form)."""
    ints: tuple[str, ...] = ()
    query: dict[str, dict[str, object]] = field(default_factory=dict)
    """Query parameters for the OpenAPI document: name -> schema (`required` inside)."""

    @property
    def aiohttp_path(self) -> str:
        path = self.path
        for name in self.ints:
            path = path.replace("{" + name + "}", "{" + name + r":\d{1,9}}")
        return path

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


_SAY_LANG: dict[str, object] = {
    "type": "string",
    "description": "assistants: the language of `say`, one of the centre's (default: its first)",
}
"""The language an assistant's answer is spoken in (web/spoken.py)."""

PAGES_TAG = "pages"
"""Routes with this tag serve the pages and their files; they are left out of the API document."""


def _page(path: str, handler: RouteHandler, summary: str, ints: tuple[str, ...] = ()) -> Route:
    return Route("GET", path, handler, summary, PAGES_TAG, ints=ints)


def _counter(action: str, handler: RouteHandler, summary: str, body: type | None = None) -> Route:
    return Route(
        "POST",
        f"/api/v1/counters/{{counter}}/{action}",
        handler,
        summary,
        "counters",
        body=body,
        responses={200: "CounterAction"},
        ints=("counter",),
    )


ROUTES: list[Route] = [
    Route(
        "GET",
        "/healthz",
        system.health,
        "Liveness and the event log's position",
        "system",
        responses={200: "Health", 503: "Health"},
    ),
    Route("GET", "/metrics", system.metrics, "Prometheus metrics", "system"),
    Route("GET", "/api/v1/openapi.json", system.openapi, "This document", "system"),
    Route(
        "GET",
        "/api/v1/services",
        api.list_services,
        "Services with waiting counts and estimated waits (an assistant also gets `say`)",
        "tickets",
        responses={200: "Services", 422: "Error"},
        query={"lang": _SAY_LANG},
    ),
    Route(
        "GET",
        "/api/v1/services/search",
        search_api.search_services,
        "The procedure finder: services ranked for a citizen's own words, with the procedure "
        "that matched, its papers to bring and the words that matched",
        "tickets",
        responses={200: "ServiceSearch", 422: "Error", 429: "Error"},
        query={
            "q": {
                "type": "string",
                "minLength": 1,
                "maxLength": search_api.MAX_QUERY_CHARS,
                "required": True,
                "description": "the citizen's words, with or without diacritics",
            },
            "lang": {
                "type": "string",
                "description": "the answer's language, one of the centre's (default: its first)",
            },
        },
    ),
    Route(
        "POST",
        "/api/v1/tickets",
        api.issue_ticket,
        "Issue a ticket (kiosk, volunteer's tablet, assistant); answered once committed",
        "tickets",
        body=api.IssueBody,
        responses={201: "IssuedTicket", 409: "Error", 422: "Error", 429: "Error", 503: "Error"},
    ),
    Route(
        "GET",
        "/api/v1/tickets/{code}",
        api.ticket_status,
        "A ticket's public status, by its tracking code, with the chosen procedure's papers"
        " (an assistant also gets `say`)",
        "tickets",
        responses={200: "TrackedTicket", 404: "Error", 422: "Error", 429: "Error"},
        query={
            "lang": {
                **_SAY_LANG,
                "description": "assistants: the language of `say` (default: the ticket's)",
            }
        },
    ),
    Route(
        "GET",
        "/api/v1/tickets/{code}/voice",
        voice_api.ticket_voice,
        "The kiosk's spoken ticket (WAV): its number, in the language chosen",
        "voice",
        responses={200: None, 404: "Error", 503: "Error"},
    ),
    Route(
        "POST",
        "/api/v1/tickets/{code}/rating",
        api.rate_ticket,
        "The citizen rates their finished service, once (by the ticket's tracking code)",
        "tickets",
        body=api.RatingBody,
        responses={200: "PublicTicket"},
    ),
    Route(
        "POST",
        "/api/v1/tickets/{code}/withdraw",
        api.withdraw_ticket,
        "The citizen gives up their ticket while it waits (by the ticket's tracking code)",
        "tickets",
        responses={200: "PublicTicket"},
    ),
    Route(
        "POST",
        "/api/v1/counters/{counter}/rating",
        api.rate_at_counter,
        "The counter's rating tablet: the citizen it served last rates the service, once",
        "counters",
        body=api.CounterRatingBody,
        responses={200: "CounterRated"},
        ints=("counter",),
    ),
    Route(
        "POST",
        "/api/v1/tickets/{ticket}/cancel",
        api.cancel_ticket,
        "Cancel a ticket",
        "tickets",
        responses={200: "TicketResult"},
        ints=("ticket",),
    ),
    Route(
        "POST",
        "/api/v1/tickets/{ticket}/reactivate",
        api.reactivate_ticket,
        "Put a no-show back in line",
        "tickets",
        responses={200: "TicketResult"},
        ints=("ticket",),
    ),
    Route(
        "POST",
        "/api/v1/tickets/{ticket}/priority",
        api.set_ticket_priority,
        "Give a waiting ticket a priority class after its papers were checked (or take it)",
        "tickets",
        body=api.PriorityBody,
        responses={200: "TicketResult", 404: "Error", 409: "Error", 422: "Error"},
        ints=("ticket",),
    ),
    Route(
        "GET",
        "/api/v1/appointments/slots",
        appointments_api.list_slots,
        "A day's slots for a service (?service=HT&date=YYYY-MM-DD): capacity and places free",
        "appointments",
        responses={200: "AppointmentSlots", 404: "Error", 422: "Error"},
    ),
    Route(
        "GET",
        "/api/v1/appointments/day",
        appointments_api.day_overview,
        "A day's slots per service (?date=YYYY-MM-DD, default today): booked, checked in, "
        "no-show, free, and what the counters keep for walk-ins",
        "appointments",
        responses={200: "BookedDay", 401: "Error", 403: "Error", 422: "Error"},
        query={"date": {"type": "string", "format": "date"}},
    ),
    Route(
        "POST",
        "/api/v1/appointments",
        appointments_api.book,
        "Book a queue number ahead (anyone, or a partner's app for a citizen)",
        "appointments",
        body=appointments_api.BookingBody,
        responses={201: "Appointment", 409: "Error", 422: "Error", 429: "Error"},
    ),
    Route(
        "GET",
        "/api/v1/appointments/{code}",
        appointments_api.get_appointment,
        "A booking, by its code (XXXX-XXXX)",
        "appointments",
        responses={200: "Appointment", 404: "Error", 422: "Error"},
    ),
    Route(
        "POST",
        "/api/v1/appointments/{code}/cancel",
        appointments_api.cancel_appointment,
        "Cancel a booking (whoever holds its code)",
        "appointments",
        responses={200: "Appointment", 404: "Error", 409: "Error"},
    ),
    Route(
        "GET",
        "/api/v1/appointments/{code}/calendar.ics",
        appointments_api.appointment_calendar,
        "A booking as an iCalendar event, to add to a calendar",
        "appointments",
        responses={200: None, 404: "Error"},
    ),
    Route(
        "POST",
        "/api/v1/appointments/{code}/check-in",
        appointments_api.check_in,
        "The booked citizen is here: a ticket (printed at a kiosk), as POST /api/v1/tickets",
        "appointments",
        responses={201: "IssuedTicket", 404: "Error", 409: "Error"},
    ),
    Route(
        "GET",
        "/api/v1/counters",
        api.list_counters,
        "Every counter and its current ticket",
        "counters",
        responses={200: "Counters"},
    ),
    Route(
        "GET",
        "/api/v1/counters/people",
        api.people_at_counters,
        "Who is logged in at each counter (supervisors' view)",
        "counters",
        responses={200: "PeopleAtCounters"},
    ),
    Route(
        "POST",
        "/api/v1/counters/{counter}/next",
        api.counter_next,
        "Call the next ticket (finishing the current one)",
        "counters",
        body=api.NextBody,
        body_required=False,
        responses={200: "CounterAction", 204: None},
        ints=("counter",),
    ),
    _counter("call", api.counter_call, "Call a chosen waiting ticket out of order", api.CallBody),
    _counter("recall", api.counter_recall, "Announce the current ticket again"),
    _counter("start", api.counter_start, "The citizen arrived: start serving"),
    _counter("done", api.counter_done, "Finish the current ticket"),
    _counter("no-show", api.counter_no_show, "The citizen did not come"),
    _counter(
        "transfer",
        api.counter_transfer,
        "Send the current ticket to another service or counter",
        api.TransferBody,
    ),
    _counter("pause", api.counter_pause, "Pause the counter"),
    _counter("resume", api.counter_resume, "Resume (or open) the counter"),
    _counter("open", api.counter_open, "Open the counter"),
    _counter("close", api.counter_close, "Close the counter (finishing its ticket)"),
    Route(
        "GET",
        "/api/v1/state",
        api.get_state,
        "The whole centre, with its seq",
        "state",
        responses={200: "State"},
    ),
    Route(
        "POST",
        "/api/v1/day/close",
        api.close_day,
        "Close the day: waiting tickets expire",
        "state",
        responses={200: "ClosedDay"},
    ),
    Route(
        "GET",
        "/api/v1/reports/daily",
        reports_api.daily_report,
        "A day's waits, service times and satisfaction (?day=YYYY-MM-DD, default the latest)",
        "reports",
        responses={200: "DailyReport", 404: "Error"},
    ),
    Route(
        "GET",
        "/api/v1/reports/daily.csv",
        reports_api.daily_report_csv,
        "A day's tickets (or, with ?rows=staff, its people), one row each, as CSV for a "
        "spreadsheet (?day=YYYY-MM-DD)",
        "reports",
        responses={200: None, 400: "Error", 404: "Error"},
        query={
            "day": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "lang": {"type": "string", "enum": ["vi", "en", "ar"]},
            "rows": {"type": "string", "enum": ["tickets", "staff"], "default": "tickets"},
        },
    ),
    Route(
        "POST",
        "/api/v1/login",
        api.login,
        "Staff log in; sets an HttpOnly session cookie",
        "sessions",
        body=api.LoginBody,
        responses={200: "Session"},
    ),
    Route(
        "POST", "/api/v1/logout", api.logout, "End the session", "sessions", responses={204: None}
    ),
    Route(
        "GET",
        "/api/v1/session",
        api.session_info,
        "Who is logged in, and the CSRF token",
        "sessions",
        responses={200: "Session"},
    ),
    Route(
        "GET",
        "/api/v1/centre",
        pages.centre_info,
        "The centre as the pages show it: names, notice, services, counters",
        "tickets",
        responses={200: "Centre"},
    ),
    Route(
        "GET",
        "/api/v1/voice",
        voice_api.voice_status,
        "Whether announcements can be spoken, in which languages, and if not, why",
        "voice",
        responses={200: "VoiceStatus"},
    ),
    Route(
        "GET",
        "/api/v1/announcements/{lang}/{call}",
        voice_api.announcement,
        "A call's spoken announcement as WAV; call is NUMBER-COUNTER, e.g. A023-5",
        "voice",
        responses={200: None, 503: "Error"},
    ),
    Route(
        "GET",
        "/api/v1/status",
        admin_api.server_status,
        "The server's parts: voice, live connections",
        "admin",
        responses={200: "ServerStatus"},
    ),
    Route(
        "GET",
        "/api/v1/users",
        admin_api.list_users,
        "Staff accounts",
        "admin",
        responses={200: "Users"},
    ),
    Route(
        "POST",
        "/api/v1/users",
        admin_api.add_user,
        "Add a person (staff, supervisor, volunteer or admin)",
        "admin",
        body=admin_api.UserBody,
        responses={201: "UserResult"},
    ),
    Route(
        "GET",
        "/api/v1/tokens",
        admin_api.list_tokens,
        "Machine tokens (never their secrets)",
        "admin",
        responses={200: "Tokens"},
    ),
    Route(
        "POST",
        "/api/v1/tokens",
        admin_api.create_token,
        "Make a token for a kiosk, display, device, partner or assistant; its secret is shown once",
        "admin",
        body=admin_api.TokenBody,
        responses={201: "NewToken"},
    ),
    Route(
        "POST",
        "/api/v1/tokens/{name}/revoke",
        admin_api.revoke_token,
        "Revoke a token by name",
        "admin",
        responses={200: "TokenResult"},
    ),
    Route(
        "POST",
        "/api/v1/devices/rf/learn",
        devices_api.rf_learn,
        "Listen for a radio call button: the next code heard (204 when none in time)",
        "devices",
        body=devices_api.LearnBody,
        responses={200: "RfHeard", 204: None},
    ),
    Route(
        "GET",
        "/api/v1/devices/rf/buttons",
        devices_api.list_rf_buttons,
        "Radio call buttons and the counter key each one presses",
        "devices",
        responses={200: "RfButtons"},
    ),
    Route(
        "POST",
        "/api/v1/devices/rf/buttons",
        devices_api.bind_rf_button,
        "Bind a radio button's code to a key at a counter",
        "devices",
        body=devices_api.RfButtonBody,
        responses={201: "RfButtonResult"},
    ),
    Route(
        "DELETE",
        "/api/v1/devices/rf/buttons/{code}",
        devices_api.unbind_rf_button,
        "Unbind a radio button",
        "devices",
        responses={204: None},
    ),
    Route(
        "GET",
        "/api/v1/devices/printers",
        printers_api.list_printers,
        "The hall's printers and whether each can print now (a volunteer's tablet picks one)",
        "devices",
        responses={200: "Printers"},
    ),
    Route(
        "GET",
        "/api/v1/devices/printers/tickets",
        printers_api.list_printed_tickets,
        "The last tickets handed to the printers, newest first: outcome and image URL",
        "devices",
        responses={200: "PrintedTickets"},
    ),
    Route(
        "GET",
        "/api/v1/devices/printers/tickets/{id}.png",
        printers_api.printed_ticket_image,
        "A printed ticket's image (PNG), exactly as the printer was sent it",
        "devices",
        responses={200: None, 404: "Error"},
        ints=("id",),
    ),
    _page("/", pages.page_index, "The list of pages"),
    _page("/kiosk", pages.page_kiosk, "Kiosk: take a ticket"),
    _page("/staff", pages.page_staff, "Staff console"),
    _page("/supervise", pages.page_supervise, "Supervisor's live view of every counter and line"),
    _page("/assist", pages.page_assist, "Volunteers' tablet: find the service, issue a ticket"),
    _page("/hall", pages.page_hall, "Hall display"),
    _page("/counter/{counter}", pages.page_counter, "Counter display", ints=("counter",)),
    _page("/rate/{counter}", pages.page_rate, "A counter's rating tablet", ints=("counter",)),
    _page("/admin", pages.page_admin, "Admin page"),
    _page("/s/{code}", pages.page_status, "A citizen's ticket status (the ticket's QR code)"),
    _page("/s/{code}/qr.svg", pages.ticket_qr, "The QR code of a ticket's status page"),
    _page("/book", pages.page_book, "Book a queue number ahead, on a phone"),
    _page("/a/{code}", pages.page_appointment, "A booking's page (its QR code)"),
    _page("/a/{code}/qr.svg", pages.appointment_qr, "The QR code of a booking's page"),
    _page("/static/{kind}/{file}", pages.static_file, "The pages' scripts, styles, texts, sounds"),
    Route(
        "GET",
        "/ws",
        hub_socket.websocket,
        "The live websocket (see the websocket protocol notes)",
        "live",
        responses={101: None, 400: "Error", 426: "Error"},
    ),
]
