"""The OpenAPI 3.1 document, built from the route table, the request models and the views.

The queue's views (queue_server/views.py) and the request bodies are msgspec Structs:
their schemas are derived from them, so each of their fields is declared once.  The
schemas below are of answers that are not views yet (sessions, reports, devices...)."""

from __future__ import annotations

from typing import Any

import msgspec

from .. import views
from ..engine.events import RATINGS
from .fields import MAX_ID
from .routes import PAGES_TAG, ROUTES, Route

VIEWS: tuple[type[msgspec.Struct], ...] = (
    views.PublicTicket,
    views.TrackedTicket,
    views.IssuedTicket,
    views.TicketSummary,
    views.TicketResult,
    views.Counter,
    views.CounterRated,
    views.Counters,
    views.PeopleAtCounters,
    views.CounterAction,
    views.Service,
    views.State,
    views.AppointmentSlots,
    views.BookedDay,
    views.Appointment,
    views.ServiceSearch,
)
"""The answers of the API that are views, by schema name (their class names)."""

_STR = {"type": "string"}
_INT = {"type": "integer"}
_NULLABLE_INT = {"type": ["integer", "null"]}
_PATH_ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
"""An id in a path: the router takes 1 to 9 digits (`Route.aiohttp_path`)."""
_NULLABLE_STR = {"type": ["string", "null"]}
_TEXT = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "text per language",
}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        ["error"],
        error=_obj(
            ["code", "message"],
            code={**_STR, "description": "stable, for programs and translations"},
            message={**_STR, "description": "in English, for people"},
            opens_at={
                **_NULLABLE_STR,
                "description": "centre_closed only: when the centre next opens, local time "
                "with its offset (2026-11-30T07:30:00+07:00); null if it has no opening hours",
            },
        ),
    ),
    "Health": _obj(
        ["status", "centre", "seq"],
        status=_STR,
        centre=_STR,
        seq=_INT,
        durability=_STR,
        replayed_events=_INT,
        error=_STR,
    ),
    "Services": _obj(
        ["centre", "languages", "priority_classes", "services"],
        centre=_obj(["id", "name"], id=_STR, name=_TEXT),
        languages={"type": "array", "items": _STR},
        priority_classes={"type": "array", "items": _obj(["code", "name"], code=_STR, name=_TEXT)},
        services={"type": "array", "items": _ref("Service")},
        say={
            **_STR,
            "description": "assistants only: every line read out, in the language asked",
        },
    ),
    "DailyReport": _obj(
        ["day", "complete", "days", "tickets", "wait_minutes", "service_minutes", "satisfaction"],
        day=_STR,
        complete={"type": "boolean", "description": "the day is closed: its figures are final"},
        days={"type": "array", "items": _STR, "description": "days the log holds, newest first"},
        tickets={"type": "object", "description": "issued, served, no_show, cancelled, ..."},
        wait_minutes=_ref("Minutes"),
        service_minutes=_ref("Minutes"),
        satisfaction=_ref("Satisfaction"),
        services={"type": "array", "items": {"type": "object"}, "description": "per service"},
        counters={"type": "array", "items": {"type": "object"}, "description": "per counter"},
        staff={
            "type": "array",
            "items": {"type": "object"},
            "description": "per person signed in at a counter (account name): called, served, "
            "no_show, service_minutes, satisfaction, open_s and paused_s while they held it",
        },
        priority={"type": "object", "description": "priority classes against the others"},
        hours={"type": "array", "items": {"type": "object"}, "description": "per hour of issue"},
    ),
    "Minutes": _obj(
        ["count", "mean", "median", "p90", "max"],
        count=_INT,
        **{k: {"type": ["number", "null"]} for k in ("mean", "median", "p90", "max")},
    ),
    "Satisfaction": _obj(
        ["rated", *RATINGS, "satisfied_share"],
        rated=_INT,
        **dict.fromkeys(RATINGS, _INT),
        satisfied_share={"type": ["number", "null"], "description": "very satisfied + satisfied"},
    ),
    "ClosedDay": _obj(["closed", "expired"], closed=_NULLABLE_STR, expired=_INT),
    "Session": _obj(
        ["user", "role", "counter", "csrf_token"],
        user=_STR,
        name=_STR,
        role=_STR,
        counter=_NULLABLE_INT,
        csrf_token=_NULLABLE_STR,
    ),
    "Centre": _obj(
        ["id", "name", "languages", "notice", "services", "counters", "priority_classes"],
        id=_STR,
        name=_TEXT,
        languages={"type": "array", "items": _STR},
        timezone={**_STR, "description": "IANA zone of the centre's clocks, e.g. Asia/Ho_Chi_Minh"},
        notice=_TEXT,
        ticket_footer=_TEXT,
        services={
            "type": "array",
            "items": _obj(["code", "name"], code=_STR, name=_TEXT, description=_TEXT),
        },
        counters={
            "type": "array",
            "items": _obj(
                ["id", "services"], id=_INT, name=_TEXT, services={"type": "array", "items": _STR}
            ),
        },
        priority_classes={
            "type": "array",
            "items": _obj(
                ["code", "name"],
                code=_STR,
                name=_TEXT,
                at_desk={
                    "type": "boolean",
                    "description": "checked at the reception desk: no kiosk issues it",
                },
            ),
        },
        rating_reasons={
            "type": "array",
            "items": _obj(["code", "name"], code=_STR, name=_TEXT),
            "description": "what a dissatisfied citizen may say went wrong ([ratings] reasons)",
        },
        open_now={
            "type": "boolean",
            "description": "tickets may be issued now (always, when the hours are not enforced)",
        },
        opens_at={
            **_NULLABLE_STR,
            "description": "while closed: when the centre next opens, local time with its "
            "offset; null while open or if it has no opening hours",
        },
        hall=_obj(
            ["min_show_seconds", "max_delay_seconds"],
            min_show_seconds={
                "type": "number",
                "description": "the big panel shows each call at least this long",
            },
            max_delay_seconds={
                "type": "number",
                "description": "a call is said (and put on the big panel) this late at most",
            },
        ),
        appointments=_obj(
            ["enabled"],
            enabled={"type": "boolean", "description": "the centre takes bookings"},
            days_ahead=_INT,
            slot_minutes=_INT,
            cutoff_minutes={"type": "number"},
            per_person_per_day=_INT,
            early_minutes={"type": "number"},
            late_minutes={"type": "number"},
            late={"enum": ["walk_in", "refuse"]},
            places={
                "type": "object",
                "additionalProperties": _INT,
                "description": "bookable places per slot, per service",
            },
        ),
    ),
    "VoiceStatus": _obj(
        ["enabled", "available", "reason", "languages"],
        enabled={"type": "boolean"},
        available={"type": "boolean"},
        reason={**_NULLABLE_STR, "description": "why announcements cannot be spoken"},
        engine=_NULLABLE_STR,
        languages={
            "type": "array",
            "items": _STR,
            "description": "the hall may say calls in these: the centre's and each ticket's",
        },
        voices={"type": "object", "additionalProperties": _STR},
        synthesised=_INT,
        cache_hits=_INT,
        failures=_INT,
        last_error=_NULLABLE_STR,
    ),
    "ServerStatus": _obj(
        ["seq", "voice", "connections"],
        seq=_INT,
        voice=_ref("VoiceStatus"),
        connections={
            "type": "object",
            "additionalProperties": _INT,
            "description": "live websocket clients per view (hall, counter, staff, kiosk, ...)",
        },
        devices={"type": "array", "items": _ref("Device")},
    ),
    "Device": {
        **_obj(
            ["name", "kind", "up"],
            name={
                **_STR,
                "description": 'unique: a printer\'s name, "line:<name>" or "kiosk:<name>"',
            },
            kind={
                **_STR,
                "description": "printer, kiosk, keypad-line, rf-receiver, led-display-line",
            },
            up={"type": "boolean", "description": "the device can work now"},
            state={
                "enum": [
                    "unknown",
                    "online",
                    "paper_near_end",
                    "paper_out",
                    "cover_open",
                    "offline",
                    "not_answering",
                    "ready",
                    "out_of_order",
                ],
                "description": "printers; kiosks: ready, or out_of_order (no printer can print)",
            },
            detail={**_STR, "description": "printers and kiosks: why, for people"},
            kiosk={**_STR, "description": "kiosks: the kiosk's name (its token's)"},
            printers={
                "type": "array",
                "items": _STR,
                "description": "kiosks: its printers, the first, then backups",
            },
            screen_tickets={
                "type": "boolean",
                "description": "kiosks: while out of order, tickets may still be shown on screen",
            },
            since={**_NULLABLE_STR, "description": "printers: when the state last changed"},
            connection=_STR,
            paper_mm=_INT,
            line=_STR,
            online={"type": "boolean"},
            keypads=_INT,
            keypads_online=_INT,
            displays=_INT,
            displays_online=_INT,
            corrupt_frames=_INT,
        ),
        "description": "A device's latest state, as admin views get it in device messages; "
        "serial lines carry more counters than listed here",
    },
    "PrintedTicket": _obj(
        ["id", "ticket", "number", "status", "printer", "at", "image_url"],
        id={**_INT, "description": "this record's id, for its image"},
        ticket=_INT,
        number=_STR,
        service=_STR,
        lang=_STR,
        kiosk=_STR,
        status={"enum": ["printed", "failed"]},
        printer={**_NULLABLE_STR, "description": "the printer that printed it"},
        printers_tried={
            "type": "array",
            "items": _STR,
            "description": "printers that could not print it, in the order tried",
        },
        reason={**_STR, "description": "why those printers could not"},
        at=_STR,
        paper_mm=_NULLABLE_INT,
        image_url={
            **_NULLABLE_STR,
            "description": "the image sent (or, when failed, the one drawn); "
            "null when none was drawn",
        },
    ),
    "Printers": _obj(
        ["printers"],
        printers={
            "type": "array",
            "items": _obj(
                ["name", "state", "up"],
                name=_STR,
                state={**_STR, "description": "ready, paper_near_end, paper_out, offline..."},
                up={"type": "boolean", "description": "it can print now"},
                detail=_STR,
                paper_mm=_INT,
            ),
            "description": "the hall's printers, as configured; [] where there are none",
        },
    ),
    "PrintedTickets": _obj(
        ["tickets"],
        tickets={
            "type": "array",
            "items": _ref("PrintedTicket"),
            "description": "the last ones, newest first",
        },
    ),
    "User": _obj(
        ["username", "name", "role", "disabled", "counters"],
        username=_STR,
        name=_STR,
        role=_STR,
        disabled={"type": "boolean"},
        counters={"type": "array", "items": _INT, "description": "where staff may work; []: any"},
    ),
    "Users": _obj(["users"], users={"type": "array", "items": _ref("User")}),
    "UserResult": _obj(["user"], user=_ref("User")),
    "TokenInfo": _obj(
        ["name", "role", "counter", "counters", "revoked"],
        name=_STR,
        role=_STR,
        counter=_NULLABLE_INT,
        counters={"type": "array", "items": _INT},
        created_at={"type": "number"},
        revoked={"type": "boolean"},
    ),
    "Tokens": _obj(["tokens"], tokens={"type": "array", "items": _ref("TokenInfo")}),
    "TokenResult": _obj(["token"], token=_ref("TokenInfo")),
    "NewToken": _obj(
        ["token", "info"],
        token={**_STR, "description": "the secret, shown this once"},
        info=_ref("TokenInfo"),
    ),
    "RfButton": _obj(
        ["code", "counter", "key"],
        code={**_STR, "description": "the button's 24-bit code, 6 hex digits"},
        counter=_INT,
        key={"enum": ["next", "recall", "start", "done", "no_show", "pause", "resume"]},
    ),
    "RfButtons": _obj(["buttons"], buttons={"type": "array", "items": _ref("RfButton")}),
    "RfButtonResult": _obj(["button"], button=_ref("RfButton")),
    "RfHeard": _obj(
        ["line", "code", "button"],
        line=_STR,
        code=_STR,
        button={"oneOf": [_ref("RfButton"), {"type": "null"}]},
    ),
}

