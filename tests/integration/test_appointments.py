"""Queue numbers booked ahead, over real HTTP against a real server and its SQLite files.

The dispatcher's clock is set to a Monday morning of the test's choosing (in the
future: the clock never runs behind the log's last event), so slots are the same
whatever day the tests run on.  The example centre's hours: weekdays 07:30-12:00 and
13:00-17:00, Saturday 07:30-11:30, Hanoi time.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from websockets.asyncio.client import connect

from queue_server.accounts import Role
from queue_server.engine.events import AppointmentBooked, AppointmentDataDropped
from tests.support.centre import example_config
from tests.support.devices import until
from tests.support.server import PASSWORD, Api, RunningCentre, Token, serve_centre

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_8AM = datetime(2030, 1, 7, 8, 0, tzinfo=HANOI)
TEN = "2030-01-07T10:00:00+07:00"
NO_LIMITS = {
    "bookings_per_minute": 1e9,
    "booking_burst": 1_000_000,
    "status_requests_per_minute": 1e9,
    "status_burst": 1_000_000,
    "kiosk_tickets_per_minute": 1e9,
    "kiosk_ticket_burst": 1_000_000,
}


def phone(n: int) -> str:
    return f"09{n:08d}"


@asynccontextmanager
async def serve(
    tmp_path: Path, security: dict[str, Any] | None = None, **rules: Any
) -> AsyncIterator[RunningCentre]:
    config = example_config(tmp_path / "centre.sqlite3")
    booking = msgspec.structs.replace(config.appointments, enabled=True, **rules)
    config = msgspec.structs.replace(config, appointments=booking)
    tokens = {
        "kiosk-1": Token(Role.KIOSK),
        "partner-1": Token(Role.PARTNER),
        "display-1": Token(Role.DISPLAY),
    }
    people = {"lan": Role.STAFF}
    async with serve_centre(
        tmp_path, config=config, tokens=tokens, people=people, security=security or NO_LIMITS
    ) as server:
        server.centre.dispatcher._clock = lambda: MONDAY_8AM.timestamp()
        await server.centre.dispatcher.housekeep()
        yield server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningCentre]:
    async with serve(tmp_path) as running:
        yield running


def booked_in_log(server: RunningCentre) -> list[AppointmentBooked]:
    return [e for _, e in server.centre.log.read(0) if isinstance(e, AppointmentBooked)]


# ---------------------------------------------------------------------- booking


async def test_a_booking_over_http(server: RunningCentre) -> None:
    async with Api(server.base) as citizen:
        status, slots = await citizen.get("/api/v1/appointments/slots?service=HT&date=2030-01-07")
        assert status == 200, slots
        ten = next(s for s in slots["slots"] if s["start"] == TEN)
        assert ten == {"start": TEN, "end": "2030-01-07T10:30:00+07:00", "capacity": 2, "free": 2}
        assert slots["slots"][0]["free"] == 0, "07:30 is within the 30 minutes' cutoff"
        status, booked = await citizen.post(
            "/api/v1/appointments",
            {"service": "HT", "start": TEN, "phone": "+84 912 345 123", "lang": "vi"},
        )
        assert status == 201, booked
        code = booked["code"]
        assert len(code) == 9 and code[4] == "-"
        assert not set(code.replace("-", "")) & set("01OI")
        assert booked["status_url"].endswith(f"/a/{code}")
        assert booked["phone"] == "09xx xxx 123"
        assert (booked["start"], booked["status"]) == (TEN, "booked")
        status, again = await citizen.get(f"/api/v1/appointments/{code.lower()}")
        assert (status, again) == (200, booked)
        status, ics = await citizen.get(booked["ics_url"].split(server.base)[1])
        assert status == 200
        assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
        assert "DTSTART:20300107T030000Z\r\n" in ics
        assert f"UID:{code.replace('-', '')}@" in ics
        status, slots = await citizen.get("/api/v1/appointments/slots?service=HT&date=2030-01-07")
        assert next(s for s in slots["slots"] if s["start"] == TEN)["free"] == 1
        status, centre = await citizen.get("/api/v1/centre")
        assert centre["appointments"]["enabled"] is True
        assert centre["appointments"]["places"]["HT"] == 2
    (event,) = booked_in_log(server)
    assert "912345123" not in msgspec.json.encode(event).decode(), (
        "the number never reaches the log"
    )
    assert event.masked_phone == "09xx xxx 123"


async def test_500_citizens_race_for_ten_places(tmp_path: Path) -> None:
    async with serve(tmp_path, per_service={"CT": 10}, max_share=1.0) as server:
        async with Api(server.base) as citizen:
            body = {"service": "CT", "start": TEN, "lang": "vi"}
            answers = await asyncio.gather(
                *(
                    citizen.post("/api/v1/appointments", {**body, "phone": phone(n)})
                    for n in range(500)
                )
            )
        statuses = sorted(status for status, _ in answers)
        assert statuses == [201] * 10 + [409] * 490
        assert {b["error"]["code"] for s, b in answers if s == 409} == {"slot_full"}
        assert len(booked_in_log(server)) == 10
        assert len({b["code"] for s, b in answers if s == 201}) == 10


async def test_one_phone_racing_for_five_slots_gets_two(server: RunningCentre) -> None:
    async with Api(server.base) as citizen:
        answers = await asyncio.gather(
            *(
                citizen.post(
                    "/api/v1/appointments", {"service": s, "start": TEN, "phone": "0912345678"}
                )
                for s in ("HT", "CT", "DD", "KD", "CU")
            )
        )
    assert sorted(status for status, _ in answers) == [201, 201, 409, 409, 409]
    assert {b["error"]["code"] for s, b in answers if s == 409} == {"quota_exceeded"}
    assert len(booked_in_log(server)) == 2


async def test_a_partner_token_books_and_is_limited_per_token(tmp_path: Path) -> None:
    limits = {**NO_LIMITS, "partner_bookings_per_minute": 1.0, "partner_booking_burst": 2}
    async with serve(tmp_path, security=limits) as server:
        async with Api(server.base, server.tokens["partner-1"]) as partner:
            answers = [
                await partner.post(
                    "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": phone(n)}
                )
                for n in range(3)
            ]
        assert [status for status, _ in answers] == [201, 201, 429]
        assert answers[2][1]["error"]["code"] == "too_many_requests"
        assert {e.actor.kind for e in booked_in_log(server)} == {"partner"}


async def test_one_address_books_at_a_bounded_rate(tmp_path: Path) -> None:
    limits = {**NO_LIMITS, "bookings_per_minute": 1.0, "booking_burst": 1}
    async with serve(tmp_path, security=limits) as server:
        async with Api(server.base) as citizen:
            body = {"service": "HT", "start": TEN}
            first = await citizen.post("/api/v1/appointments", {**body, "phone": phone(1)})
            second = await citizen.post("/api/v1/appointments", {**body, "phone": phone(2)})
        assert (first[0], second[0]) == (201, 429)


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/api/v1/appointments", {"phone": "12345"}, 422, "invalid_phone"),
        ("POST", "/api/v1/appointments", {"phone": "+84 12 34"}, 422, "invalid_phone"),
        (
            "POST",
            "/api/v1/appointments",
            {"start": "2030-01-07T12:00:00+07:00"},
            422,
            "invalid_slot",
        ),
        (
            "POST",
            "/api/v1/appointments",
            {"start": "2030-01-07T07:30:00+07:00"},
            422,
            "invalid_slot",
        ),
        (
            "POST",
            "/api/v1/appointments",
            {"start": "2029-12-31T10:00:00+07:00"},
            422,
            "invalid_slot",
        ),
        (
            "POST",
            "/api/v1/appointments",
            {"start": "2030-01-20T10:00:00+07:00"},
            422,
            "invalid_slot",
        ),
        ("POST", "/api/v1/appointments", {"start": "tomorrow"}, 422, "invalid_slot"),
        ("POST", "/api/v1/appointments", {"service": "XX"}, 404, "unknown_service"),
        ("POST", "/api/v1/appointments", {"lang": "fr"}, 422, "unknown_language"),
        ("POST", "/api/v1/appointments", {"extra": 1}, 422, "invalid_body"),
        ("POST", "/api/v1/appointments", {"phone": "09123abc78"}, 422, "invalid_body"),
        ("POST", "/api/v1/appointments", {"phone": "0" * 25}, 422, "invalid_body"),
        ("POST", "/api/v1/appointments", {"name": "n" * 101}, 422, "invalid_body"),
        ("POST", "/api/v1/appointments", {"service": "H T"}, 422, "invalid_body"),
        ("POST", "/api/v1/appointments", {"lang": "vi/../x"}, 422, "invalid_body"),
        ("GET", "/api/v1/appointments/ABCD-EFGH", None, 404, "unknown_appointment"),
        ("GET", "/api/v1/appointments/ABCD-EFG0", None, 422, "invalid_code"),
        ("GET", "/api/v1/appointments/HN-000123", None, 422, "invalid_code"),
        ("POST", "/api/v1/appointments/ABCD-1234/cancel", None, 422, "invalid_code"),
        ("GET", "/api/v1/appointments/slots?service=HT&date=07-01-2030", None, 422, "invalid_date"),
        (
            "GET",
            "/api/v1/appointments/slots?service=XX&date=2030-01-07",
            None,
            404,
            "unknown_service",
        ),
    ],
)
async def test_bad_input_is_a_typed_4xx_and_changes_nothing(
    server: RunningCentre,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
) -> None:
    if body is not None:
        body = {"service": "HT", "start": TEN, "phone": "0912345678", **body}
    before = server.centre.log.last_seq
    async with Api(server.base) as citizen:
        answered, answer = await citizen.request(method, path, body)
    assert (answered, answer["error"]["code"]) == (status, code), answer
    assert server.centre.log.last_seq == before


async def test_a_cancelled_or_replayed_code_is_refused(server: RunningCentre) -> None:
    async with (
        Api(server.base) as citizen,
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
    ):
        _, booked = await citizen.post(
            "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": "0912345678"}
        )
        path = f"/api/v1/appointments/{booked['code']}"
        status, cancelled = await citizen.post(f"{path}/cancel")
        assert (status, cancelled["status"]) == (200, "cancelled")
        before = server.centre.log.last_seq
        for action, who in ((f"{path}/cancel", citizen), (f"{path}/check-in", kiosk)):
            status, answer = await who.post(action)
            assert (status, answer["error"]["code"]) == (409, "appointment_cancelled")
        assert server.centre.log.last_seq == before


# ---------------------------------------------------------------------- check-in


async def test_check_in_refusals_are_typed_and_change_nothing(tmp_path: Path) -> None:
    """What a kiosk's scanner may send: another centre's code, a misread one, one nobody
    booked, one already used (the kiosk resent it), one whose window closed where late
    citizens are refused.  Each a typed 4xx; no event, no ticket."""
    async with (
        serve(tmp_path, early_minutes=120, late="refuse") as server,
        Api(server.base) as citizen,
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
    ):
        codes = []
        for n, start in enumerate((TEN, "2030-01-07T09:00:00+07:00")):
            _, booked = await citizen.post(
                "/api/v1/appointments", {"service": "HT", "start": start, "phone": phone(n)}
            )
            codes.append(booked["code"])
        used, missed = codes
        status, ticket = await kiosk.post(f"/api/v1/appointments/{used}/check-in")
        assert status == 201, ticket
        nine_ts = datetime.fromisoformat("2030-01-07T09:00:00+07:00").timestamp()
        server.centre.dispatcher._clock = lambda: nine_ts + 16 * 60
        await server.centre.dispatcher.housekeep()
        before, issued = server.centre.log.last_seq, server.centre.engine.state.issued_today
        refusals = [
            ("HN-000123/check-in", 422, "invalid_code"),
            ("ABCD-EFG0/check-in", 422, "invalid_code"),
            ("ABCD-EFGH/check-in", 404, "unknown_appointment"),
            (f"{used}/check-in", 409, "already_checked_in"),
            (f"{used}/cancel", 409, "already_checked_in"),
            (f"{missed}/check-in", 409, "too_late"),
            (f"{missed}/cancel", 409, "too_late"),
        ]
        for path, status, code in refusals:
            who = citizen if path.endswith("cancel") else kiosk
            answered, answer = await who.post(f"/api/v1/appointments/{path}")
            assert (answered, answer["error"]["code"]) == (status, code), (path, answer)
        assert server.centre.log.last_seq == before
        assert server.centre.engine.state.issued_today == issued


async def test_a_booked_citizen_checks_in_at_the_kiosk_and_goes_first(tmp_path: Path) -> None:
    # Check-in opens a day early here, so that a slot booked now can be checked into.
    async with (
        serve(tmp_path, early_minutes=24 * 60) as server,
        Api(server.base) as citizen,
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
        Api(server.base) as staff,
    ):
        await staff.login("lan", counter=1)
        _, booked = await citizen.post(
            "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": "0912345678"}
        )
        status, walk_in = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert status == 201, walk_in
        status, ticket = await kiosk.post(f"/api/v1/appointments/{booked['code']}/check-in")
        assert status == 201, ticket
        assert set(ticket) == set(walk_in), "answered as POST /api/v1/tickets answers"
        assert ticket["print"]["status"] in ("printed", "failed", "none")
        status, again = await kiosk.post(f"/api/v1/appointments/{booked['code']}/check-in")
        assert (status, again["error"]["code"]) == (409, "already_checked_in")
        await staff.post("/api/v1/counters/1/open")
        _, first = await staff.post("/api/v1/counters/1/next", {"current": None})
        assert first["ticket"]["number"] == ticket["number"]
        _, second = await staff.post("/api/v1/counters/1/next", {"current": first["ticket"]["id"]})
        assert second["ticket"]["number"] == walk_in["number"]
        status, held = await citizen.get(f"/api/v1/appointments/{booked['code']}")
        assert (held["status"], held["ticket"]) == ("checked_in", ticket["number"])


async def test_a_booked_ticket_is_marked_booked_in_every_view(tmp_path: Path) -> None:
    """The kiosk's answer, the staff's lists, the call on the hall and the booking's own
    page tell a booked ticket from a walk-in; the booking's holder can follow its ticket."""
    async with (
        serve(tmp_path, early_minutes=24 * 60) as server,
        Api(server.base) as citizen,
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
        Api(server.base) as staff,
        connect(server.ws_url) as hall,
    ):
        await hall.send(
            json.dumps(
                {
                    "type": "hello",
                    "protocol": 1,
                    "role": "display",
                    "token": server.tokens["display-1"],
                    "view": "hall",
                }
            )
        )
        await staff.login("lan", counter=1)
        _, booked = await citizen.post(
            "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": "0912345678"}
        )
        _, walk_in = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        status, ticket = await kiosk.post(f"/api/v1/appointments/{booked['code']}/check-in")
        assert status == 201, ticket
        assert (ticket["booked"], walk_in["booked"]) == (True, False)
        status, held = await citizen.get(f"/api/v1/appointments/{booked['code']}")
        assert held["tracking_code"] == ticket["tracking_code"]
        status, state = await staff.get("/api/v1/state")
        (line,) = [w for w in state["waiting"] if w["line"] == "HT"]
        assert [(t["number"], t["booked"]) for t in line["tickets"]] == [
            (ticket["number"], True),
            (walk_in["number"], False),
        ]
        await staff.post("/api/v1/counters/1/open")
        _, called = await staff.post("/api/v1/counters/1/next", {"current": None})
        assert (called["ticket"]["number"], called["ticket"]["booked"]) == (ticket["number"], True)
        assert called["counter"]["current"]["booked"] is True
        async with asyncio.timeout(5):
            while (message := json.loads(await hall.recv()))["type"] != "call":
                pass
        assert (message["number"], message["booked"]) == (ticket["number"], True)


