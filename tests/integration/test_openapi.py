"""The OpenAPI document validates, and it describes exactly what is served."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # comes with openapi-spec-validator
from openapi_spec_validator import validate

from queue_server.accounts import Role
from queue_server.web.routes import PAGES_TAG, ROUTES
from tests.support.server import Api, Token, serve_centre

CONCRETE = {
    "counter": "1",
    "ticket": "1",
    "code": "no-such-code",
    "lang": "vi",
    "call": "A001-1",
    "name": "no-such-token",
    "id": "1",
}
PAGES = {(r.method, r.path) for r in ROUTES if r.tag == PAGES_TAG}
"""The rule: routes tagged "pages" (HTML, scripts, styles) are served but not in the API document."""


async def test_document_validates_and_matches_the_router(tmp_path: Path) -> None:
    async with (
        serve_centre(tmp_path, people={"admin": Role.ADMIN}) as server,
        Api(server.base) as admin,
    ):
        status, doc = await admin.get("/api/v1/openapi.json")
        assert status == 200
        validate(doc)

        documented = {
            (method.upper(), path) for path, ops in doc["paths"].items() for method in ops
        }
        served = set()
        for route in server.app.router.routes():
            if route.method == "HEAD":
                continue
            info = route.resource.get_info() if route.resource else {}
            path = info.get("path") or info.get("formatter", "")
            served.add((route.method, re.sub(r"{(\w+):[^}]+}", r"{\1}", path)))
        assert served >= PAGES and not PAGES & documented
        assert documented == served - PAGES

        await admin.login("admin")
        for method, path in sorted(documented):
            if path == "/ws":
                continue
            url = re.sub(r"{(\w+)}", lambda m: CONCRETE[m.group(1)], path)
            got, body = await admin.request(method, url)
            route_missing = got == 405 or (got == 404 and body["error"]["code"] == "not_found")
            assert not route_missing, f"{method} {path} is documented but not served ({got})"
            documented_statuses = doc["paths"][path][method.lower()]["responses"]
            assert str(got) in documented_statuses, f"{method} {url} answered {got}, not documented"
            conforms(doc, documented_statuses[str(got)], body)


def conforms(doc: dict[str, Any], response: dict[str, Any], body: Any) -> None:
    """The body matches the schema the document gives for its status (if it gives one)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is not None and body is not None:
        jsonschema.validate(body, {**schema, "components": doc["components"]})


async def test_the_views_answer_as_their_derived_schemas_say(tmp_path: Path) -> None:
    """The schemas of tickets, counters and the state come from the view structs: the
    answers of a ticket's day (issued, called, followed, listed) conform to them."""
    async with (
        serve_centre(
            tmp_path, people={"admin": Role.ADMIN}, tokens={"kiosk": Token(Role.KIOSK)}
        ) as server,
        Api(server.base, server.tokens["kiosk"]) as kiosk,
        Api(server.base) as admin,
    ):
        await admin.login("admin")
        status, doc = await admin.get("/api/v1/openapi.json")
        assert status == 200
        paths = doc["paths"]

        async def answer(api: Api, method: str, url: str, path: str, body: Any = None) -> Any:
            got, answer = await api.request(method, url, body)
            conforms(doc, paths[path][method.lower()]["responses"][str(got)], answer)
            assert got in (200, 201), (url, got, answer)
            return answer

        issued = await answer(
            kiosk, "POST", "/api/v1/tickets", "/api/v1/tickets", {"service": "HT"}
        )
        assert issued["print"]["status"] == "none" and issued["status"] == "waiting"
        await answer(admin, "POST", "/api/v1/counters/1/open", "/api/v1/counters/{counter}/open")
        called = await answer(
            admin, "POST", "/api/v1/counters/1/next", "/api/v1/counters/{counter}/next"
        )
        assert called["ticket"]["number"] == issued["number"]
        code = issued["tracking_code"]
        followed = await answer(admin, "GET", f"/api/v1/tickets/{code}", "/api/v1/tickets/{code}")
        assert followed["status"] == "called" and followed["counter"] == 1
        state = await answer(admin, "GET", "/api/v1/state", "/api/v1/state")
        assert state["counters"][0]["current"]["number"] == issued["number"]
        await answer(admin, "GET", "/api/v1/counters", "/api/v1/counters")
        await answer(admin, "GET", "/api/v1/services", "/api/v1/services")
        found = await answer(
            admin, "GET", "/api/v1/services/search?q=so+do", "/api/v1/services/search"
        )
        assert found["results"][0]["procedure"]["papers"]


