"""Bad input gets a 4xx and the project's JSON error body, never a 500.

Sent over real TCP to a real server, byte for byte as a careless or hostile client
would: a body that is not UTF-8, credentials with bytes that are not UTF-8, ticket
numbers that only look like numbers.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from queue_server.accounts import Role
from tests.support.server import Api, RunningCentre, Token, serve_centre

TOKENS = {"kiosk": Token(Role.KIOSK), "admin": Token(Role.ADMIN)}


async def raw_request(
    server: RunningCentre, head: bytes, body: bytes = b""
) -> tuple[int, dict[str, Any]]:
    """One HTTP/1.1 request written as bytes; the status and the JSON body answered."""
    host, port = server.base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
        async with asyncio.timeout(5):
            answer = await reader.read()
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(payload)


def assert_json_error(status: int, body: dict[str, Any], expected: int) -> None:
    assert status == expected, body
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body


async def test_a_body_that_is_not_utf8_is_a_400(tmp_path: Path) -> None:
    async with serve_centre(tmp_path, tokens=TOKENS) as server:
        kiosk = server.tokens["kiosk"].encode()
        head = (
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + kiosk + b"\r\n"
        )
        status, body = await raw_request(server, head, b'{"service": "\xff\xfe"}')
        assert_json_error(status, body, 400)
        rating = b"POST /api/v1/tickets/abcdefgh12/rating HTTP/1.1\r\nHost: x\r\n"
        rating += b"Content-Type: application/json\r\n"
        status, body = await raw_request(server, rating, b'{"rating": "\xc3\x28"}')
        assert status in (400, 404), body  # the code is unknown, or the body is refused first
        assert "error" in body


async def test_credentials_that_are_not_utf8_are_refused_not_a_500(tmp_path: Path) -> None:
    async with serve_centre(tmp_path, tokens=TOKENS) as server:
        head = b"GET /api/v1/counters HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer qs_\xff\xfe\r\n"
        status, body = await raw_request(server, head)
        assert_json_error(status, body, 401)
        head = b"GET /api/v1/counters HTTP/1.1\r\nHost: x\r\nCookie: qs_session=\xff\xfe\xfd\r\n"
        status, body = await raw_request(server, head)
        assert_json_error(status, body, 401)


async def test_a_csrf_token_that_is_not_ascii_is_a_403(tmp_path: Path) -> None:
    async with (
        serve_centre(tmp_path, people={"lan": Role.STAFF}) as server,
        Api(server.base) as staff,
    ):
        await staff.login("lan", counter=1)
        staff.csrf = "\u00e9t\u00e9"  # not ASCII
        status, body = await staff.post("/api/v1/counters/1/open")
        assert_json_error(status, body, 403)


@pytest.mark.parametrize("ticket", ["²", "١٢", "9" * 5000, 10**30])
async def test_a_ticket_that_only_looks_like_a_number_is_a_4xx(
    tmp_path: Path, ticket: str | int
) -> None:
    async with serve_centre(tmp_path, tokens=TOKENS) as server:
        async with Api(server.base, server.tokens["admin"]) as admin:
            await admin.post("/api/v1/counters/1/open")
            status, body = await admin.post("/api/v1/counters/1/call", {"ticket": ticket})
        assert status in (404, 422), body
        assert_json_error(status, body, status)


async def test_a_wrong_method_says_which_are_allowed_and_head_answers_where_get_does(
    tmp_path: Path,
) -> None:
    async with serve_centre(tmp_path, tokens=TOKENS) as server, Api(server.base) as anyone:
        status, body = await anyone.request("DELETE", "/api/v1/services")
        assert_json_error(status, body, 405)
        async with anyone.session.delete(server.base + "/api/v1/services") as response:
            assert "GET" in response.headers.get("Allow", "")
        for path in ("/kiosk", "/api/v1/services", "/healthz"):
            async with anyone.session.head(server.base + path) as response:
                assert response.status == 200, path


async def test_head_on_every_route_is_never_a_500(tmp_path: Path) -> None:
    from queue_server.web.routes import ROUTES

    async with serve_centre(tmp_path, tokens=TOKENS) as server, Api(server.base) as anyone:
        for route in ROUTES:
            if route.method != "GET":
                continue
            path = route.path.replace("{counter}", "1").replace("{code}", "abcdefgh12")
            path = path.replace("{id}", "1").replace("{lang}", "vi").replace("{call}", "A001-1")
            async with anyone.session.head(server.base + path) as response:
                assert response.status < 500, (path, response.status)