async def test_a_late_check_in_is_a_walk_in_and_not_marked_booked(server: RunningCentre) -> None:
    async with Api(server.base) as citizen, Api(server.base, server.tokens["kiosk-1"]) as kiosk:
        _, booked = await citizen.post(
            "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": "0912345678"}
        )
        later = datetime.fromisoformat(TEN).timestamp() + 20 * 60
        server.centre.dispatcher._clock = lambda: later
        status, ticket = await kiosk.post(f"/api/v1/appointments/{booked['code']}/check-in")
        assert status == 201, ticket
        assert ticket["booked"] is False, "it waits as a walk-in: no badge to explain"


async def test_the_booking_pages_and_their_qr_code(server: RunningCentre) -> None:
    async with Api(server.base) as citizen:
        status, centre = await citizen.get("/api/v1/centre")
        assert centre["appointments"]["today"] == "2030-01-07", "the centre's day, not the phone's"
        _, booked = await citizen.post(
            "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": "0912345678"}
        )
        code = booked["code"]
        assert booked["tracking_code"] is None, "no ticket before the check-in"
        for path in ("/book", f"/a/{code}", f"/a/{code.lower()}"):
            async with citizen.session.get(server.base + path) as response:
                assert response.status == 200, path
                assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        async with citizen.session.get(f"{server.base}/a/{code}/qr.svg") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("image/svg+xml")
            assert (await response.text()).startswith("<svg")
        for path in ("/a/not-a-code!", "/a/AAAA-AAAA/qr.svg", "/a/0OI1-0OI1/qr.svg"):
            status, answer = await citizen.get(path)
            assert status == 404, path
            assert answer["error"]["code"] in ("unknown_appointment", "not_found"), answer


