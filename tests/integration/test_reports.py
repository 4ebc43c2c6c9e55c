"""Ratings from the citizen's phone and the day's report, over real HTTP on a real log file."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import msgspec
import pytest

from queue_server.accounts import Role
from queue_server.engine import SYSTEM, Actor, Engine
from queue_server.engine import commands as c
from queue_server.engine.events import DayClosed, DayOpened, TicketIssued
from queue_server.reports import day_report
from queue_server.store import EventLog, StoreError
from tests.support.centre import example_config
from tests.support.server import Api, RunningCentre, Token, serve_centre

PEOPLE = {"lan": Role.STAFF, "giamsat": Role.SUPERVISOR}
KIOSK = Actor("kiosk", "kiosk-1")
TOKENS = {
    "kiosk-1": Token(Role.KIOSK),
    "tablet-1": Token(Role.DISPLAY, counter=1),
    "hall": Token(Role.DISPLAY),
}


@pytest.fixture
async def server(tmp_path: Path) -> RunningCentre:  # type: ignore[misc]
    async with serve_centre(tmp_path, people=PEOPLE, tokens=TOKENS) as running:
        yield running


async def test_a_citizen_rates_once_and_the_head_reads_the_day(server: RunningCentre) -> None:
    async with (
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
        Api(server.base) as staff,
        Api(server.base) as phone,
        Api(server.base) as head,
    ):
        await staff.login("lan", counter=1)
        await head.login("giamsat")
        _, served = await kiosk.post("/api/v1/tickets", {"service": "HT", "lang": "en"})
        _, waiting = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        rating_of = f"/api/v1/tickets/{served['tracking_code']}/rating"

        status, body = await phone.post(rating_of, {"rating": "very_satisfied"})
        assert (status, body["error"]["code"]) == (409, "wrong_ticket_state"), body
        assert (await staff.post("/api/v1/counters/1/open"))[0] == 200
        assert (await staff.post("/api/v1/counters/1/next"))[0] == 200
        assert (await staff.post("/api/v1/counters/1/done"))[0] == 200

        status, body = await phone.post(rating_of, {"rating": "splendid"})
        assert (status, body["error"]["code"]) == (422, "invalid_body"), body
        assert "rating" in body["error"]["message"]
        status, body = await phone.post(rating_of, {"rating": "very_satisfied"})
        assert status == 200, body
        assert (body["number"], body["status"], body["rating"]) == (
            served["number"],
            "done",
            "very_satisfied",
        )
        status, body = await phone.post(rating_of, {"rating": "dissatisfied"})
        assert (status, body["error"]["code"]) == (409, "already_rated"), body
        status, body = await phone.post(
            "/api/v1/tickets/no-such-code/rating", {"rating": "neutral"}
        )
        assert (status, body["error"]["code"]) == (404, "unknown_ticket")
        _, seen = await phone.get(f"/api/v1/tickets/{served['tracking_code']}")
        assert seen["rating"] == "very_satisfied"

        status, day = await head.get("/api/v1/reports/daily")
        assert status == 200, day
        assert day["days"] == [day["day"]] and day["complete"] is False
        assert day["tickets"]["issued"] == 2 and day["tickets"]["served"] == 1
        assert day["tickets"]["open"] == 1
        assert day["satisfaction"]["very_satisfied"] == 1
        assert day["satisfaction"]["satisfied_share"] == 1.0
        assert day["wait_minutes"]["count"] == 1
        counters = {k["id"]: k for k in day["counters"]}
        assert counters[1]["served"] == 1 and counters[1]["satisfaction"]["rated"] == 1
        assert (await head.get(f"/api/v1/reports/daily?day={day['day']}"))[1] == day

        status, text = await head.get(f"/api/v1/reports/daily.csv?day={day['day']}&lang=en")
        assert status == 200
        assert text.startswith("\ufeff"), "a byte-order mark, for spreadsheets"
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert [(r["Number"], r["Outcome"], r["Rating"], r["Language"]) for r in rows] == [
            (served["number"], "served", "very satisfied", "en"),
            (waiting["number"], "waiting", "", "vi"),
        ]
        status, text = await head.get(f"/api/v1/reports/daily.csv?day={day['day']}")
        assert text.lstrip("\ufeff").startswith("Số thứ tự;Dịch vụ;"), "the centre's language"
        status, body = await head.get(f"/api/v1/reports/daily.csv?day={day['day']}&lang=fr")
        assert (status, body["error"]["code"]) == (400, "invalid_lang")


async def test_a_report_asked_for_a_day_wrongly_says_what_is_wrong(server: RunningCentre) -> None:
    async with Api(server.base) as head:
        await head.login("giamsat")
        status, body = await head.get("/api/v1/reports/daily?day=28/11/2026")
        assert (status, body["error"]["code"]) == (400, "invalid_day")
        assert "YYYY-MM-DD" in body["error"]["message"]
        status, body = await head.get("/api/v1/reports/daily.csv?day=2001-01-01")
        assert (status, body["error"]["code"]) == (404, "unknown_day")
        today = server.centre.engine.state.day
        assert today is not None and today in body["error"]["message"], "it lists the days held"


async def test_a_counter_tablet_rates_the_citizen_it_just_served(server: RunningCentre) -> None:
    async with (
        Api(server.base, server.tokens["kiosk-1"]) as kiosk,
        Api(server.base) as staff,
        Api(server.base, server.tokens["tablet-1"]) as tablet,
        Api(server.base, server.tokens["hall"]) as hall,
    ):
        await staff.login("lan", counter=1)
        _, first = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        _, second = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        await staff.post("/api/v1/counters/1/open")
        await staff.post("/api/v1/counters/1/next")
        await staff.post("/api/v1/counters/1/start")
        _, answer = await staff.post("/api/v1/counters/1/next")  # the first is done
        assert answer["counter"]["last_served"] == {
            "id": first["id"],
            "number": first["number"],
            "rated": False,
        }
        await staff.post("/api/v1/counters/1/done")  # and now the second

        rating = {"ticket": first["id"], "rating": "satisfied"}
        status, body = await tablet.post("/api/v1/counters/1/rating", rating)
        assert (status, body["error"]["code"]) == (409, "not_served_here"), "not the last one"
        rating["ticket"] = second["id"]
        status, body = await tablet.post("/api/v1/counters/2/rating", rating)
        assert (status, body["error"]["code"]) == (403, "not_your_counter")
        for stranger in (hall, staff):
            status, body = await stranger.post("/api/v1/counters/1/rating", rating)
            assert (status, body["error"]["code"]) in (
                (403, "not_your_counter"),
                (403, "forbidden"),
            )
        status, body = await tablet.post("/api/v1/counters/1/rating", rating)
        assert status == 200, body
        assert body["counter"]["last_served"]["rated"] is True, "whether, never how"
        status, body = await tablet.post("/api/v1/counters/1/rating", rating)
        assert (status, body["error"]["code"]) == (409, "already_rated")

        events = [e for _, e in server.centre.log.read() if type(e).__name__ == "ServiceRated"]
        assert [(e.ticket, e.actor.kind, e.actor.id) for e in events] == [  # type: ignore[union-attr]
            (second["id"], "display", "tablet-1")
        ]


def test_a_day_opened_twice_is_reported_whole_and_another_centres_log_refused(
    tmp_path: Path,
) -> None:
    """The centre's time zone corrected mid-day opens the same day again: one report."""
    config = example_config(tmp_path / "centre.sqlite3")
    log = EventLog(config.store.path, config.centre.id)
    nine = datetime(2026, 11, 27, 9, 0, tzinfo=config.zone).timestamp()

    def issued(ticket: int, at: float) -> TicketIssued:
        return TicketIssued(
            at=at, actor=KIOSK, ticket=ticket, number=f"A00{ticket}", service="HT",
            priority=None, day="2026-11-27", serial=ticket, order=ticket,
            tracking_code=f"t{ticket}", lang="vi",
        )  # fmt: skip

    opened = DayOpened(at=nine, actor=SYSTEM, day="2026-11-27", ends_at=nine + 54_000)
    log.append([opened, issued(1, nine + 60)])
    log.append([DayClosed(at=nine + 120, actor=SYSTEM, day="2026-11-27")])
    log.append([msgspec.structs.replace(opened, at=nine + 180), issued(2, nine + 240)])
    log.close()
    report = day_report(config.store.path, config)
    assert report.days == ["2026-11-27"]
    assert report.result()["tickets"]["issued"] == 2

    other = msgspec.structs.replace(
        config, centre=msgspec.structs.replace(config.centre, id="another-ward")
    )
    with pytest.raises(StoreError, match="belongs to centre 'hn-ba-dinh', not 'another-ward'"):
        day_report(config.store.path, other)


