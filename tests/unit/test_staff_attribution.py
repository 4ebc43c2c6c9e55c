"""Who holds a counter: signing in and out, and every press there counted for them.

A person signs in at a counter (the console's login); from then on whatever happens at
that counter, from the console, the keypad or the radio button, counts in that person's
figures, until they sign out, another signs in there, or the day closes.  The events say
so, so the day's report (fed the log alone) attributes the same way after a restart.
"""

from __future__ import annotations

from typing import Any

from queue_server.engine import Actor
from queue_server.engine import commands as c
from queue_server.engine import events as ev
from queue_server.reports import DayReport

from .conftest import Desk, local

KEYPAD = Actor("keypad", "keypad-1")
RADIO = Actor("keypad", "rf-remote-1")
LAN = Actor("staff", "lan")
BINH = Actor("staff", "binh")
MINUTE = 60.0


def staff_rows(desk: Desk) -> dict[str, dict[str, Any]]:
    report = DayReport(desk.config, "2025-07-14")
    for event in desk.log:
        report.add(event)
    return {row["staff"]: row for row in report.result()["staff"]}


def sign_in(desk: Desk, counter: int, actor: Actor) -> list[ev.Event]:
    """The events the sign-in decided (after the time's housekeeping)."""
    desk.housekeep()
    return desk.do(c.SignIn(counter=counter, staff=actor.id), actor)


def test_signing_in_gives_the_counter_to_that_person(desk: Desk) -> None:
    (signed,) = sign_in(desk, 1, LAN)
    assert isinstance(signed, ev.StaffSignedIn)
    assert (signed.counter, signed.staff, signed.actor) == (1, "lan", LAN)
    assert desk.engine.counter(1).staff == "lan"
    assert desk.engine.counter(2).staff is None
    assert sign_in(desk, 1, LAN) == [], "a second login of the same person changes nothing"


def test_keypad_and_radio_presses_count_for_the_person_signed_in(desk: Desk) -> None:
    sign_in(desk, 1, LAN)
    desk.do(c.OpenCounter(counter=1), KEYPAD)
    desk.issue("HT")
    desk.issue("HT")
    desk.advance(MINUTE)
    desk.do(c.CallNext(counter=1), KEYPAD)
    desk.do(c.StartService(counter=1), KEYPAD)
    desk.advance(5 * MINUTE)
    desk.do(c.Finish(counter=1), RADIO)
    desk.do(c.CallNext(counter=1), RADIO)
    desk.advance(MINUTE)
    desk.do(c.MarkNoShow(counter=1), KEYPAD)
    lan = staff_rows(desk)["lan"]
    assert (lan["called"], lan["served"], lan["no_show"]) == (2, 1, 1)
    assert lan["service_minutes"]["median_s"] == 300
    assert lan["counters"] == [1]
    assert lan["open_s"] == 7 * 60


def test_another_signing_in_takes_the_counter_over(desk: Desk) -> None:
    sign_in(desk, 1, LAN)
    desk.open(1)
    desk.issue("HT")
    desk.issue("HT")
    desk.do(c.CallNext(counter=1), KEYPAD)
    left, came = sign_in(desk, 1, BINH)
    assert isinstance(left, ev.StaffSignedOut) and isinstance(came, ev.StaffSignedIn)
    assert (left.staff, left.reason, came.staff) == ("lan", "replaced", "binh")
    assert desk.engine.counter(1).staff == "binh"
    desk.do(c.CallNext(counter=1), KEYPAD)  # ends the first ticket unstarted, calls the next
    rows = staff_rows(desk)
    assert (rows["lan"]["called"], rows["binh"]["called"]) == (1, 1)
    assert desk.do(c.SignOut(counter=1, staff="lan"), LAN) == [], "lan no longer holds it"
    assert desk.engine.counter(1).staff == "binh"


def test_nothing_counts_for_anyone_after_signing_out(desk: Desk) -> None:
    sign_in(desk, 1, LAN)
    desk.open(1)
    desk.issue("HT")
    desk.issue("HT")
    desk.advance(MINUTE)
    desk.housekeep()
    (left,) = desk.do(c.SignOut(counter=1, staff="lan"), LAN)
    assert isinstance(left, ev.StaffSignedOut) and left.reason == "signed_out"
    assert desk.engine.counter(1).staff is None
    desk.advance(MINUTE)
    desk.do(c.CallNext(counter=1), KEYPAD)
    desk.do(c.Finish(counter=1), KEYPAD)
    lan = staff_rows(desk)["lan"]
    assert (lan["called"], lan["served"], lan["no_show"]) == (0, 0, 0)
    assert lan["open_s"] == 60, "open time stops counting when they leave"


def test_the_close_of_the_day_signs_everyone_out(desk: Desk) -> None:
    sign_in(desk, 1, LAN)
    sign_in(desk, 2, BINH)
    desk.housekeep()
    closed = desk.do(c.CloseDay(), Actor("supervisor", "boss"))
    left = [e for e in closed if isinstance(e, ev.StaffSignedOut)]
    assert {(e.counter, e.staff, e.reason) for e in left} == {
        (1, "lan", "day_closed"),
        (2, "binh", "day_closed"),
    }
    assert isinstance(closed[-1], ev.DayClosed), "signed out before the day closes"
    assert all(k.staff is None for k in desk.engine.state.counters.values())


def test_a_new_day_starts_with_nobody_signed_in(desk: Desk) -> None:
    """Signed in after the day was closed: the next day's housekeeping signs them out, so
    each day's figures stand on that day's events alone."""
    desk.do(c.CloseDay(), Actor("supervisor", "boss"))
    sign_in(desk, 1, LAN)
    desk.at(local(2025, 7, 15, 7, 0))
    due = desk.housekeep()
    assert [type(e) for e in due][:2] == [ev.StaffSignedOut, ev.DayOpened]
    assert desk.engine.counter(1).staff is None


def test_paused_time_counts_apart_from_open_time(desk: Desk) -> None:
    sign_in(desk, 1, LAN)
    desk.do(c.OpenCounter(counter=1), KEYPAD)
    desk.advance(10 * MINUTE)
    desk.do(c.PauseCounter(counter=1), KEYPAD)
    desk.advance(15 * MINUTE)
    desk.do(c.ResumeCounter(counter=1), KEYPAD)
    desk.advance(5 * MINUTE)
    desk.do(c.CloseCounter(counter=1), KEYPAD)
    desk.advance(30 * MINUTE)
    desk.do(c.SignOut(counter=1, staff="lan"), LAN)
    lan = staff_rows(desk)["lan"]
    assert (lan["open_s"], lan["paused_s"]) == (15 * 60, 15 * 60)