async def test_the_days_slots_for_managers(tmp_path: Path) -> None:
    """Per slot what became of its bookings, and per service its places against what its
    counters serve: KD's counters serve 2 a slot, so max_share leaves it 1 place of 2."""
    nine, half_past = "2030-01-07T09:00:00+07:00", "2030-01-07T09:30:00+07:00"
    async with (
        serve(tmp_path, early_minutes=120) as server,
        Api(server.base) as citizen,
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
        Api(server.base) as staff,
        Api(server.base) as admin,
    ):
        server.centre.accounts.add_user("giamsat", PASSWORD, Role.SUPERVISOR)
        codes = []
        for n, start in enumerate((nine, nine, half_past, half_past)):
            status, booked = await citizen.post(
                "/api/v1/appointments", {"service": "HT", "start": start, "phone": phone(n)}
            )
            assert status == 201, booked
            codes.append(booked["code"])
        await citizen.post(f"/api/v1/appointments/{codes[3]}/cancel")
        status, _ = await kiosk.post(f"/api/v1/appointments/{codes[2]}/check-in")
        assert status == 201
        nine_ts = datetime.fromisoformat(nine).timestamp()
        server.centre.dispatcher._clock = lambda: nine_ts + 16 * 60  # 9:00's window is over
        await server.centre.dispatcher.housekeep()

        await admin.login("giamsat")
        status, day = await admin.get("/api/v1/appointments/day")
        assert status == 200, day
        assert (day["date"], day["slot_minutes"]) == ("2030-01-07", 30)
        services = {s["service"]: s for s in day["services"]}
        assert "TKQ" not in services, "no places and no bookings"
        ht = services["HT"]
        assert {k: ht[k] for k in ("places", "capacity", "servable", "walk_in")} == {
            "places": 2,
            "capacity": 2,
            "servable": 15,
            "walk_in": 13,
        }
        kd = services["KD"]
        assert (kd["places"], kd["capacity"], kd["servable"], kd["walk_in"]) == (2, 1, 2, 1)
        slots = {s["start"]: s for s in ht["slots"]}
        assert slots[nine] == {
            "start": nine,
            "end": half_past,
            "booked": 0,
            "checked_in": 0,
            "missed": 2,
            "cancelled": 0,
            "free": 0,
            "walk_in": 15,
        }
        assert {k: slots[half_past][k] for k in ("booked", "checked_in", "cancelled", "free")} == {
            "booked": 0,
            "checked_in": 1,
            "cancelled": 1,
            "free": 1,
        }
        assert slots[half_past]["walk_in"] == 14
        assert slots[TEN]["free"] == 2
        assert "phone" not in json.dumps(day) and codes[0] not in json.dumps(day)
        status, other = await admin.get("/api/v1/appointments/day?date=2030-01-08")
        assert status == 200 and other["date"] == "2030-01-08"
        assert all(s["booked"] == 0 for s in other["services"][0]["slots"])
        status, bad = await admin.get("/api/v1/appointments/day?date=tomorrow")
        assert (status, bad["error"]["code"]) == (422, "invalid_date")
        await staff.login("lan", counter=1)
        status, refused = await staff.get("/api/v1/appointments/day")
        assert (status, refused["error"]["code"]) == (403, "forbidden")


