"""The day's report, from days played on the engine: each figure checked by hand."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from queue_server.engine import Actor, CommandRejected
from queue_server.engine import commands as c
from queue_server.reports import DayReport
from queue_server.reports.daily import ROW_COLUMNS, minutes, satisfaction

from .conftest import Desk, local

MINUTE = 60.0
CITIZEN = Actor("citizen")


def report(desk: Desk) -> dict[str, Any]:
    built = DayReport(desk.config, "2025-07-14")
    for event in desk.log:
        built.add(event)
    return built.result()


def serve(desk: Desk, counter: int, wait_min: float, serve_min: float) -> int:
    """The next ticket at `counter` is called after `wait_min` and finished `serve_min` later."""
    desk.advance(wait_min * MINUTE)
    ticket = desk.call(counter).ticket
    desk.do(c.StartService(counter=counter))
    desk.advance(serve_min * MINUTE)
    desk.do(c.Finish(counter=counter))
    return ticket


def test_minutes_are_nearest_rank_statistics_in_minutes_and_in_seconds() -> None:
    empty = minutes([])
    assert empty["count"] == 0
    assert all(empty[k] is None for k in ("mean", "median", "p90", "max", "median_s", "max_s"))
    waits = [m * MINUTE for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 30)]
    assert minutes(waits) == {
        "count": 10,
        **{"mean": 7.5, "median": 5.0, "p90": 9.0, "max": 30.0},
        **{"mean_s": 450, "median_s": 300, "p90_s": 540, "max_s": 1800},
    }
    one = minutes([204.0])  # 3 min 24 s: the page shows 3:24, not 3.4
    assert (one["median"], one["median_s"]) == (3.4, 204)


def test_satisfaction_counts_each_level_and_the_share_satisfied() -> None:
    assert satisfaction([])["satisfied_share"] is None
    got = satisfaction(["very_satisfied", "satisfied", "satisfied", "dissatisfied"])
    assert got == {
        "rated": 4,
        "very_satisfied": 1,
        "satisfied": 2,
        "neutral": 0,
        "dissatisfied": 1,
        "satisfied_share": 0.75,
        "reasons": {},
    }
    said = satisfaction(["dissatisfied"] * 3, ["long_wait", "unclear", "long_wait"])
    assert said["reasons"] == {"long_wait": 2, "unclear": 1}
    assert list(said["reasons"]) == ["long_wait", "unclear"], "the most said first"


def test_a_morning_in_figures(desk: Desk) -> None:
    desk.open(1, 3)
    a = desk.issue("HT")  # 09:00
    b = desk.issue("HT", "elderly")
    desk.issue("DD")
    assert serve(desk, 1, wait_min=4, serve_min=6) == b.ticket  # the elderly first: 4 min
    assert serve(desk, 1, wait_min=0, serve_min=10) == a.ticket  # a waited 10 min
    desk.advance(2 * MINUTE)
    desk.call(3)  # d waited 22 min, then did not come
    desk.do(c.MarkNoShow(counter=3))
    late = desk.issue("CT")
    desk.do(c.Cancel(ticket=late.ticket))
    desk.do(c.RateService(ticket=a.ticket, rating="dissatisfied"), CITIZEN)
    desk.do(c.RateService(ticket=b.ticket, rating="very_satisfied"), CITIZEN)

    day = report(desk)
    assert day["day"] == "2025-07-14" and day["complete"] is False
    assert day["tickets"] == {
        "issued": 4,
        "served": 2,
        "ended_unstarted": 0,
        "no_show": 1,
        "cancelled": 1,
        "expired": 0,
        "open": 0,
    }
    assert day["wait_minutes"] == {
        "count": 3,
        **{"mean": 12.0, "median": 10.0, "p90": 22.0, "max": 22.0},
        **{"mean_s": 720, "median_s": 600, "p90_s": 1320, "max_s": 1320},
    }
    assert day["service_minutes"]["count"] == 2
    assert (day["service_minutes"]["median"], day["service_minutes"]["max"]) == (6.0, 10.0)
    assert day["satisfaction"]["rated"] == 2
    assert day["satisfaction"]["satisfied_share"] == 0.5

    services = {s["code"]: s for s in day["services"]}
    assert list(services) == ["HT", "CT", "DD", "TKQ"], "in the config's order"
    assert (services["HT"]["issued"], services["HT"]["served"]) == (2, 2)
    assert services["HT"]["wait_minutes"]["max"] == 10.0
    assert (services["DD"]["no_show"], services["CT"]["cancelled"]) == (1, 1)
    assert services["TKQ"]["wait_minutes"]["count"] == 0

    counters = {k["id"]: k for k in day["counters"]}
    assert (counters[1]["called"], counters[1]["served"]) == (2, 2)
    assert counters[1]["satisfaction"]["very_satisfied"] == 1
    assert (counters[3]["called"], counters[3]["served"]) == (1, 0)

    assert day["priority"]["priority"]["wait_minutes"]["median"] == 4.0
    assert day["priority"]["normal"]["wait_minutes"]["median"] == 10.0
    assert day["hours"] == [
        {"hour": 9, "issued": 4, "wait_minutes": day["wait_minutes"]},
    ]


def test_the_wait_is_until_the_first_call_and_a_transfer_stays_in_its_service(
    desk: Desk,
) -> None:
    desk.open(1, 2)
    a = desk.issue("HT")
    desk.advance(3 * MINUTE)
    desk.call(1)
    desk.do(c.Transfer(counter=1, to_counter=2))
    desk.advance(20 * MINUTE)
    desk.call(2)
    desk.advance(5 * MINUTE)
    desk.do(c.Finish(counter=2))
    day = report(desk)
    assert day["wait_minutes"]["max"] == 3.0
    assert day["service_minutes"]["max"] == 5.0, "from the last call when never started"
    services = {s["code"]: s for s in day["services"]}
    assert services["HT"]["served"] == 1
    counters = {k["id"]: k for k in day["counters"]}
    assert (counters[1]["served"], counters[2]["served"]) == (0, 1)
    (row,) = built_rows(desk)
    assert (row["number"], row["counter"], row["transfers"], row["outcome"]) == (
        desk.number(a.ticket),
        2,
        1,
        "done",
    )
    assert (row["issued"], row["called"], row["wait_minutes"]) == ("09:00:00", "09:03:00", 3.0)


def test_the_night_close_finishes_and_expires_without_timing_anyone(desk: Desk) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.issue("HT")
    desk.call(1)
    desk.do(c.StartService(counter=1))  # still served at midnight
    desk.at(local(2025, 7, 15, 0, 0, 1))
    desk.housekeep()
    desk.issue("HT")  # the next day's first ticket is not this day's
    day = report(desk)
    assert day["complete"] is True
    assert (day["tickets"]["issued"], day["tickets"]["served"], day["tickets"]["expired"]) == (
        2,
        1,
        1,
    )
    assert day["service_minutes"]["count"] == 0, "a service the night closed is not timed"


def built_rows(desk: Desk) -> list[dict[str, Any]]:
    built = DayReport(desk.config, "2025-07-14")
    for event in desk.log:
        built.add(event)
    return built.rows()


def test_rows_say_the_day_as_it_went(desk: Desk) -> None:
    desk.open(1)
    first = desk.issue("HT", "elderly", lang="en")
    serve(desk, 1, wait_min=1.5, serve_min=2)
    desk.do(c.RateService(ticket=first.ticket, rating="satisfied"), CITIZEN)
    desk.issue("CT")
    (done, waiting) = built_rows(desk)
    assert done == {
        "number": desk.number(first.ticket),
        "service": "HT",
        "priority": "elderly",
        "arrival": "walk_in",
        "language": "en",
        "issued": "09:00:00",
        "called": "09:01:30",
        "counter": 1,
        "finished": "09:03:30",
        "wait_minutes": 1.5,
        "wait_seconds": 90,
        "service_minutes": 2.0,
        "service_seconds": 120,
        "outcome": "done",
        "transfers": 0,
        "rating": "satisfied",
        "reason": "",
        "staff": "",
    }
    assert (waiting["outcome"], waiting["called"], waiting["wait_minutes"]) == ("waiting", "", None)


def test_a_day_closed_by_hand_and_reopened_by_a_ticket_is_one_day(desk: Desk) -> None:
    desk.open(1)
    desk.issue("HT")
    desk.do(c.CloseDay())
    assert report(desk)["complete"] is True
    desk.issue("CT")
    day = report(desk)
    assert day["complete"] is False
    assert (day["tickets"]["issued"], day["tickets"]["expired"], day["tickets"]["open"]) == (
        2,
        1,
        1,
    )


def test_a_transferred_ticket_counts_as_called_at_both_counters(desk: Desk) -> None:
    desk.open(1, 2)
    desk.issue("HT")
    desk.call(1)
    desk.do(c.Transfer(counter=1, to_counter=2))
    desk.call(2)
    desk.do(c.Finish(counter=2))
    counters = {k["id"]: k for k in report(desk)["counters"]}
    assert (counters[1]["called"], counters[1]["served"]) == (1, 0)
    assert (counters[2]["called"], counters[2]["served"]) == (1, 1)


def test_a_close_by_hand_times_no_service_and_keeps_no_shows(desk: Desk) -> None:
    desk.open(1, 2)
    desk.issue("HT")
    desk.issue("HT")
    desk.call(1)
    desk.do(c.StartService(counter=1))
    desk.call(2)
    desk.do(c.MarkNoShow(counter=2))  # back in line after 5 minutes, if the day lasts
    desk.advance(180 * MINUTE)  # the requeued one is called, and not there again
    desk.housekeep()
    desk.call(2)
    desk.do(c.MarkNoShow(counter=2))
    desk.do(c.CloseDay())  # by a supervisor, while the first is still served
    day = report(desk)
    assert day["tickets"]["served"] == 1 and day["service_minutes"]["count"] == 0
    assert (day["tickets"]["no_show"], day["tickets"]["expired"]) == (1, 0)
    assert desk.engine.state.service_times.samples == {}, "nor in the estimates"


def test_a_day_without_tickets_still_has_every_column(desk: Desk) -> None:
    desk.open(1)
    built = DayReport(desk.config, "2025-07-14")
    for event in desk.log:
        built.add(event)
    header = built.csv("en").lstrip("\ufeff").splitlines()
    assert len(header) == 1 and len(header[0].split(",")) == len(ROW_COLUMNS)


def test_the_csv_opens_in_a_vietnamese_spreadsheet(desk: Desk) -> None:
    """Vietnamese Excel splits on ';' and reads '1,5' as one and a half: the file the
    centre's head downloads says it that way, with the header in Vietnamese."""
    desk.open(1)
    desk.issue("HT")
    ticket = serve(desk, 1, wait_min=1.5, serve_min=2)
    built = DayReport(desk.config, desk.engine.state.day or "")
    for event in desk.log:
        built.add(event)
    text = built.csv()  # the centre's language: vi
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:2] == ["Số thứ tự", "Dịch vụ"]
    assert row["Số thứ tự"] == desk.engine.ticket(ticket).number
    assert (row["Chờ (phút)"], row["Chờ (giây)"]) == ("1,5", "90")
    assert row["Kết quả"] == "đã phục vụ"
    english = list(csv.DictReader(io.StringIO(built.csv("en").lstrip("\ufeff"))))
    assert (english[0]["Wait (min)"], english[0]["Outcome"]) == ("1.5", "served")


