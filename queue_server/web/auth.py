"""Who is calling, and may they?  Bearer tokens for machines, session cookies for people.

Every handler declares the roles it serves with `@allow(...)`; a handler
without it is refused to everyone, so a forgotten declaration fails closed.
Requests authenticated by the session cookie must repeat the session's CSRF
token in a header when they change anything; bearer requests cannot be forged
by another site, so they need none.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from ..accounts import ANONYMOUS, AccountStore, Principal, Role
from .errors import ApiError, Handler

PRINCIPAL = web.RequestKey("principal", Principal)
SESSION_COOKIE = "qs_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACCOUNTS = web.AppKey("accounts", AccountStore)

ALL_ROLES = frozenset(Role) - {Role.CITIZEN}
PUBLIC = ALL_ROLES
# Who may do what, in one place: each route names one of these.
ADMIN_ONLY = frozenset({Role.ADMIN})
MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
STAFF_ROLES = frozenset({Role.STAFF, *MANAGERS})
COUNTER_ROLES = frozenset({Role.DEVICE, *STAFF_ROLES})
"""Counter actions: staff and devices on their own counter (`counter_scoped`)."""
VIEWER_ROLES = frozenset({Role.DISPLAY, *STAFF_ROLES})
"""Read the counters' states: screens and people (a keypad's device token acts, not reads)."""
ISSUER_ROLES = frozenset({Role.KIOSK, *MANAGERS})
"""The kiosk's own jobs besides issuing: its spoken ticket, a booking's check-in."""
TICKET_ROLES = frozenset({Role.VOLUNTEER, Role.ASSISTANT, *ISSUER_ROLES})
"""Issue a ticket: kiosks, volunteers' tablets, robots (assistants) and managers."""
FRONT_ISSUERS = frozenset({Role.KIOSK, Role.VOLUNTEER, Role.ASSISTANT})
"""Who issues for the citizen in front of them: rate-limited, and refused for a service
nobody serves where the centre says so (a manager issuing knows what they do)."""
PRINTER_PICKERS = frozenset({Role.VOLUNTEER, *MANAGERS})
"""See the hall's printers and whether each can print: a volunteer's tablet picks one."""
VOICE_ROLES = frozenset({Role.DISPLAY, *MANAGERS})
TABLET_ROLES = frozenset({Role.DISPLAY})
"""A counter's rating tablet: a display token bound to that counter.  Nobody else, staff
least of all, rates a service in the citizen's place."""


def principal_of(request: web.Request) -> Principal:
    principal: Principal = request.get(PRINCIPAL, ANONYMOUS)
    return principal


def authenticate(request: web.Request, accounts: AccountStore) -> Principal:
    """The caller of a request, from its bearer token or session cookie."""
    header = request.headers.get("Authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "bad_authorization", "use the header 'Authorization: Bearer <token>'"
            )
        principal = accounts.principal_for_token(token.strip())
        if principal is None:
            raise ApiError(401, "invalid_token", "this token is unknown or has been revoked")
        return principal
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return accounts.principal_for_session(session) or ANONYMOUS
    return ANONYMOUS


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    principal = authenticate(request, request.app[ACCOUNTS])
    if principal.session is not None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "").encode("utf-8", "surrogatepass")
        if not principal.csrf or not hmac.compare_digest(sent, principal.csrf.encode()):
            raise ApiError(
                403, "csrf_failed", f"send the session's CSRF token in the {CSRF_HEADER} header"
            )
    request[PRINCIPAL] = principal
    return await handler(request)


RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def allow(
    roles: frozenset[Role] | set[Role], *, counter_scoped: bool = False
) -> Callable[[RouteHandler], RouteHandler]:
    """Serve only these roles; with `counter_scoped`, staff and devices only on their counter."""
    allowed = frozenset(roles)

    def decorate(handler: RouteHandler) -> RouteHandler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            principal = principal_of(request)
            if principal.role not in allowed:
                if principal.role is Role.ANONYMOUS:
                    raise ApiError(401, "unauthenticated", "log in or present a token")
                raise ApiError(403, "forbidden", f"a {principal.role.value} may not do this")
            if counter_scoped:
                counter = int(request.match_info["counter"])
                if not principal.may_act_on_counter(counter):
                    raise ApiError(
                        403,
                        "not_your_counter",
                        f"{principal.name} acts for counter {principal.counter}, not {counter}",
                    )
            return await handler(request)

        checked.allowed_roles = allowed  # type: ignore[attr-defined]
        checked.counter_scoped = counter_scoped  # type: ignore[attr-defined]
        return checked

    return decorate