_ERRORS = {
    400: "Malformed request (e.g. not JSON)",
    401: "Not authenticated",
    403: "Authenticated but not allowed",
    404: "Not found",
    409: "Refused by the queue's rules (e.g. counter closed)",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Body does not match the schema",
    429: "Rate limited",
}


def build_openapi(title: str, routes: list[Route] = ROUTES) -> dict[str, Any]:
    bodies = sorted({r.body for r in routes if r.body is not None}, key=lambda t: t.__name__)
    (_, derived) = msgspec.json.schema_components(
        [*bodies, *VIEWS], ref_template="#/components/schemas/{name}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if route.tag == PAGES_TAG:
            continue  # the pages and their files are not part of the API
        operation: dict[str, Any] = {
            "operationId": route.handler.__name__,
            "summary": route.summary,
            "tags": [route.tag],
            "responses": {},
        }
        roles = sorted(r.value for r in getattr(route.handler, "allowed_roles", ()))
        operation["x-roles"] = roles  # for programs: who may call it (tests sign in as one)
        operation["description"] = f"Allowed roles: {', '.join(roles)}." + (
            " Staff and devices only on their own counter."
            if getattr(route.handler, "counter_scoped", False)
            else ""
        )
        if route.params:
            operation["parameters"] = [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": _PATH_ID if name in route.ints else _STR,
                }
                for name in route.params
            ]
        for name, param in route.query.items():
            required = bool(param.get("required"))
            operation.setdefault("parameters", []).append(
                {
                    "name": name,
                    "in": "query",
                    "required": required,
                    "schema": {k: v for k, v in param.items() if k != "required"},
                }
            )
        if route.body is not None:
            operation["requestBody"] = {
                "required": route.body_required,
                "content": {"application/json": {"schema": _ref(route.body.__name__)}},
            }
        for status, schema in route.responses.items():
            response: dict[str, Any] = {"description": _describe(status)}
            if schema is not None:
                response["content"] = {"application/json": {"schema": _ref(schema)}}
            operation["responses"][str(status)] = response
        for status, description in _ERRORS.items():
            operation["responses"].setdefault(
                str(status),
                {
                    "description": description,
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
            )
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{title} — queue server API", "version": "1"},
        "security": [{"bearer": []}, {"session": []}, {}],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **derived},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "kiosk, display, device and admin tokens",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "qs_session",
                    "description": "staff session; send X-CSRF-Token on changes",
                },
            },
        },
    }


def _describe(status: int) -> str:
    return {
        101: "Switching to the websocket protocol",
        200: "OK",
        201: "Created",
        204: "Nothing to return (e.g. nobody waiting)",
        503: "The event log cannot be written",
    }.get(status, "See body")