async def test_check_in_too_early_is_refused(server: RunningCentre) -> None:
    async with Api(server.base) as citizen, Api(server.base) as staff:
        await staff.login("lan", counter=1)
        _, booked = await citizen.post(
            "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": "0912345678"}
        )
        before = server.centre.log.last_seq
        status, answer = await staff.post(f"/api/v1/appointments/{booked['code']}/check-in")
        assert (status, answer["error"]["code"]) == (409, "too_early")
        assert "09:45" in answer["error"]["message"]
        assert server.centre.log.last_seq == before


# ---------------------------------------------------------------------- retention


async def test_a_days_key_and_digests_are_gone_after_retention_days(tmp_path: Path) -> None:
    async with serve(tmp_path, retention_days=30) as server:
        async with Api(server.base) as citizen:
            _, booked = await citizen.post(
                "/api/v1/appointments", {"service": "HT", "start": TEN, "phone": "0912345678"}
            )
        accounts = server.centre.config.store.accounts_file(server.centre.log.path)

        def keys() -> list[str]:
            with sqlite3.connect(accounts) as db:
                return [r[0] for r in db.execute("SELECT day FROM appointment_day_keys")]

        assert keys() == ["2030-01-07"]
        later = (MONDAY_8AM + timedelta(days=31)).replace(hour=0).timestamp()
        server.centre.dispatcher._clock = lambda: later
        await server.centre.dispatcher.housekeep()
        await until(lambda: keys() == [])
        book = server.centre.engine.state.appointments
        assert book.by_code == {} and book.person_day == {}
        dropped = [e for _, e in server.centre.log.read(0) if isinstance(e, AppointmentDataDropped)]
        assert [e.day for e in dropped] == ["2030-01-07"]
        async with Api(server.base) as citizen:
            status, _ = await citizen.get(f"/api/v1/appointments/{booked['code']}")
        assert status == 404