BROKEN_BODIES = [
    ("/api/v1/tickets", {"service": "H" * 17}, ("IssueBody", "service", "pattern")),
    ("/api/v1/tickets", {"service": "HT", "lang": "../x"}, ("IssueBody", "lang", "pattern")),
    ("/api/v1/counters/1/transfer", {"counter": -1}, ("TransferBody", "counter", "minimum")),
    ("/api/v1/counters/1/next", {"current": 0}, ("NextBody", "current", "minimum")),
    ("/api/v1/login", {"username": "", "password": "x"}, ("LoginBody", "username", "minLength")),
    (
        "/api/v1/login",
        {"username": "a", "password": "x" * 1025},
        ("LoginBody", "password", "maxLength"),
    ),
    (
        "/api/v1/users",
        {"username": "a", "password": "long enough pw", "name": "n" * 101},
        ("UserBody", "name", "maxLength"),
    ),
    ("/api/v1/tokens", {"role": "kiosk", "name": ""}, ("TokenBody", "name", "minLength")),
    (
        "/api/v1/devices/rf/buttons",
        {"code": "XYZ123", "counter": 1, "key": "next"},
        ("RfButtonBody", "code", "pattern"),
    ),
    ("/api/v1/devices/rf/learn", {"timeout_s": 121}, ("LearnBody", "timeout_s", "maximum")),
    # Three, within one address's burst of bookings (the limit is counted first).
    (
        "/api/v1/appointments",
        {"service": "HT/..", "start": "2030-01-07T10:00", "phone": "0912345678"},
        ("BookingBody", "service", "pattern"),
    ),
    (
        "/api/v1/appointments",
        {"service": "HT", "start": "2030-01-07T10:00", "phone": "09" * 13},
        ("BookingBody", "phone", "maxLength"),
    ),
    (
        "/api/v1/appointments",
        {"service": "HT", "start": "x" * 41, "phone": "0912345678"},
        ("BookingBody", "start", "maxLength"),
    ),
]
"""Bodies that break one constraint; where the document states it (schema, field, keyword)."""


async def test_the_document_states_the_constraints_the_server_enforces(tmp_path: Path) -> None:
    async with (
        serve_centre(tmp_path, people={"admin": Role.ADMIN}) as server,
        Api(server.base) as admin,
    ):
        await admin.login("admin")
        status, doc = await admin.get("/api/v1/openapi.json")
        assert status == 200
        schemas = doc["components"]["schemas"]
        for path, body, stated in BROKEN_BODIES:
            got, answer = await admin.post(path, body)
            assert (got, answer["error"]["code"]) == (422, "invalid_body"), (path, body, answer)
            schema, field, keyword = stated
            declared = json.dumps(schemas[schema]["properties"][field])
            assert f'"{keyword}"' in declared, (schema, field, declared)
        for role_schema, roles in (("UserBody", Role.ADMIN), ("TokenBody", Role.KIOSK)):
            assert roles.value in schemas[role_schema]["properties"]["role"]["enum"]
        ticket = schemas["CallBody"]["properties"]["ticket"]["anyOf"]
        assert {"pattern", "maxLength"} <= set(ticket[0]) and ticket[1]["maximum"] == 999_999_999
        for documented_path, ops in doc["paths"].items():
            for op in ops.values():
                for parameter in op.get("parameters", []):
                    if parameter["in"] == "query" and parameter["name"] == "q":
                        assert parameter["schema"]["maxLength"] == 200, parameter
                        got, answer = await admin.get(f"{documented_path}?q={'x' * 201}")
                        assert (got, answer["error"]["code"]) == (422, "invalid_query")
                    if parameter["schema"]["type"] == "integer":
                        assert parameter["schema"]["maximum"] == 999_999_999, parameter
