"""Every endpoint and `/ws` view × every role, bound and unbound: allowed or refused,
checked cell by cell, on the credential's own counter and on another.

The expected tables are the README's ("Every route and /ws view, role by role"), written
by hand from what each role's job is, not derived from the code's declarations: a wrong
declaration, or a README that promises what the server does not do, fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from yarl import URL

from queue_server.accounts import Role
from queue_server.web.routes import PAGES_TAG, ROUTES
from tests.support.centre import REPO_ROOT
from tests.support.server import PASSWORD, Api, RunningCentre, Token, serve_centre

DENIALS = {"unauthenticated", "forbidden", "not_your_counter"}
"""The answers that mean "not for you" (a wrong password is a 401 too, but not a denial)."""
README = REPO_ROOT / "README.md"
COLUMNS = [
    "anyone", "kiosk", "display", "display@1", "device", "device@1", "staff@1", "supervisor",
    "admin", "partner", "volunteer", "assistant",
]  # fmt: skip
ALLOWED, REFUSED, OWN = "✓", "—", "own"
"""A cell: allowed on every counter, refused, or allowed on its own counter (1) only."""


def readme_table(marker: str) -> dict[str, dict[str, str]]:
    """The markdown table after `<!-- access:<marker> -->` in the README: row -> column ->
    cell.  The README is the promise; this test holds the server to it."""
    lines = README.read_text(encoding="utf-8").split(f"<!-- access:{marker} -->", 1)[1]
    rows = lines.strip().splitlines()
    table: dict[str, dict[str, str]] = {}
    head = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert head[1:] == COLUMNS, head
    for line in rows[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert all(c in (ALLOWED, REFUSED, OWN) for c in cells[1:]), line
        table[cells[0].strip("`")] = dict(zip(COLUMNS, cells[1:], strict=True))
    return table


MATRIX = {tuple(route.split(" ", 1)): row for route, row in readme_table("routes").items()}
VIEWS = {view.split("`")[0] or view.split("`")[1]: row for view, row in readme_table("ws").items()}


BODIES = {
    "/api/v1/tickets/{ticket}/priority": {"priority": "elderly"},
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
    assert served == set(MATRIX), "a route was added or removed: put it in the README's table"


TOKENS = {
    "kiosk": Token(Role.KIOSK),
    "display": Token(Role.DISPLAY),
    "display@1": Token(Role.DISPLAY, counter=1),
    "device": Token(Role.DEVICE),
    "device@1": Token(Role.DEVICE, counter=1),
    "partner": Token(Role.PARTNER),
    "assistant": Token(Role.ASSISTANT),
}
PEOPLE = {"lan": Role.STAFF, "giamsat": Role.SUPERVISOR, "admin": Role.ADMIN, "hoa": Role.VOLUNTEER}
LOGINS = {
    "staff@1": ("lan", 1),
    "supervisor": ("giamsat", None),
    "admin": ("admin", None),
    "volunteer": ("hoa", None),
}
SECURITY = {
    "kiosk_tickets_per_minute": 6000.0,
    "kiosk_ticket_burst": 1000,
    "status_burst": 1000,
    "login_burst": 1000,
}


@contextlib.asynccontextmanager
async def every_column(server: RunningCentre) -> AsyncIterator[dict[str, Api]]:
    """A client per column: anyone, each token, each person logged in where they work."""
    clients = {"anyone": Api(server.base)}
    clients |= {name: Api(server.base, server.tokens[name]) for name in TOKENS}
    clients |= {name: Api(server.base) for name in LOGINS}
    try:
        for name, (username, counter) in LOGINS.items():
            await clients[name].login(username, counter=counter)
        yield clients
    finally:
        for client in clients.values():
            await client.__aexit__()


def counter_cases(path: str, cell: str) -> list[tuple[int, bool]]:
    """(counter, allowed) to try: both counters for a counter's route, else once."""
    if "{counter}" not in path:
        assert cell != OWN, path
        return [(0, cell == ALLOWED)]
    return [(1, cell != REFUSED), (2, cell == ALLOWED)]


