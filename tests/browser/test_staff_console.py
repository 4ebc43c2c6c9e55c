"""The staff console at 1366x768: what the API allows is on screen, the times are in view,
and the keys that end a citizen's turn can be taken back.

Each test drives Debian's Chromium against a real server process; what the page shows
is checked against what the server then holds (its API, its event log).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in, screenshot

OpenPage = Callable[..., Page]
DURATION = re.compile(r"\d+:\d\d")


def staff_at(server: PageServer, new_page: OpenPage, username: str = "canbo1") -> Page:
    page = new_page(f"{server.base}/staff", 1366, 768)
    log_in(page, username, counter=1)
    expect(page.locator("#console")).to_be_visible()
    return page


def ticket_status(server: PageServer, ticket: dict[str, str]) -> str:
    status, body = server.api(
        "GET", f"/api/v1/tickets/{ticket['tracking_code']}", server.tokens["admin"]
    )
    assert status == 200, body
    result: str = body["status"]
    return result


def test_times_and_the_days_tally_are_in_view(server: PageServer, new_page: OpenPage) -> None:
    server.issue("HT")
    server.issue("HT")
    staff = staff_at(server, new_page)
    expect(staff.locator("#served-today")).to_contain_text("0")
    expect(staff.locator("#waiting-list .waiting-wait").first).to_have_text(DURATION)
    staff.keyboard.press("p")
    staff.keyboard.press("n")
    expect(staff.locator("#current-times")).to_be_visible()
    expect(staff.locator("#current-waited")).to_contain_text(DURATION)
    expect(staff.locator("#service-timer")).to_contain_text(DURATION)  # called this long ago
    staff.keyboard.press("s")
    expect(staff.locator("#service-timer")).to_contain_text("Đang phục vụ")
    screenshot(staff, "staff-console-serving")
    staff.click("[data-action=done]")
    expect(staff.locator("#served-today")).to_contain_text("1")
    expect(staff.locator("#current-times")).to_be_hidden()


def test_a_no_show_key_waits_and_can_be_taken_back(server: PageServer, new_page: OpenPage) -> None:
    first = server.issue("HT")
    staff = staff_at(server, new_page)
    staff.keyboard.press("p")
    staff.keyboard.press("n")
    expect(staff.locator("#current-number")).to_have_text(first["number"])
    staff.keyboard.press("x")
    expect(staff.locator("#pending")).to_contain_text(first["number"])
    staff.keyboard.press("Escape")
    expect(staff.locator("#pending")).to_be_hidden()
    assert ticket_status(server, first) == "called"
    staff.keyboard.press("d")
    expect(staff.locator("#pending")).to_be_visible()
    staff.click("#pending-undo")
    expect(staff.locator("#pending")).to_be_hidden()
    assert ticket_status(server, first) == "called"
    # Left alone, it is sent after a few seconds; the message says what became of whom.
    staff.keyboard.press("x")
    expect(staff.locator(f"[data-absent={first['number']}]")).to_be_visible(timeout=10_000)
    expect(staff.locator("#console-info")).to_contain_text(first["number"])
    expect(staff.locator("#console-info")).to_contain_text("vắng mặt")
    assert ticket_status(server, first) == "no_show"


def test_an_absent_citizen_is_put_back_in_line(server: PageServer, new_page: OpenPage) -> None:
    first = server.issue("HT")
    staff = staff_at(server, new_page)
    staff.keyboard.press("p")
    staff.keyboard.press("n")
    expect(staff.locator("#current-number")).to_have_text(first["number"])
    staff.keyboard.press("x")
    expect(staff.locator("#pending")).to_be_visible()
    staff.keyboard.press("Enter")  # at once
    absent = staff.locator(f"[data-absent={first['number']}]")
    expect(absent).to_be_visible()
    absent.locator("[data-reactivate]").click()
    expect(absent).to_have_count(0)
    expect(staff.locator(f"#waiting-list [data-call={first['number']}]")).to_be_visible()
    assert ticket_status(server, first) == "waiting"


def test_calling_out_of_order_asks_why_and_the_log_keeps_it(
    server: PageServer, new_page: OpenPage
) -> None:
    server.issue("HT")
    second = server.issue("HT")
    staff = staff_at(server, new_page)
    staff.keyboard.press("p")
    staff.click(f"[data-call={second['number']}]")
    dialog = staff.locator("#reason-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(second["number"])
    staff.fill("#call-reason", "cụ già, đi lại khó")
    staff.click("#reason-form button[type=submit]")
    expect(staff.locator("#current-number")).to_have_text(second["number"])
    log = sqlite3.connect(server.directory / "centre.sqlite3")
    notes = [
        json.loads(bytes(row[0]))["note"]
        for row in log.execute("SELECT body FROM events WHERE type='TicketCalled'")
    ]
    log.close()
    assert notes == ["cụ già, đi lại khó"]


def test_logging_out_of_an_open_counter_asks_and_can_close_it(
    server: PageServer, new_page: OpenPage
) -> None:
    staff = staff_at(server, new_page)
    staff.keyboard.press("p")
    expect(staff.locator("#counter-status")).to_have_class(re.compile(r"\bopen\b"))
    staff.click("#logout")
    expect(staff.locator("#logout-dialog")).to_be_visible()
    staff.click("#logout-dialog button[value=close]")
    expect(staff.locator("#login")).to_be_visible()
    status, body = server.api("GET", "/api/v1/counters", server.tokens["admin"])
    assert status == 200, body
    assert next(c for c in body["counters"] if c["id"] == 1)["status"] == "closed"


def test_the_counter_closes_from_the_screen(server: PageServer, new_page: OpenPage) -> None:
    staff = staff_at(server, new_page)
    close = staff.locator("[data-action=close]")
    expect(close).to_be_disabled()
    staff.keyboard.press("p")
    expect(close).to_be_enabled()
    close.click()
    expect(staff.locator("#counter-status")).to_have_class(re.compile(r"\bclosed\b"))
    staff.click("#logout")  # closed: no question
    expect(staff.locator("#login")).to_be_visible()


def test_a_second_person_at_a_held_counter_is_warned(
    server: PageServer, new_page: OpenPage
) -> None:
    staff_at(server, new_page, "canbo1")
    second = staff_at(server, new_page, "giamsat")
    expect(second.locator("#held-warning")).to_be_visible()
    expect(second.locator("#held-warning")).to_contain_text("Canbo1")


def test_a_supervisor_at_a_counter_may_cancel_tickets(
    server: PageServer, new_page: OpenPage
) -> None:
    first = server.issue("HT")
    staff = staff_at(server, new_page, "canbo1")
    expect(staff.locator("[data-action=cancel]")).to_be_hidden()
    expect(staff.locator("[data-cancel]")).to_have_count(0)
    supervisor = staff_at(server, new_page, "giamsat")
    supervisor.click(f"[data-cancel={first['number']}]")
    expect(supervisor.locator(f"#waiting-list [data-call={first['number']}]")).to_have_count(0)
    assert ticket_status(server, first) == "cancelled"


def test_the_transfer_dialog_shows_each_counter_and_refuses_closed_ones(
    server: PageServer, new_page: OpenPage
) -> None:
    first = server.issue("HT")
    server.issue("HT")
    staff = staff_at(server, new_page)
    staff.keyboard.press("p")
    staff.keyboard.press("n")
    expect(staff.locator("#current-number")).to_have_text(first["number"])
    staff.keyboard.press("t")
    closed = staff.locator("#transfer-counter option[value='2']")
    expect(closed).to_contain_text("Đóng")  # its state
    expect(closed).to_contain_text("1 đang chờ")  # and its line
    expect(closed).to_be_disabled()
    expect(staff.locator("#transfer-insist-label")).to_be_hidden()
    staff.click("#transfer-cancel")
    server.counter(2, "open")
    staff.keyboard.press("t")
    expect(closed).to_be_enabled()
    expect(closed).to_contain_text("Đang mở")
    staff.select_option("#transfer-counter", "2")
    staff.click("#transfer-form button[type=submit]")
    expect(staff.locator("#current-number")).to_have_text("—")


def test_a_supervisor_may_insist_on_a_closed_counter(
    server: PageServer, new_page: OpenPage
) -> None:
    first = server.issue("HT")
    boss = staff_at(server, new_page, "giamsat")
    boss.keyboard.press("p")
    boss.keyboard.press("n")
    expect(boss.locator("#current-number")).to_have_text(first["number"])
    boss.keyboard.press("t")
    closed = boss.locator("#transfer-counter option[value='2']")
    expect(closed).to_be_disabled()
    boss.check("#transfer-insist")
    expect(closed).to_be_enabled()
    boss.select_option("#transfer-counter", "2")
    boss.click("#transfer-form button[type=submit]")
    expect(boss.locator("#current-number")).to_have_text("—")
    status, counters = server.api("GET", "/api/v1/counters", server.tokens["admin"])
    assert status == 200
    assert next(c for c in counters["counters"] if c["id"] == 2)["waiting"] == 1


def test_the_desk_gives_a_waiting_ticket_the_class_its_card_shows(
    server: PageServer, new_page: OpenPage
) -> None:
    """ "Merit" is checked at the desk (the example centre): the kiosk took a normal ticket,
    and staff give it the class from the waiting list."""
    ticket = server.issue("HT")
    staff = staff_at(server, new_page)
    choice = staff.locator(f"#waiting-list [data-priority-of='{ticket['number']}']")
    expect(choice).to_have_value("")
    choice.select_option("merit")
    expect(staff.locator("#waiting-list .waiting-meta").first).to_contain_text("ưu tiên")
    _, seen = server.api(
        "GET", f"/api/v1/tickets/{ticket['tracking_code']}", server.tokens["admin"]
    )
    assert seen["priority"] == "merit"
    expect(staff.locator(f"#waiting-list [data-priority-of='{ticket['number']}']")).to_have_value(
        "merit"
    )
