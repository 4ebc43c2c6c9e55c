"""The authenticated caller of a request and what its role lets it do."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    STAFF = "staff"
    KIOSK = "kiosk"
    DISPLAY = "display"
    DEVICE = "device"
    PARTNER = "partner"
    """A partner's app (the city's iHanoi) that books queue numbers for citizens."""
    VOLUNTEER = "volunteer"
    """A volunteer in the hall who issues tickets for citizens on a tablet (`/assist`)."""
    ASSISTANT = "assistant"
    """A robot or other assistant that finds services and issues tickets, and speaks."""
    CITIZEN = "citizen"
    ANONYMOUS = "anonymous"


PERSON_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STAFF, Role.VOLUNTEER})
"""Roles held by people, who log in with a password."""
TOKEN_ROLES = frozenset(
    {Role.ADMIN, Role.KIOSK, Role.DISPLAY, Role.DEVICE, Role.PARTNER, Role.ASSISTANT}
)
"""Roles given to machines, which present a bearer token."""


class Principal(msgspec.Struct, frozen=True):
    """A caller: its role, its name (user or token name), and the counter it is bound to."""

    role: Role
    name: str
    counter: int | None = None
    session: str | None = None
    """Set when authenticated by a session cookie: such requests need the CSRF token."""
    csrf: str | None = None
    counters: tuple[int, ...] = ()
    """For a hall display: the counters it shows (empty: all)."""

    @property
    def actor_kind(self) -> str:
        return {
            Role.ADMIN: "admin",
            Role.SUPERVISOR: "supervisor",
            Role.STAFF: "staff",
            Role.KIOSK: "kiosk",
            Role.DEVICE: "keypad",
            Role.DISPLAY: "display",
            Role.PARTNER: "partner",
            Role.VOLUNTEER: "volunteer",
            Role.ASSISTANT: "assistant",
        }.get(self.role, "system")

    def may_act_on_counter(self, counter: int) -> bool:
        """Staff and devices bound to a counter act on that counter only."""
        if self.role in (Role.ADMIN, Role.SUPERVISOR):
            return True
        if self.role is Role.STAFF:
            return self.counter == counter
        if self.role is Role.DEVICE:
            return self.counter is None or self.counter == counter
        return False


ANONYMOUS = Principal(Role.ANONYMOUS, "anonymous")