def test_a_ticket_next_ended_before_it_started_is_not_served(desk: Desk) -> None:
    """NEXT, then NEXT again once the guard has passed, and nobody pressed START: the
    first citizen is not known to be served, so neither served nor timed nor rated."""
    desk.open(1)
    first = desk.issue("HT")
    desk.issue("HT")
    assert desk.call(1).ticket == first.ticket
    desk.advance(desk.engine.setup.rules.next_guard_seconds)
    desk.call(1)
    day = report(desk)
    assert (day["tickets"]["served"], day["tickets"]["ended_unstarted"]) == (0, 1)
    assert day["service_minutes"]["count"] == 0
    assert desk.engine.ticket(first.ticket).status.value == "ended"


def test_a_dissatisfied_citizen_says_why_and_the_day_counts_it(desk: Desk) -> None:
    desk.open(1)
    first, second = desk.issue("HT"), desk.issue("HT")
    serve(desk, 1, wait_min=1, serve_min=1)
    serve(desk, 1, wait_min=0, serve_min=1)
    desk.do(c.RateService(ticket=first.ticket, rating="dissatisfied", reason="long_wait"), CITIZEN)
    with pytest.raises(CommandRejected) as refused:  # a reason only where one is asked
        desk.do(c.RateService(ticket=second.ticket, rating="satisfied", reason="unclear"), CITIZEN)
    assert refused.value.code == "invalid_reason"
    with pytest.raises(CommandRejected) as refused:
        desk.do(c.RateService(ticket=second.ticket, rating="dissatisfied", reason="rude"), CITIZEN)
    assert refused.value.code == "invalid_reason" and "long_wait" in refused.value.message
    day = report(desk)
    assert day["satisfaction"]["reasons"] == {"long_wait": 1}
    built = DayReport(desk.config, desk.engine.state.day or "")
    for event in desk.log:
        built.add(event)
    rows = list(csv.DictReader(io.StringIO(built.csv("en").lstrip("\ufeff"))))
    assert (rows[0]["Rating"], rows[0]["Reason"]) == ("dissatisfied", "I waited too long")


def test_the_share_called_within_the_target_wait(desk: Desk) -> None:
    """The centre aims at `target_wait_minutes` (20 by default): the head reads how many
    were called within it."""
    desk.open(1)
    for _ in range(4):
        desk.issue("HT")
    serve(desk, 1, wait_min=5, serve_min=1)  # waited 5
    serve(desk, 1, wait_min=10, serve_min=1)  # 16
    serve(desk, 1, wait_min=10, serve_min=1)  # 27: beyond
    day = report(desk)
    assert day["wait_target"] == {"minutes": 20.0, "within_share": round(2 / 3, 3)}
