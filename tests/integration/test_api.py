"""The HTTP API over real TCP: tickets, counters, sessions, errors, limits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
import pytest

from queue_server.accounts import Role
from tests.support.centre import example_config
from tests.support.server import Api, RunningCentre, Token, serve_centre

PEOPLE = {"lan": Role.STAFF, "hung": Role.STAFF, "giamsat": Role.SUPERVISOR, "admin": Role.ADMIN}
TOKENS = {
    "kiosk-1": Token(Role.KIOSK),
    "hall": Token(Role.DISPLAY),
    "keypad-3": Token(Role.DEVICE, counter=3),
}


@pytest.fixture
async def server(tmp_path: Path) -> RunningCentre:  # type: ignore[misc]
    async with serve_centre(tmp_path, people=PEOPLE, tokens=TOKENS) as running:
        yield running


async def test_issue_a_ticket_and_follow_it(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk, Api(server.base) as phone:
        status, first = await kiosk.post("/api/v1/tickets", {"service": "CT", "lang": "vi"})
        assert status == 201, first
        status, second = await kiosk.post(
            "/api/v1/tickets", {"service": "CT", "priority": "elderly", "lang": "ar"}
        )
        assert status == 201
        assert first["number"] == "B001" and second["number"] == "B002"
        assert {
            "id",
            "number",
            "service",
            "priority",
            "status",
            "position",
            "estimated_wait_s",
            "tracking_code",
            "issued_at",
        } <= set(first)
        assert first["status"] == "waiting"
        assert first["position"] == 0
        assert second["priority"] == "elderly"
        assert second["position"] == 0  # the priority lane goes first
        assert first["issued_at"].endswith("+07:00")
        assert (
            len(first["tracking_code"]) >= 16 and first["tracking_code"] != second["tracking_code"]
        )

        status, seen = await phone.get(f"/api/v1/tickets/{first['tracking_code']}")
        assert status == 200
        assert seen["number"] == "B001"
        assert seen["position"] == 1  # the elderly citizen is now ahead
        assert "tracking_code" not in seen and "id" not in seen  # nothing beyond the ticket itself
        status, body = await phone.get("/api/v1/tickets/not-a-real-code")
        assert status == 404 and body["error"]["code"] == "unknown_ticket"


async def test_a_ticket_is_answered_only_once_committed(server: RunningCentre) -> None:
    reader = sqlite3.connect(server.centre.log.path)
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk:
        for _ in range(5):
            status, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
            assert status == 201
            rows = reader.execute(
                "SELECT count(*) FROM events WHERE type='TicketIssued' AND CAST(body AS TEXT) LIKE ?",
                (f"%{ticket['tracking_code']}%",),
            ).fetchone()[0]
            assert rows == 1
    reader.close()


async def test_staff_work_their_counter(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk, Api(server.base) as staff:
        for service in ("HT", "HT", "CT"):
            await kiosk.post("/api/v1/tickets", {"service": service})
        who = await staff.login("lan", counter=1)
        assert who["role"] == "staff" and who["counter"] == 1
        status, body = await staff.post("/api/v1/counters/1/next")
        assert status == 409 and body["error"]["code"] == "counter_closed"
        assert (await staff.post("/api/v1/counters/1/open"))[0] == 200
        status, called = await staff.post("/api/v1/counters/1/next")
        assert status == 200, called
        assert called["ticket"]["number"] == "A001"
        assert called["counter"]["current"]["status"] == "called"
        status, body = await staff.post("/api/v1/counters/1/recall")
        assert status == 200 and body["ticket"]["recalls"] == 1
        assert (await staff.post("/api/v1/counters/1/start"))[1]["ticket"]["status"] == "serving"
        status, body = await staff.request("POST", "/api/v1/counters/1/transfer", {"service": "CT"})
        assert status == 200 and body["ticket"] is None
        status, body = await staff.request("POST", "/api/v1/counters/1/call", {"ticket": "B001"})
        assert status == 200 and body["ticket"]["number"] == "B001"
        assert (await staff.post("/api/v1/counters/1/no-show"))[0] == 200
        # Counter 1 serves HT before CT: A002, then A001 which was moved to the CT line.
        assert (await staff.post("/api/v1/counters/1/next"))[1]["ticket"]["number"] == "A002"
        assert (await staff.post("/api/v1/counters/1/next"))[1]["ticket"]["number"] == "A001"
        assert (await staff.post("/api/v1/counters/1/done"))[0] == 200
        status, body = await staff.post("/api/v1/counters/1/next")
        assert status == 204 and body == ""
        # NEXT naming the ticket the console showed: a second press naming it too is
        # refused, so nobody is skipped; a body that is not that shape is a 422.
        for service in ("HT", "HT"):
            await kiosk.post("/api/v1/tickets", {"service": service})
        status, called = await staff.post("/api/v1/counters/1/next", {"current": None})
        assert status == 200, called
        status, body = await staff.post("/api/v1/counters/1/next", {"current": None})
        assert status == 409 and body["error"]["code"] == "current_changed", body
        seen = {"current": called["ticket"]["id"]}
        assert (await staff.post("/api/v1/counters/1/next", seen))[0] == 200
        status, body = await staff.post("/api/v1/counters/1/next", {"current": "A003"})
        assert status == 422 and body["error"]["code"] == "invalid_body", body
        assert (await staff.post("/api/v1/counters/1/done"))[0] == 200
        assert (await staff.post("/api/v1/counters/1/pause"))[1]["counter"]["status"] == "paused"
        assert (await staff.post("/api/v1/counters/1/resume"))[1]["counter"]["status"] == "open"

        status, body = await staff.post("/api/v1/counters/2/open")
        assert status == 403 and body["error"]["code"] == "not_your_counter"

        status, state = await staff.get("/api/v1/state")
        assert status == 200 and state["seq"] == server.centre.log.last_seq


async def test_cookie_requests_need_the_csrf_token(server: RunningCentre) -> None:
    async with Api(server.base) as staff:
        await staff.login("lan", counter=1)
        csrf, staff.csrf = staff.csrf, None
        status, body = await staff.post("/api/v1/counters/1/open")
        assert status == 403 and body["error"]["code"] == "csrf_failed"
        staff.csrf = "forged"
        assert (await staff.post("/api/v1/counters/1/open"))[0] == 403
        staff.csrf = csrf
        assert (await staff.post("/api/v1/counters/1/open"))[0] == 200
        assert server.centre.engine.counter(1).status.value == "open"
        status, session = await staff.get("/api/v1/session")
        assert status == 200 and session["csrf_token"] == csrf
        assert (await staff.post("/api/v1/logout"))[0] == 204
        status, _ = await staff.post("/api/v1/counters/1/pause")
        assert status == 401


async def test_session_cookie_is_httponly_and_strict(server: RunningCentre) -> None:
    async with Api(server.base) as staff:
        async with staff.session.post(
            server.base + "/api/v1/login",
            json={"username": "lan", "password": "correct horse battery staple", "counter": 2},
        ) as response:
            cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie


async def test_login_failures(server: RunningCentre) -> None:
    async with Api(server.base) as someone:
        status, body = await someone.post(
            "/api/v1/login", {"username": "lan", "password": "wrong password!", "counter": 1}
        )
        assert status == 401 and body["error"]["code"] == "bad_credentials"
        status, body = await someone.post(
            "/api/v1/login", {"username": "nobody", "password": "whatever123", "counter": 1}
        )
        assert status == 401 and body["error"]["code"] == "bad_credentials"
        status, body = await someone.post(
            "/api/v1/login", {"username": "lan", "password": "correct horse battery staple"}
        )
        assert status == 422 and body["error"]["code"] == "counter_required"
        status, body = await someone.post(
            "/api/v1/login",
            {"username": "lan", "password": "correct horse battery staple", "counter": 99},
        )
        assert status == 404 and body["error"]["code"] == "unknown_counter"


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b'{"service": 12}', "application/json", 422, "invalid_body"),
        (b'{"service": "HT", "colour": "red"}', "application/json", 422, "invalid_body"),
        (b"[]", "application/json", 422, "invalid_body"),
        (b'{"priority": "elderly"}', "application/json", 422, "invalid_body"),
        (b"service=HT", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (
            b'{"service": "HT", "pad": "' + b"x" * 20_000 + b'"}',
            "application/json",
            413,
            "body_too_large",
        ),
        (b'{"service": "ZZ"}', "application/json", 404, "unknown_service"),
        (
            b'{"service": "HT", "priority": "vip"}',
            "application/json",
            422,
            "unknown_priority_class",
        ),
        (b'{"service": "HT", "lang": "fr"}', "application/json", 422, "unknown_language"),
    ],
)
async def test_bad_tickets_are_refused_clearly_and_change_nothing(
    server: RunningCentre, raw: bytes, content_type: str, status: int, code: str
) -> None:
    before = server.centre.log.last_seq
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk:
        got, body = await kiosk.request(
            "POST", "/api/v1/tickets", raw=raw, content_type=content_type
        )
    assert (got, body["error"]["code"]) == (status, code), body
    assert body["error"]["message"]
    assert server.centre.log.last_seq == before


async def test_bad_counter_requests(server: RunningCentre) -> None:
    async with Api(server.base) as admin:
        await admin.login("admin")
        cases = [
            ("/api/v1/counters/99/open", None, 404, "unknown_counter"),
            ("/api/v1/counters/abc/open", None, 404, "not_found"),
            ("/api/v1/counters/1/next", None, 409, "counter_closed"),
            ("/api/v1/counters/1/recall", None, 409, "no_current_ticket"),
            (
                "/api/v1/counters/1/transfer",
                {"service": "HT", "counter": 2},
                422,
                "invalid_transfer",
            ),
            ("/api/v1/counters/1/call", {"ticket": True}, 422, "invalid_body"),
            ("/api/v1/counters/1/call", {"ticket": "Z999"}, 404, "unknown_ticket"),
            ("/api/v1/nothing-here", None, 404, "not_found"),
        ]
        before = server.centre.log.last_seq
        for path, body, status, code in cases:
            got, answer = await admin.post(path, body)
            assert (got, answer["error"]["code"]) == (status, code), (path, answer)
        assert server.centre.log.last_seq == before
        got, answer = await admin.request("DELETE", "/api/v1/tickets")
        assert got == 405 and answer["error"]["code"] == "method_not_allowed"


async def test_transfer_to_itself_is_refused(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk, Api(server.base) as staff:
        await kiosk.post("/api/v1/tickets", {"service": "HT"})
        await staff.login("lan", counter=1)
        await staff.post("/api/v1/counters/1/open")
        await staff.post("/api/v1/counters/1/next")
        before = server.centre.log.last_seq
        status, body = await staff.post("/api/v1/counters/1/transfer", {"service": "HT"})
        assert status == 422 and body["error"]["code"] == "transfer_to_self"
        status, body = await staff.post("/api/v1/counters/1/transfer", {"counter": 1})
        assert status == 422 and body["error"]["code"] == "transfer_to_self"
        assert server.centre.log.last_seq == before


async def test_kiosk_issuance_is_rate_limited_per_token(tmp_path: Path) -> None:
    tokens = {"kiosk-a": Token(Role.KIOSK), "kiosk-b": Token(Role.KIOSK)}
    security = {"kiosk_tickets_per_minute": 1.0, "kiosk_ticket_burst": 3}
    async with (
        serve_centre(tmp_path, tokens=tokens, security=security) as server,
        Api(server.base, server.tokens["kiosk-a"]) as a,
        Api(server.base, server.tokens["kiosk-b"]) as b,
    ):
        statuses = [(await a.post("/api/v1/tickets", {"service": "HT"}))[0] for _ in range(4)]
        assert statuses == [201, 201, 201, 429]
        async with a.session.post(
            server.base + "/api/v1/tickets",
            json={"service": "HT"},
            headers={"Authorization": f"Bearer {a.token}"},
        ) as response:
            assert response.status == 429
            assert int(response.headers["Retry-After"]) >= 1
        assert (await b.post("/api/v1/tickets", {"service": "HT"}))[0] == 201


@pytest.mark.parametrize(("per_minute", "told"), [(600.0, 1), (50.0, 2)])
async def test_a_refused_kiosk_is_told_a_wait_rounded_up(
    tmp_path: Path, per_minute: float, told: int
) -> None:
    """A token comes back every 0.1 s (600 a minute) or 1.2 s (50): the kiosk is told to
    wait 1 s or 2 s, never "0 s" (it would retry at once and be refused again)."""
    tokens = {"kiosk-a": Token(Role.KIOSK)}
    security = {"kiosk_tickets_per_minute": per_minute, "kiosk_ticket_burst": 1}
    async with (
        serve_centre(tmp_path, tokens=tokens, security=security) as server,
        Api(server.base, server.tokens["kiosk-a"]) as kiosk,
    ):
        assert (await kiosk.post("/api/v1/tickets", {"service": "HT"}))[0] == 201
        async with kiosk.session.post(
            server.base + "/api/v1/tickets",
            json={"service": "HT"},
            headers={"Authorization": f"Bearer {kiosk.token}"},
        ) as response:
            body = await response.json()
            assert response.status == 429
            assert response.headers["Retry-After"] == str(told)
            assert body["error"]["message"].endswith(f"try again in {told} s")


async def test_public_status_is_rate_limited_per_address(tmp_path: Path) -> None:
    security = {"status_requests_per_minute": 1.0, "status_burst": 5}
    async with serve_centre(tmp_path, security=security) as server, Api(server.base) as phone:
        statuses = [(await phone.get("/api/v1/tickets/unknown"))[0] for _ in range(6)]
        assert statuses == [404] * 5 + [429]


async def test_revoked_token_stops_working(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk:
        assert (await kiosk.post("/api/v1/tickets", {"service": "HT"}))[0] == 201
        server.centre.accounts.revoke_token("kiosk-1")
        status, body = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert status == 401 and body["error"]["code"] == "invalid_token"


async def test_metrics(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk, Api(server.base) as admin:
        await kiosk.post("/api/v1/tickets", {"service": "DD"})
        await kiosk.post("/api/v1/tickets", {"service": "DD", "priority": "disabled"})
        await admin.login("admin")
        await admin.post("/api/v1/counters/5/open")
        await admin.post("/api/v1/counters/5/next")
        status, text = await admin.get("/metrics")
    assert status == 200
    assert 'queue_tickets_issued_total{service="DD"} 2.0' in text
    assert 'queue_waiting_tickets{lane="normal",service="DD"} 1.0' in text
    assert "queue_call_latency_seconds_count 1.0" in text
    assert 'queue_counters{status="open"} 1.0' in text
    assert "queue_websocket_clients" in text


async def test_a_log_that_cannot_be_written_turns_health_red(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk:
        assert (await kiosk.get("/healthz"))[1]["status"] == "ok"
        server.centre.log._db.execute("PRAGMA busy_timeout=50")
        other = sqlite3.connect(server.centre.log.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the log: the commit fails
        status, body = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        other.execute("ROLLBACK")
        other.close()
        assert status == 503
        assert body["error"]["code"] == "store_unavailable"
        status, health = await kiosk.get("/healthz")
        assert status == 503
        assert health["status"] == "failed"
        assert "could not commit" in health["error"]
        status, body = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert status == 503  # refused until the server restarts from its log


async def test_only_a_supervisor_may_send_a_ticket_where_no_counter_is_open(
    server: RunningCentre,
) -> None:
    async with (
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
        Api(server.base) as staff,
        Api(server.base) as supervisor,
    ):
        await kiosk.post("/api/v1/tickets", {"service": "HT"})
        await staff.login("lan", counter=1)
        await staff.post("/api/v1/counters/1/open")
        await staff.post("/api/v1/counters/1/next")
        status, body = await staff.post("/api/v1/counters/1/transfer", {"counter": 3})
        assert (status, body["error"]["code"]) == (409, "nobody_there_to_call")
        status, body = await staff.post(
            "/api/v1/counters/1/transfer", {"counter": 3, "insist": True}
        )
        assert (status, body["error"]["code"]) == (403, "forbidden")
        await supervisor.login("giamsat")
        status, body = await supervisor.post(
            "/api/v1/counters/1/transfer", {"counter": 3, "insist": True}
        )
        assert status == 200 and body["ticket"] is None, body


async def test_a_class_checked_at_the_desk_is_given_there_not_at_the_kiosk(
    server: RunningCentre,
) -> None:
    """The example centre checks "merit" (a card) at the reception desk."""
    async with Api(server.base, server.tokens["kiosk-1"]) as kiosk, Api(server.base) as desk:
        status, body = await kiosk.post("/api/v1/tickets", {"service": "HT", "priority": "merit"})
        assert (status, body["error"]["code"]) == (403, "priority_at_desk"), body
        status, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert status == 201 and ticket["priority"] is None
        await desk.login("lan", counter=1)
        status, body = await desk.post(
            f"/api/v1/tickets/{ticket['id']}/priority", {"priority": "merit"}
        )
        assert status == 200 and body["ticket"]["priority"] == "merit", body
        status, seen = await desk.get(f"/api/v1/tickets/{ticket['tracking_code']}")
        assert seen["priority"] == "merit"
        status, body = await desk.post(
            f"/api/v1/tickets/{ticket['id']}/priority", {"priority": "veteran"}
        )
        assert (status, body["error"]["code"]) == (422, "unknown_priority_class")
        status, centre = await desk.get("/api/v1/centre")
        classes = {p["code"]: p["at_desk"] for p in centre["priority_classes"]}
        assert classes["merit"] is True and classes["elderly"] is False


async def test_a_centre_may_refuse_tickets_for_a_service_nobody_serves_now(
    tmp_path: Path,
) -> None:
    config = example_config(tmp_path / "centre.sqlite3")
    queue = msgspec.structs.replace(config.queue, without_open_counter="refuse")
    config = msgspec.structs.replace(config, queue=queue)
    tokens = {"kiosk": Token(Role.KIOSK)}
    async with (
        serve_centre(tmp_path, config=config, tokens=tokens, people={"lan": Role.STAFF}) as server,
        Api(server.base, server.tokens["kiosk"]) as kiosk,
        Api(server.base) as staff,
    ):
        status, body = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert (status, body["error"]["code"]) == (409, "no_open_counter"), body
        assert "reception desk" in body["error"]["message"]
        await staff.login("lan", counter=1)
        assert (await staff.post("/api/v1/counters/1/open"))[0] == 200
        status, body = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert status == 201, body
        status, centre = await kiosk.get("/api/v1/centre")
        assert centre["queue"]["without_open_counter"] == "refuse"