@pytest.mark.slow
async def test_every_endpoint_for_every_role(tmp_path: Path) -> None:
    async with (
        serve_centre(tmp_path, people=PEOPLE, tokens=TOKENS, security=SECURITY) as server,
        every_column(server) as clients,
    ):
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
        for name in COLUMNS:
            client = clients[name]
            for method, path in routes:
                for counter, expected in counter_cases(path, MATRIX[(method, path)][name]):
                    url = path.format(counter=counter, **values)
                    status, body = await client.request(method, url, BODIES.get(path))
                    code = (
                        body["error"]["code"] if isinstance(body, dict) and "error" in body else ""
                    )
                    allowed = code not in DENIALS
                    if allowed != expected:
                        wrong.append(f"{name:10} {method} {url}: {status} {body}")
                    elif not allowed:
                        assert status == (401 if name == "anyone" else 403), (name, url, status)
        assert not wrong, "\n" + "\n".join(wrong)


HELLO_ROLES = {"kiosk": "kiosk", "display": "display", "device": "device", "staff": "staff"}


async def open_view(
    server: RunningCentre, client: Api, name: str, view: str, counter: int, code: str
) -> tuple[bool, str]:
    """Say hello for `view` at `counter` as `name`: (welcomed, the refusal's reason)."""
    hello: dict[str, object] = {"type": "hello", "protocol": 1}
    headers = {}
    if view == "citizen":
        hello |= {"role": "citizen", "tracking_code": code}
    else:
        role = name.split("@")[0]
        hello |= {"role": "display" if role == "anyone" else role, "view": view}
        hello |= {"counters": [counter]} if view == "hall" else {"counter": counter}
        if client.token:
            hello["token"] = client.token
        cookies = client.session.cookie_jar.filter_cookies(URL(server.base))
        if "qs_session" in cookies:
            headers["Cookie"] = f"qs_session={cookies['qs_session'].value}"
    async with connect(server.ws_url, additional_headers=headers) as ws:
        await ws.send(json.dumps(hello))
        try:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
        except ConnectionClosed as closed:
            refusal = closed.rcvd
        else:
            assert reply["type"] == "welcome", reply
            return True, ""
        assert refusal is not None and refusal.code in (4400, 4401, 4403), refusal
        return False, refusal.reason


@pytest.mark.slow
async def test_every_ws_view_for_every_role(tmp_path: Path) -> None:
    async with (
        serve_centre(tmp_path, people=PEOPLE, tokens=TOKENS, security=SECURITY) as server,
        every_column(server) as clients,
    ):
        _, ticket = await clients["kiosk"].post("/api/v1/tickets", {"service": "HT"})
        wrong: list[str] = []
        for view, row in VIEWS.items():
            for name in COLUMNS:
                for counter, expected in [(1, row[name] != REFUSED), (2, row[name] == ALLOWED)]:
                    welcomed, reason = await open_view(
                        server, clients[name], name, view, counter, ticket["tracking_code"]
                    )
                    if welcomed != expected:
                        wrong.append(f"{name:10} {view} at {counter}: {welcomed} {reason}")
                    elif not welcomed:
                        assert reason, (name, view, counter)  # a refusal says why
        assert not wrong, "\n" + "\n".join(wrong)


async def test_staff_limited_to_some_counters_log_in_only_there(tmp_path: Path) -> None:
    async with serve_centre(tmp_path) as server:
        server.centre.accounts.add_user("mai", PASSWORD, Role.STAFF, "Mai", counters=[1, 2])
        async with Api(server.base) as mai:
            status, body = await mai.request(
                "POST", "/api/v1/login", {"username": "mai", "password": PASSWORD, "counter": 3}
            )
            assert status == 403 and body["error"]["code"] == "not_your_counter", body
            assert "1, 2" in body["error"]["message"]
            await mai.login("mai", counter=2)
            status, _ = await mai.request("POST", "/api/v1/counters/2/open")
            assert status == 200
        async with Api(server.base) as admin_api:
            server.centre.accounts.add_user("boss", PASSWORD, Role.ADMIN)
            await admin_api.login("boss")
            status, body = await admin_api.request(
                "POST",
                "/api/v1/users",
                {"username": "hoa", "password": "a long enough password", "counters": [3]},
            )
            assert status == 201 and body["user"]["counters"] == [3], body
            status, body = await admin_api.request(
                "POST",
                "/api/v1/users",
                {"username": "hung", "password": "a long enough password", "counters": [99]},
            )
            assert status == 404, body
