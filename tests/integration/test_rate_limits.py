"""Rate limits as a centre behind a reverse proxy meets them, over real HTTP and /ws:
each citizen has a bucket of their own behind a trusted proxy and cannot pick one by
writing the header; a password is not guessed from many addresses; tracking codes
cannot be found by trying them through the QR code or the live feed either."""

from __future__ import annotations

import json
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from queue_server.accounts import Role
from tests.support.server import PASSWORD, Api, RunningCentre, Token, serve_centre

SLOW_LOOKUPS = {"status_requests_per_minute": 0.001, "status_burst": 2}
"""Two lookups per client, then (for the length of a test) no more."""


async def lookups(api: Api, forwarded_for: str | None, code: str = "not-a-code-00") -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    statuses = []
    for _ in range(3):
        status, _ = await api.request("GET", f"/api/v1/tickets/{code}", headers=headers)
        statuses.append(status)
    return statuses


async def test_behind_a_trusted_proxy_each_citizen_has_a_bucket(tmp_path: Path) -> None:
    security = {**SLOW_LOOKUPS, "trusted_proxies": ["127.0.0.1"]}
    async with serve_centre(tmp_path, security=security) as server, Api(server.base) as api:
        assert await lookups(api, "198.51.100.1") == [404, 404, 429]
        assert await lookups(api, "198.51.100.2") == [404, 404, 429]  # another citizen
        # A client cannot choose its bucket: it can only add hops to the left.
        assert await lookups(api, "203.0.113.99, 198.51.100.1") == [429, 429, 429]


async def test_without_trusted_proxies_the_header_buys_nothing(tmp_path: Path) -> None:
    async with serve_centre(tmp_path, security=SLOW_LOOKUPS) as server, Api(server.base) as api:
        assert await lookups(api, "198.51.100.1") == [404, 404, 429]
        assert await lookups(api, "198.51.100.2") == [429, 429, 429]


async def test_wrong_passwords_for_one_account_back_off_from_any_address(tmp_path: Path) -> None:
    security = {
        "trusted_proxies": ["127.0.0.1"],
        "login_burst": 1000,
        "login_failures_before_backoff": 3,
        "login_backoff_max_s": 600.0,
    }
    async with (
        serve_centre(tmp_path, people={"lan": Role.STAFF}, security=security) as server,
        Api(server.base) as api,
    ):
        for n in range(3):  # a botnet: every try from another address
            status, body = await api.request(
                "POST",
                "/api/v1/login",
                {"username": "lan", "password": f"guess {n}", "counter": 1},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            assert status == 401, body
        status, body = await api.request(
            "POST",
            "/api/v1/login",
            {"username": "lan", "password": PASSWORD, "counter": 1},
            headers={"X-Forwarded-For": "198.51.100.77"},
        )
        assert status == 429 and body["error"]["code"] == "too_many_requests", body
        assert "wrong passwords for this account" in body["error"]["message"]
        status, _ = await api.request(
            "POST", "/api/v1/login", {"username": "mai", "password": "x", "counter": 1}
        )
        assert status == 401  # another account is not slowed


async def test_qr_codes_are_rate_limited_like_the_status(tmp_path: Path) -> None:
    tokens = {"kiosk": Token(Role.KIOSK)}
    async with (
        serve_centre(tmp_path, tokens=tokens, security=SLOW_LOOKUPS) as server,
        Api(server.base, server.tokens["kiosk"]) as kiosk,
        Api(server.base) as anyone,
    ):
        _, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        statuses = []
        for code in (ticket["tracking_code"], "AAAAAAAAAAAA", "BBBBBBBBBBBB"):
            status, _ = await anyone.request("GET", f"/s/{code}/qr.svg")
            statuses.append(status)
        assert statuses == [200, 404, 429]


async def citizen_hello(server: RunningCentre, code: str) -> int | None:
    """The close code of a citizen's hello, or None when it was welcomed."""
    async with connect(server.ws_url) as ws:
        await ws.send(
            json.dumps({"type": "hello", "protocol": 1, "role": "citizen", "tracking_code": code})
        )
        try:
            reply = json.loads(await ws.recv())
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else -1
        assert reply["type"] == "welcome", reply
        return None


async def test_the_live_feed_counts_lookups_with_the_status(tmp_path: Path) -> None:
    tokens = {"kiosk": Token(Role.KIOSK)}
    async with (
        serve_centre(tmp_path, tokens=tokens, security=SLOW_LOOKUPS) as server,
        Api(server.base, server.tokens["kiosk"]) as kiosk,
        Api(server.base) as anyone,
    ):
        _, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert await citizen_hello(server, ticket["tracking_code"]) is None
        assert await citizen_hello(server, "AAAAAAAAAAAA") == 4404
        assert await citizen_hello(server, ticket["tracking_code"]) == 4429
        status, _ = await anyone.request("GET", f"/api/v1/tickets/{ticket['tracking_code']}")
        assert status == 429  # one bucket for both
