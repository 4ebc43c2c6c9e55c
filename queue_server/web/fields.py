"""The constrained fields of the API's request bodies, declared once: msgspec checks them
when a body is read (422 invalid_body) and the OpenAPI document states them, both from
these annotations.  Patterns are written so that Python and JSON Schema (ECMA-262) read
them alike: ASCII classes only."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ..accounts.principal import PERSON_ROLES, TOKEN_ROLES
from ..config import CODE_PATTERN

MAX_ID = 999_999_999
"""The largest id a path takes (`\\d{1,9}`): bodies take the same ids."""

CounterId = Annotated[int, msgspec.Meta(ge=0, le=MAX_ID, description="a counter's id")]
TicketId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="a ticket's id")]
TicketNumber = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=16,
        pattern=r"^[A-Z0-9]+$",
        description="a ticket's number as printed (A023, 9012)",
    ),
]
ServiceCode = Annotated[
    str, msgspec.Meta(pattern=CODE_PATTERN, description="a service's code (config)")
]
ProcedureCode = Annotated[
    str,
    msgspec.Meta(
        pattern=CODE_PATTERN,
        description="a procedure of the service (config; the finder names it): its papers "
        "to bring are printed on the ticket and shown on the status page",
    ),
]
PriorityCode = Annotated[
    str, msgspec.Meta(pattern=CODE_PATTERN, description="a priority class's code (config)")
]
Language = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,3}$",
        description="a language tag, one of the centre's (vi, en, ar)",
    ),
]
PrinterName = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9_-]{1,16}$", description="a printer's name (devices.printers)"
    ),
]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
CallReason = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
"""Why staff call a ticket out of order, in their words (kept in the event's `note`)."""
RatingReason = Annotated[
    str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
]
"""One of the centre's `[ratings] reasons` codes."""
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
DisplayName = Annotated[str, msgspec.Meta(max_length=100)]
TokenName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, description="which kiosk or display it is for")
]
Counters = Annotated[
    list[CounterId], msgspec.Meta(max_length=1000, description="counters; empty: any")
]
PersonRole = Annotated[
    str,
    msgspec.Meta(extra_json_schema={"enum": sorted(r.value for r in PERSON_ROLES)}),
]
"""Checked by the handler (422 invalid_role), so the enum is stated, not enforced here."""
TokenRole = Annotated[
    str,
    msgspec.Meta(extra_json_schema={"enum": sorted(r.value for r in TOKEN_ROLES)}),
]
"""Checked by the handler (422 invalid_role), so the enum is stated, not enforced here."""
RfCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9A-Fa-f]{6}$", description="a radio button's 24-bit code, 6 hex digits"
    ),
]
SlotStart = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=40,
        description="a slot's start as the slots list gives it: local time with its offset "
        "(2026-12-03T09:30:00+07:00); anything else is 422 invalid_slot",
    ),
]
PhoneNumber = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=24,
        pattern=r"^[0-9+ .()-]+$",
        description="a Vietnamese mobile number, 0 or +84 then 9 digits (spaces, dots and "
        "dashes between): checked further, 422 invalid_phone",
    ),
]
CitizenName = Annotated[
    str, msgspec.Meta(max_length=100, description="accepted for partners' apps; not kept")
]
