"""Queue numbers booked ahead: booking, its refusals, check-in, the booked lane, and
what time does to appointments (missed, data dropped).  Every desk's log must replay
to its state, and a state saved at a day's close must keep the bookings ahead."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from queue_server.config import CentreConfig
from queue_server.engine import Actor, Engine, resume
from queue_server.engine import commands as c
from queue_server.engine import errors as err
from queue_server.engine import events as ev
from queue_server.engine.state import AppointmentStatus, TicketStatus

from .conftest import KIOSK, Desk, DeskFactory, local, make_config, only, replayed

CITIZEN = Actor("citizen")
MINUTE = 60.0


def booking_config(**rules: Any) -> CentreConfig:
    return make_config(appointments={"enabled": True, **rules})


@pytest.fixture
def booking(desk_for: DeskFactory) -> Desk:
    return desk_for(booking_config())


class Codes:
    n = 0


def book(
    desk: Desk,
    start: float,
    service: str = "HT",
    person: str = "alice",
    code: str | None = None,
) -> ev.AppointmentBooked:
    Codes.n += 1
    command = c.BookAppointment(
        service=service,
        start=start,
        person=person,
        masked_phone="09xx xxx 123",
        code=code or f"CODE{Codes.n:04d}",
    )
    return only(desk.do(command, CITIZEN), ev.AppointmentBooked)


def check_in(desk: Desk, code: str) -> ev.TicketIssued:
    Codes.n += 1
    events = desk.do(c.CheckIn(code=code, tracking_code=f"chk-{Codes.n}"), KIOSK)
    checked = [e for e in events if isinstance(e, ev.AppointmentCheckedIn)]
    issued = only(events, ev.TicketIssued)
    assert [(e.code, e.ticket) for e in checked] == [(code, issued.ticket)]
    return issued


def refuse(desk: Desk, command: c.Command, error: type[err.CommandRejected]) -> None:
    desk.reject(command, error)


def booking_of(desk: Desk, start: float, service: str = "HT", person: str = "x") -> c.Command:
    return c.BookAppointment(
        service=service, start=start, person=person, masked_phone="09xx", code="ZZZZ9999"
    )


TEN = local(2025, 7, 14, 10, 0)
"""Monday's 10:00 slot, an hour after the desks' clock starts."""


# ---------------------------------------------------------------------- booking


def test_a_booking_holds_a_place_in_its_slot(booking: Desk) -> None:
    booked = book(booking, TEN)
    assert (booked.service, booked.start, booked.end) == ("HT", TEN, TEN + 30 * MINUTE)
    assert (booked.person, booked.masked_phone) == ("alice", "09xx xxx 123")
    held = booking.engine.appointment(booked.code)
    assert (held.status, held.day) == (AppointmentStatus.BOOKED, "2025-07-14")
    slots = {s[0]: s for s in booking.engine.appointment_slots("HT", held_day(), booking.now)}
    assert slots[TEN][2:] == (2, 1), "capacity 2, one left"
    assert slots[local(2025, 7, 14, 9, 0)][3] == 0, "a slot begun is not bookable"
    assert local(2025, 7, 14, 12, 0) not in slots, "the lunch break has no slot"


def held_day() -> Any:
    from datetime import date

    return date(2025, 7, 14)


def test_a_full_slot_refuses_and_a_cancellation_frees_a_place(booking: Desk) -> None:
    first = book(booking, TEN, person="a")
    book(booking, TEN, person="b")
    refuse(booking, booking_of(booking, TEN, person="c"), err.SlotFull)
    booking.do(c.CancelAppointment(code=first.code), CITIZEN)
    book(booking, TEN, person="c")
    book(booking, TEN, service="CT", person="d")  # another service has its own places


def test_bookable_places_never_exceed_the_share_of_the_counters(
    desk_for: DeskFactory,
) -> None:
    # HT: 2 counters x 30 min / 8 min = 7.5 a slot; half of it, floored: 3 (not 10).
    desk = desk_for(booking_config(per_slot=10, per_service={"CT": 1}))
    assert desk.engine.slot_capacity("HT") == 3
    assert desk.engine.slot_capacity("CT") == 1
    for person in "abc":
        book(desk, TEN, person=person)
    refuse(desk, booking_of(desk, TEN, person="d"), err.SlotFull)


def test_one_phone_books_two_a_day_and_one_per_service(booking: Desk) -> None:
    book(booking, TEN, "HT")
    refuse(booking, booking_of(booking, TEN + 30 * MINUTE, "HT", "alice"), err.QuotaExceeded)
    book(booking, TEN, "CT")
    refuse(booking, booking_of(booking, TEN, "DD", "alice"), err.QuotaExceeded)
    book(booking, TEN + 86400, "DD")  # another day
    book(booking, TEN, "DD", person="bob")


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (TEN + 60, "not a slot's start"),
        (local(2025, 7, 14, 12, 0), "the lunch break"),
        (local(2025, 7, 14, 17, 0), "after closing"),
        (local(2025, 7, 20, 9, 0), "Sunday: closed"),
        (local(2025, 7, 14, 8, 0), "past"),
        (local(2025, 7, 14, 9, 0), "begun"),
        (local(2025, 7, 14, 9, 30), "within the 30 minutes' cutoff"),
        (local(2025, 7, 21, 9, 0), "7 days ahead"),
        (float("nan"), "not a time"),
        (1e300, "far beyond"),
    ],
)
def test_a_slot_that_cannot_be_booked_is_refused(booking: Desk, start: float, why: str) -> None:
    booking.advance(60)  # 09:01
    refuse(booking, booking_of(booking, start), err.InvalidSlot)


def test_six_days_ahead_is_bookable(booking: Desk) -> None:
    book(booking, local(2025, 7, 19, 9, 0))  # Saturday: 07:30-11:30


def test_other_refusals(booking: Desk, desk_for: DeskFactory) -> None:
    held = book(booking, TEN)
    refuse(booking, booking_of(booking, TEN, "XX"), err.UnknownService)
    again = c.BookAppointment(
        service="CT", start=TEN, person="z", masked_phone="09xx", code=held.code
    )
    refuse(booking, again, err.DuplicateAppointmentCode)
    refuse(booking, c.CancelAppointment(code="NOPE2345"), err.UnknownAppointment)
    refuse(booking, c.CheckIn(code="NOPE2345", tracking_code="t"), err.UnknownAppointment)
    off = desk_for()
    refuse(off, booking_of(off, TEN), err.AppointmentsDisabled)


# ---------------------------------------------------------------------- check-in


def test_check_in_opens_early_minutes_before_the_slot(booking: Desk) -> None:
    held = book(booking, TEN)
    booking.at(TEN - 15 * MINUTE - 1)
    refuse(booking, c.CheckIn(code=held.code, tracking_code="t"), err.TooEarly)
    booking.at(TEN - 15 * MINUTE)
    ticket = check_in(booking, held.code)
    assert (ticket.booked, ticket.due_at) == (held.code, TEN + 10 * MINUTE)
    assert booking.ticket(ticket.ticket).lane == "booked"
    refuse(booking, c.CheckIn(code=held.code, tracking_code="u"), err.AlreadyCheckedIn)
    refuse(booking, c.CancelAppointment(code=held.code), err.AlreadyCheckedIn)


def test_an_on_time_ticket_is_due_max_wait_after_it_came_once_the_slot_began(
    booking: Desk,
) -> None:
    held = book(booking, TEN)
    booking.at(TEN + 14 * MINUTE)
    ticket = check_in(booking, held.code)
    assert ticket.due_at == TEN + 24 * MINUTE


@pytest.mark.parametrize("late", ["walk_in", "refuse"])
def test_after_the_window_the_appointment_is_missed(desk_for: DeskFactory, late: str) -> None:
    desk = desk_for(booking_config(late=late))
    held = book(desk, TEN)
    desk.at(TEN + 15 * MINUTE)
    assert [type(e) for e in desk.housekeep()] == [ev.AppointmentMissed]
    assert desk.engine.appointment(held.code).status is AppointmentStatus.MISSED
    if late == "refuse":
        refuse(desk, c.CheckIn(code=held.code, tracking_code="t"), err.TooLate)
        return
    ticket = check_in(desk, held.code)
    assert (ticket.booked, ticket.due_at) == (held.code, None)
    assert desk.ticket(ticket.ticket).lane == "normal", "a late citizen is a walk-in"
    assert desk.engine.appointment(held.code).status is AppointmentStatus.CHECKED_IN


def test_a_missed_appointment_is_no_walk_in_ticket_on_another_day(booking: Desk) -> None:
    held = book(booking, TEN)
    booking.at(local(2025, 7, 15, 9, 0))
    refuse(booking, c.CheckIn(code=held.code, tracking_code="t"), err.TooLate)
    refuse(booking, c.CancelAppointment(code=held.code), err.TooLate)


def test_a_cancelled_appointment_cannot_check_in(booking: Desk) -> None:
    held = book(booking, TEN)
    booking.do(c.CancelAppointment(code=held.code), CITIZEN)
    booking.at(TEN)
    refuse(booking, c.CheckIn(code=held.code, tracking_code="t"), err.AppointmentCancelled)
    refuse(booking, c.CancelAppointment(code=held.code), err.AppointmentCancelled)


# ---------------------------------------------------------------------- the booked lane


def test_an_on_time_booking_goes_before_walk_ins_who_came_earlier(booking: Desk) -> None:
    held = book(booking, TEN)
    booking.open(1)
    booking.at(TEN - 10 * MINUTE)
    walk_in = booking.issue("HT")
    booked = check_in(booking, held.code)
    assert booking.engine.people_ahead(booking.ticket(walk_in.ticket)) == 1
    assert booking.engine.people_ahead(booking.ticket(booked.ticket)) == 0
    assert booking.call(1).ticket == booked.ticket
    assert booking.call(1).ticket == walk_in.ticket


def test_booked_and_walk_in_share_calls_by_the_lane_ratio_after_priority(
    desk_for: DeskFactory,
) -> None:
    desk = desk_for(booking_config(per_slot=3, max_share=1.0, lane_ratio=[2, 1]))
    desk.open(1)
    codes = [book(desk, TEN, person=p).code for p in "abc"]
    codes += [book(desk, TEN, "CT", person=p).code for p in "abc"]
    desk.at(TEN - 15 * MINUTE)
    walk_ins = [desk.issue("HT") for _ in range(3)]
    elderly = [desk.issue("HT", "elderly") for _ in range(2)]
    booked = [check_in(desk, code) for code in codes]
    lane = {t.ticket: "W" for t in walk_ins}
    lane |= {t.ticket: "P" for t in elderly} | {t.ticket: "B" for t in booked}
    calls = [desk.call(1) for _ in range(11)]
    assert "".join(lane[k.ticket] for k in calls) == "PPBBWBBWBBW"
    assert all(k.reason == "next" for k in calls)
    booked_calls = [k.ticket for k in calls if lane[k.ticket] == "B"]
    assert booked_calls == [t.ticket for t in booked], "booked tickets by due time, in order"


def test_a_booked_ticket_past_its_due_time_goes_first(desk_for: DeskFactory) -> None:
    desk = desk_for(booking_config(lane_ratio=[1, 3]))
    held = book(desk, TEN)
    desk.open(1)
    desk.at(TEN - 15 * MINUTE)
    walk_ins = [desk.issue("HT", p) for p in (None, None, "elderly", "elderly")]
    booked = check_in(desk, held.code)
    desk.at(TEN + 10 * MINUTE)  # due: the slot's start + 10 minutes
    first = desk.call(1)
    assert (first.ticket, first.reason) == (booked.ticket, "overdue")
    assert {desk.call(1).ticket for _ in walk_ins} == {t.ticket for t in walk_ins}


def test_old_events_load_without_the_new_fields() -> None:
    issued = ev.decode_event(
        b'{"type":"TicketIssued","at":1.0,"actor":{"kind":"kiosk"},"ticket":1,"number":"A001",'
        b'"service":"HT","priority":null,"day":"2025-07-14","serial":1,"order":1,'
        b'"tracking_code":"t","lang":"vi"}'
    )
    assert isinstance(issued, ev.TicketIssued)
    assert (issued.booked, issued.due_at) == (None, None)
    called = ev.decode_event(
        b'{"type":"TicketCalled","at":1.0,"actor":{"kind":"staff"},"ticket":1,"counter":1,'
        b'"reason":"next","contested":false}'
    )
    assert isinstance(called, ev.TicketCalled) and not called.booked_contested


# ---------------------------------------------------------------------- time and data


def test_a_days_personal_data_is_dropped_retention_days_after_it(desk_for: DeskFactory) -> None:
    desk = desk_for(booking_config(retention_days=30))
    kept = book(desk, TEN)
    later = book(desk, TEN + 86400, "CT")
    desk.at(local(2025, 8, 14, 0, 0) - 1)
    assert not any(isinstance(e, ev.AppointmentDataDropped) for e in desk.housekeep())
    desk.at(local(2025, 8, 14, 0, 0))  # 30 whole days after Monday 14 July
    dropped = [e for e in desk.housekeep() if isinstance(e, ev.AppointmentDataDropped)]
    assert [e.day for e in dropped] == ["2025-07-14"]
    book_ = desk.engine.state.appointments
    assert kept.code not in book_.by_code
    assert later.code in book_.by_code
    assert all(day != "2025-07-14" for day, _ in book_.person_day)
    assert "alice" not in {a.person for a in book_.by_code.values() if a.day == "2025-07-14"}


def test_a_state_saved_at_a_close_keeps_the_bookings_ahead(desk_for: DeskFactory) -> None:
    desk = desk_for(booking_config())
    held = book(desk, TEN + 86400)
    book(desk, TEN, "CT", person="bob")
    desk.open(1)
    desk.at(TEN - 10 * MINUTE)
    desk.issue("HT")
    desk.do(c.CloseDay())
    captured = resume.capture(desk.engine, desk.now)
    assert captured is not None
    closed_at = len(desk.log)
    desk.at(TEN + 86400 - 15 * MINUTE)
    check_in(desk, held.code)
    refuse(desk, booking_of(desk, TEN + 86400 + 3600, person="alice"), err.QuotaExceeded)
    resumed = Engine(desk.config.queue_setup())
    assert resume.restore(resumed, captured) == desk.log[closed_at - 1].at
    resumed.apply_all(desk.log[closed_at:])
    assert resumed.state.snapshot() == replayed(desk.config, desk.log)
    assert resumed.state.snapshot() == desk.engine.state.snapshot()
    assert resumed.ticket(desk.of_type(ev.TicketIssued)[-1].ticket).status is TicketStatus.WAITING


# ---------------------------------------------------------------------- the day's report


def test_the_days_report_sets_booked_against_walk_in(desk_for: DeskFactory) -> None:
    """Issued, waits and share for booked tickets and walk-ins; bookings that came late
    count as walk-ins (they waited as one); missed ones (not checked in by the end of
    their window, as issue 17 defines a no-show) are counted."""
    from queue_server.reports import DayReport

    desk = desk_for(booking_config(early_minutes=24 * 60, per_person_per_day=9))
    on_time = book(desk, TEN, person="a")
    late = book(desk, TEN, person="b")
    missed = book(desk, TEN + 30 * MINUTE, person="c")
    dropped = book(desk, TEN + 60 * MINUTE, person="d")
    desk.do(c.CancelAppointment(code=dropped.code), CITIZEN)
    desk.open(1)
    desk.at(TEN - 20 * MINUTE)
    walk_in = desk.issue("HT")
    desk.at(TEN - 10 * MINUTE)
    booked = check_in(desk, on_time.code)
    desk.at(TEN + 5 * MINUTE)
    assert desk.call(1).ticket == booked.ticket  # waited 15 minutes in the booked lane
    desk.at(TEN + 16 * MINUTE)
    came_late = check_in(desk, late.code)
    desk.at(TEN + 60 * MINUTE)
    desk.housekeep()  # 10:30's window is over: missed
    assert desk.engine.appointment(missed.code).status is AppointmentStatus.MISSED

    report = DayReport(desk.config, "2025-07-14")
    for event in desk.log:
        report.add(event)
    figures = report.result()["booking"]
    assert (figures["booked"]["issued"], figures["walk_in"]["issued"]) == (1, 2)
    assert figures["booked"]["wait_minutes"]["max"] == 15.0
    assert figures["booked_share"] == round(1 / 3, 3)
    assert figures["appointments"] == {
        "booked": 4,
        "cancelled": 1,
        "checked_in": 2,
        "checked_in_late": 1,
        "missed": 2,  # the late one too: not checked in by the end of its window
    }
    assert {walk_in.ticket, came_late.ticket} == {
        t.id for t in report.tickets.values() if not t.booked
    }

    # The spreadsheet: each ticket's arrival beside its wait and outcome, in its language.
    rows = list(csv.DictReader(io.StringIO(report.csv("en").lstrip("\ufeff"))))
    assert {r["Number"]: (r["Arrival"], r["Wait (min)"]) for r in rows} == {
        walk_in.number: ("walk-in", ""),  # not called yet
        booked.number: ("booked", "15.0"),
        came_late.number: ("booked, came late", ""),
    }
    vietnamese = list(csv.DictReader(io.StringIO(report.csv("vi").lstrip("\ufeff")), delimiter=";"))
    assert [r["Hình thức"] for r in vietnamese] == [
        "đến trực tiếp",
        "đặt lịch trước",
        "đặt lịch, đến muộn",
    ]


# ---------------------------------------------------------------------- numbers


def test_booked_tickets_count_in_a_series_of_their_own(desk_for: DeskFactory) -> None:
    """`HA001`: told apart from `A001` when read aloud; a late check-in is a walk-in and
    takes the next walk-in number.  The log replays to the same serials."""
    desk = desk_for(booking_config(early_minutes=120))
    first, second, late = book(desk, TEN), book(desk, TEN, person="bob"), book(desk, TEN, "CT")
    desk.at(TEN - 30 * MINUTE)
    assert desk.issue("HT").number == "A001"
    assert check_in(desk, first.code).number == "HA001"
    assert desk.issue("HT").number == "A002"
    assert check_in(desk, second.code).number == "HA002"
    desk.at(TEN + 20 * MINUTE)  # after the window: a walk-in
    assert check_in(desk, late.code).number == "B001"
    assert desk.engine.state.serials == {"HT": 2, "HT:booked": 2, "CT": 1}
    assert replayed(desk.config, desk.log) == desk.engine.state.snapshot()


def test_a_band_for_booked_tickets_or_no_series_at_all(desk_for: DeskFactory) -> None:
    banded = desk_for(booking_config(bands={"HT": [701, 701]}))
    held, more = book(banded, TEN), book(banded, TEN, person="bob")
    banded.at(TEN - 10 * MINUTE)
    assert check_in(banded, held.code).number == "701"
    refuse(banded, c.CheckIn(code=more.code, tracking_code="x"), err.NumberingExhausted)
    assert banded.issue("HT").number == "A001"

    shared = desk_for(booking_config(number_prefix=""))
    held = book(shared, TEN)
    shared.at(TEN - 10 * MINUTE)
    assert shared.issue("HT").number == "A001"
    assert check_in(shared, held.code).number == "A002"  # as before booked series


def test_an_old_logs_booked_ticket_counts_in_the_walk_in_series() -> None:
    """Before booked series, an on-time booked ticket took the next walk-in number; its
    event has no `series`, and replaying it must count it where it was counted."""
    engine = Engine(booking_config().queue_setup())
    old = ev.decode_event(
        b'{"type":"TicketIssued","at":1.0,"actor":{"kind":"kiosk"},"ticket":1,"number":"A001",'
        b'"service":"HT","priority":null,"day":"2025-07-14","serial":1,"order":1,'
        b'"tracking_code":"t","lang":"vi","booked":"CODE","due_at":600.0}'
    )
    assert isinstance(old, ev.TicketIssued) and old.series is None
    engine.apply(old)
    assert engine.state.serials == {"HT": 1}