def test_each_persons_figures_come_from_the_log_file(tmp_path: Path) -> None:
    """A morning at counters 1 and 2 played on the engine and written to a real log file;
    the report read back from the file gives each person's figures, checked by hand: the
    keypad's presses count for whoever is signed in at its counter."""
    config = example_config(tmp_path / "centre.sqlite3")
    engine = Engine(config.queue_setup())
    log = EventLog(config.store.path, config.centre.id)
    nine = datetime(2026, 11, 27, 9, 0, tzinfo=config.zone).timestamp()
    lan, binh = Actor("staff", "lan"), Actor("staff", "binh")
    keypad, citizen = Actor("keypad", "desk:1"), Actor("citizen")

    def do(minute: float, command: c.Command, actor: Actor) -> None:
        log.append(engine.handle(command, nine + minute * 60, actor))

    do(0, c.SignIn(counter=1, staff="lan"), lan)
    do(0, c.SignIn(counter=2, staff="binh"), binh)
    do(0, c.OpenCounter(counter=1), keypad)
    do(0, c.OpenCounter(counter=2), binh)
    for n in range(6):
        do(0, c.IssueTicket(service="HT", tracking_code=f"t{n}"), KIOSK)
    for start, length in ((1, 2), (4, 4), (9, 10)):  # lan, by keypad: 2, 4 and 10 minutes
        do(start, c.CallNext(counter=1), keypad)
        do(start, c.StartService(counter=1), keypad)
        do(start + length, c.Finish(counter=1), keypad)
    do(19, c.RateService(ticket=1, rating="very_satisfied"), citizen)
    do(19, c.RateService(ticket=2, rating="dissatisfied"), citizen)
    do(20, c.PauseCounter(counter=1), lan)  # a 15-minute break
    do(35, c.ResumeCounter(counter=1), keypad)
    do(36, c.CallNext(counter=2), binh)
    do(37, c.MarkNoShow(counter=2), binh)
    do(38, c.CallNext(counter=2), binh)
    do(38, c.StartService(counter=2), binh)
    do(44, c.Finish(counter=2), binh)
    do(45, c.RateService(ticket=5, rating="satisfied"), citizen)
    do(50, c.SignOut(counter=1, staff="lan"), lan)
    do(55, c.CallNext(counter=1), keypad)  # nobody signed in: nobody's
    do(60, c.CloseDay(), Actor("supervisor", "giamsat"))
    log.close()

    report = day_report(config.store.path, config)
    rows = {row["staff"]: row for row in report.result()["staff"]}
    assert list(rows) == ["binh", "lan"]
    lan_row, binh_row = rows["lan"], rows["binh"]
    assert (lan_row["called"], lan_row["served"], lan_row["no_show"]) == (3, 3, 0)
    times = lan_row["service_minutes"]
    assert (times["count"], times["median_s"], times["p90_s"]) == (3, 240, 600)
    assert lan_row["satisfaction"]["rated"] == 2
    assert lan_row["satisfaction"]["satisfied_share"] == 0.5
    assert (lan_row["open_s"], lan_row["paused_s"]) == (35 * 60, 15 * 60)
    assert (binh_row["called"], binh_row["served"], binh_row["no_show"]) == (2, 1, 1)
    assert binh_row["service_minutes"]["median_s"] == 360
    assert binh_row["satisfaction"]["satisfied"] == 1
    assert (binh_row["open_s"], binh_row["paused_s"]) == (60 * 60, 0), "open till the close"

    staff_csv = list(csv.DictReader(io.StringIO(report.staff_csv("en").lstrip("\ufeff"))))
    assert [r["Staff"] for r in staff_csv] == ["binh", "lan"]
    assert staff_csv[1]["Service median (min)"] == "4.0"
    assert staff_csv[1]["Service 90th pct (s)"] == "600"
    assert (staff_csv[1]["Open (min)"], staff_csv[1]["Paused (min)"]) == ("35.0", "15.0")
    assert staff_csv[1]["Satisfied (%)"] == "50.0"
    vi = report.staff_csv("vi").lstrip("\ufeff").splitlines()
    assert vi[0].startswith("Cán bộ;Quầy;") and ";4,0;" in vi[2], "Vietnamese Excel's dialect"
    tickets = {row["number"]: row["staff"] for row in report.rows()}
    # A004, absent at binh's call, came back in line and was called at 9:55 by the keypad
    # of counter 1, which nobody held any more: the row says who dealt with it last.
    assert tickets == {
        "A001": "lan", "A002": "lan", "A003": "lan", "A004": "", "A005": "binh", "A006": "",
    }  # fmt: skip
