"""Staff and the admin see how many wait as tickets are issued, not at the next call."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in

OpenPage = Callable[..., Page]


def test_waiting_counts_follow_each_ticket_issued(server: PageServer, new_page: OpenPage) -> None:
    staff = new_page(f"{server.base}/staff")
    log_in(staff, "canbo1", counter=1)
    expect(staff.locator("#console")).to_be_visible()
    admin = new_page(f"{server.base}/admin", 1440, 1000)
    log_in(admin, "admin")
    counter_1 = admin.locator("#counters tr[data-counter='1'] td").nth(4)
    expect(counter_1).to_have_text("0")
    expect(staff.locator("#waiting-total")).to_have_text("0")

    server.issue("HT")  # counter 1 serves HT and CT (the example centre)
    server.issue("CT")
    server.issue("DD")  # not counter 1's
    expect(staff.locator("#waiting-total")).to_have_text("2")
    expect(counter_1).to_have_text("2")
