"""Every endpoint × every role (and nobody): allowed or denied, checked cell by cell.

The expected table is written out here by hand, from what each role's job is,
not derived from the code's declarations, so a wrong declaration fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.accounts import Role
from queue_server.web.routes import PAGES_TAG, ROUTES
from tests.support.server import Api, Token, serve_centre

DENIALS = {"unauthenticated", "forbidden", "not_your_counter"}
"""The answers that mean "not for you" (a wrong password is a 401 too, but not a denial)."""
COLUMNS = ["nobody", "kiosk", "display", "device@1", "staff@1", "supervisor", "admin", "partner"]
Y, N = True, False

# (method, path) -> allowed for each column, in COLUMNS order.  Counter 1 is staff@1's and
# device@1's own counter; counter 2 is someone else's.
MATRIX: dict[tuple[str, str], list[bool]] = {
    ("GET", "/healthz"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("GET", "/api/v1/openapi.json"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("GET", "/metrics"): [N, N, N, N, N, Y, Y, N],
    ("GET", "/api/v1/services"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("POST", "/api/v1/tickets"): [N, Y, N, N, N, Y, Y, N],
    ("GET", "/api/v1/tickets/{code}"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("POST", "/api/v1/tickets/{code}/rating"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("GET", "/api/v1/tickets/{code}/voice"): [N, Y, N, N, N, Y, Y, N],
    # Only a display token bound to the counter (its rating tablet; tests/integration/
    # test_reports.py), so nobody in these columns, on either counter.
    ("POST", "/api/v1/counters/{counter}/rating"): [N, N, N, N, N, N, N, N],
    ("POST", "/api/v1/tickets/{ticket}/cancel"): [N, N, N, N, N, Y, Y, N],
    ("POST", "/api/v1/tickets/{ticket}/reactivate"): [N, N, N, N, Y, Y, Y, N],
    ("GET", "/api/v1/counters"): [N, N, Y, Y, Y, Y, Y, N],
    ("GET", "/api/v1/state"): [N, N, N, N, Y, Y, Y, N],
    ("POST", "/api/v1/day/close"): [N, N, N, N, N, Y, Y, N],
    ("POST", "/api/v1/login"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("GET", "/api/v1/session"): [N, N, N, N, Y, Y, Y, N],
    ("POST", "/api/v1/logout"): [N, N, N, N, Y, Y, Y, N],
    ("GET", "/api/v1/centre"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("GET", "/api/v1/voice"): [N, N, Y, N, N, Y, Y, N],
    ("GET", "/api/v1/announcements/{lang}/{call}"): [N, N, Y, N, N, Y, Y, N],
    ("GET", "/api/v1/status"): [N, N, N, N, N, Y, Y, N],
    ("GET", "/api/v1/reports/daily"): [N, N, N, N, N, Y, Y, N],
    ("GET", "/api/v1/reports/daily.csv"): [N, N, N, N, N, Y, Y, N],
    ("GET", "/api/v1/users"): [N, N, N, N, N, N, Y, N],
    ("POST", "/api/v1/users"): [N, N, N, N, N, N, Y, N],
    ("GET", "/api/v1/tokens"): [N, N, N, N, N, N, Y, N],
    ("POST", "/api/v1/tokens"): [N, N, N, N, N, N, Y, N],
    ("POST", "/api/v1/tokens/{name}/revoke"): [N, N, N, N, N, N, Y, N],
    ("POST", "/api/v1/devices/rf/learn"): [N, N, N, N, N, N, Y, N],
    ("GET", "/api/v1/devices/rf/buttons"): [N, N, N, N, N, N, Y, N],
    ("POST", "/api/v1/devices/rf/buttons"): [N, N, N, N, N, N, Y, N],
    ("DELETE", "/api/v1/devices/rf/buttons/{code}"): [N, N, N, N, N, N, Y, N],
    ("GET", "/api/v1/devices/printers/tickets"): [N, N, N, N, N, Y, Y, N],
    ("GET", "/api/v1/devices/printers/tickets/{id}.png"): [N, N, N, N, N, Y, Y, N],
    # Anyone books and looks up a booking by its code; a partner's app books for citizens;
    # a check-in gives a ticket: kiosks and the people at the counters only.
    ("GET", "/api/v1/appointments/slots"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("POST", "/api/v1/appointments"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("GET", "/api/v1/appointments/{code}"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("POST", "/api/v1/appointments/{code}/cancel"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("GET", "/api/v1/appointments/{code}/calendar.ics"): [Y, Y, Y, Y, Y, Y, Y, Y],
    ("POST", "/api/v1/appointments/{code}/check-in"): [N, Y, N, N, Y, Y, Y, N],
}
COUNTER_ACTIONS = [
    "next",
    "call",
    "recall",
    "start",
    "done",
    "no-show",
    "transfer",
    "pause",
    "resume",
    "open",
    "close",
]
OWN_COUNTER = [N, N, N, Y, Y, Y, Y, N]
OTHER_COUNTER = [N, N, N, N, N, Y, Y, N]
for _action in COUNTER_ACTIONS:
    MATRIX[("POST", f"/api/v1/counters/{{counter}}/{_action}")] = OWN_COUNTER

BODIES = {
    "/api/v1/tickets": {"service": "HT"},
    "/api/v1/tickets/{code}/rating": {"rating": "satisfied"},
    "/api/v1/counters/{counter}/rating": {"ticket": 1, "rating": "satisfied"},
    "/api/v1/login": {"username": "nobody", "password": "not a password"},
    "/api/v1/counters/{counter}/call": {"ticket": "A001"},
    "/api/v1/counters/{counter}/transfer": {"service": "CT"},
    "/api/v1/users": {"username": "matrix", "password": "a long enough password"},
    "/api/v1/tokens": {"role": "kiosk", "name": "matrix-kiosk"},
    "/api/v1/devices/rf/buttons": {"code": "A1B2C3", "counter": 1, "key": "next"},
    "/api/v1/appointments": {"service": "HT", "start": "2030-01-07T10:00", "phone": "1"},
}


def test_the_matrix_covers_every_route() -> None:
    served = {(r.method, r.path) for r in ROUTES if r.path != "/ws" and r.tag != PAGES_TAG}
    assert served == set(MATRIX), "a route was added or removed: put it in the matrix"


@pytest.mark.slow
async def test_every_endpoint_for_every_role(tmp_path: Path) -> None:
    people = {"lan": Role.STAFF, "giamsat": Role.SUPERVISOR, "admin": Role.ADMIN}
    tokens = {
        "kiosk": Token(Role.KIOSK),
        "display": Token(Role.DISPLAY),
        "device@1": Token(Role.DEVICE, counter=1),
        "partner": Token(Role.PARTNER),
    }
    security = {
        "kiosk_tickets_per_minute": 6000.0,
        "kiosk_ticket_burst": 1000,
        "status_burst": 1000,
        "login_burst": 1000,
    }
    async with serve_centre(tmp_path, people=people, tokens=tokens, security=security) as server:
        clients: dict[str, Api] = {
            "nobody": Api(server.base),
            "kiosk": Api(server.base, server.tokens["kiosk"]),
            "display": Api(server.base, server.tokens["display"]),
            "device@1": Api(server.base, server.tokens["device@1"]),
            "staff@1": Api(server.base),
            "supervisor": Api(server.base),
            "admin": Api(server.base),
            "partner": Api(server.base, server.tokens["partner"]),
        }
        try:
            await clients["staff@1"].login("lan", counter=1)
            await clients["supervisor"].login("giamsat")
            await clients["admin"].login("admin")
            _, ticket = await clients["kiosk"].post("/api/v1/tickets", {"service": "HT"})
            values = {
                "code": ticket["tracking_code"],
                "ticket": str(ticket["id"]),
                "lang": "vi",
                "call": "Z999-1",  # no such ticket: a 404 for those allowed, no audio
                "name": "no-such-token",
                "id": "1",
            }
            wrong: list[str] = []
            routes = sorted(MATRIX, key=lambda r: r[1].endswith("logout"))  # log out last
            for column, name in enumerate(COLUMNS):
                client = clients[name]
                for method, path in routes:
                    for counter, expected in _counter_cases(path, MATRIX[(method, path)], column):
                        url = path.format(counter=counter, **values)
                        status, body = await client.request(method, url, BODIES.get(path))
                        code = (
                            body["error"]["code"]
                            if isinstance(body, dict) and "error" in body
                            else ""
                        )
                        allowed = code not in DENIALS
                        if allowed != expected:
                            wrong.append(f"{name:10} {method} {url}: {status} {body}")
                        elif not allowed:
                            assert status == (401 if name == "nobody" else 403), (name, url, status)
            assert not wrong, "\n" + "\n".join(wrong)
        finally:
            for client in clients.values():
                await client.__aexit__()


def _counter_cases(path: str, row: list[bool], column: int) -> list[tuple[int, bool]]:
    if "{counter}" not in path:
        return [(0, row[column])]
    if row is not OWN_COUNTER:
        return [(1, row[column]), (2, row[column])]
    return [(1, OWN_COUNTER[column]), (2, OTHER_COUNTER[column])]
