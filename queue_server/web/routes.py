"""Every route the centre serves, in one table.  The router and the OpenAPI document are
both built from it, so the document cannot describe a route that is not served."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import api, system, ws
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
    responses: dict[int, str | None] = field(default_factory=lambda: {200: None})
    """Status -> schema name in components (None: no body or free-form)."""
    ints: tuple[str, ...] = ()

    @property
    def aiohttp_path(self) -> str:
        path = self.path
        for name in self.ints:
            path = path.replace("{" + name + "}", "{" + name + r":\d{1,9}}")
        return path

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


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
        "Services with waiting counts and estimated waits",
        "tickets",
        responses={200: "Services"},
    ),
    Route(
        "POST",
        "/api/v1/tickets",
        api.issue_ticket,
        "Issue a ticket (kiosk); answered once committed",
        "tickets",
        body=api.IssueBody,
        responses={201: "IssuedTicket"},
    ),
    Route(
        "GET",
        "/api/v1/tickets/{code}",
        api.ticket_status,
        "A ticket's public status, by its tracking code",
        "tickets",
        responses={200: "PublicTicket"},
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
        "GET",
        "/api/v1/counters",
        api.list_counters,
        "Every counter and its current ticket",
        "counters",
        responses={200: "Counters"},
    ),
    Route(
        "POST",
        "/api/v1/counters/{counter}/next",
        api.counter_next,
        "Call the next ticket (finishing the current one)",
        "counters",
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
        "/ws",
        ws.websocket,
        "The live websocket (see the websocket protocol notes)",
        "live",
        responses={101: None},
    ),
]
