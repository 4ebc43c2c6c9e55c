"""Today's bookings on the admin page, in Debian's Chromium: per service its places against
what walk-ins keep, per slot what became of its bookings, kept up to date as citizens book.

The server's clock is a Monday at 08:20 (Hanoi) and booking closes at a slot's start, so
the 08:30 slot is bookable and open for check-in (from 08:15)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in, screenshot

OpenPage = Callable[..., Page]
HALF_PAST_EIGHT = "2030-01-07T08:30:00+07:00"
TEN = "2030-01-07T10:00:00+07:00"
ELEVEN = "2030-01-07T11:00:00+07:00"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PageServer]:
    running = PageServer(
        tmp_path, options=["--clock-from", "2030-01-07T08:20:00+07:00", "--booking-cutoff", "0"]
    )
    running.start(setup=True)
    try:
        body = {"role": "partner", "name": "city-app"}
        status, made = running.api("POST", "/api/v1/tokens", running.tokens["admin"], body)
        assert status == 201, made
        running.tokens["partner"] = made["token"]
        yield running
    finally:
        running.stop()


def book(server: PageServer, start: str, phone: str) -> dict[str, Any]:
    """As the city's app books (a partner's token: more bookings a minute than one address)."""
    body = {"service": "HT", "start": start, "phone": phone}
    status, booked = server.api("POST", "/api/v1/appointments", server.tokens["partner"], body)
    assert status == 201, booked
    result: dict[str, Any] = booked
    return result


def test_the_supervisor_sees_todays_slots_against_walk_ins(
    server: PageServer, new_page: OpenPage
) -> None:
    came, coming = (
        book(server, HALF_PAST_EIGHT, "0912345001"),
        book(server, HALF_PAST_EIGHT, "0912345002"),
    )
    dropped = book(server, TEN, "0912345003")
    path = f"/api/v1/appointments/{came['code']}/check-in"
    status, ticket = server.api("POST", path, server.tokens["kiosk"])
    assert status == 201, ticket
    path = f"/api/v1/appointments/{dropped['code']}/cancel"
    assert server.api("POST", path, server.tokens["admin"])[0] == 200
    assert coming["status"] == "booked"
    status, day = server.api("GET", "/api/v1/appointments/day", server.tokens["admin"])
    assert status == 200, day
    ht = next(s for s in day["services"] if s["service"] == "HT")

    admin = new_page(f"{server.base}/admin", 1440, 1000)
    log_in(admin, "giamsat")
    panel = admin.locator("#bookings")
    expect(panel.locator("h2")).to_have_text("Lịch hẹn hôm nay")
    civil = panel.locator(".bookings-service[data-service=HT]")
    expect(civil.locator("h3")).to_have_text("Hộ tịch")
    expect(civil.locator(".bookings-capacity")).to_have_text(
        f"Mỗi khung: {ht['places']} chỗ cấu hình, {ht['capacity']} chỗ đặt lịch; "
        f"quầy phục vụ được {ht['servable']}, người đến trực tiếp giữ {ht['walk_in']}"
    )
    early = civil.locator(f"tr[data-start='{HALF_PAST_EIGHT}']")
    expect(early.locator("th")).to_have_text("08:30–09:00")
    figures = {
        "booked": "1",
        "checked_in": "1",
        "missed": "0",
        "cancelled": "0",
        "free": "0",
        "walk_in": str(ht["servable"] - 2),
    }
    for name, value in figures.items():
        expect(early.locator(f"[data-figure={name}]")).to_have_text(value)
    ten = civil.locator(f"tr[data-start='{TEN}']")
    expect(ten.locator("[data-figure=cancelled]")).to_have_text("1")
    expect(ten.locator("[data-figure=free]")).to_have_text(str(ht["capacity"]))
    screenshot(admin, "admin-bookings")

    # A citizen books while the page is open: the panel follows the log's events.
    eleven = civil.locator(f"tr[data-start='{ELEVEN}']")
    expect(eleven.locator("[data-figure=booked]")).to_have_text("0")
    book(server, ELEVEN, "0912345004")
    expect(eleven.locator("[data-figure=booked]")).to_have_text("1")
    expect(eleven.locator("[data-figure=free]")).to_have_text(str(ht["capacity"] - 1))

    admin.click(".lang-button[data-lang=ar]")
    expect(panel.locator("h2")).to_have_text("حجوزات اليوم")
    expect(civil.locator("thead th").nth(1)).to_have_text("محجوز، لم يحضر بعد")


def test_the_days_report_sets_booked_against_walk_in(
    server: PageServer, new_page: OpenPage
) -> None:
    came = book(server, HALF_PAST_EIGHT, "0912345001")
    book(server, TEN, "0912345002")  # not due yet: neither come nor missed
    path = f"/api/v1/appointments/{came['code']}/check-in"
    status, booked = server.api("POST", path, server.tokens["kiosk"])
    assert status == 201, booked
    status, walk_in = server.api(
        "POST", "/api/v1/tickets", server.tokens["kiosk"], {"service": "HT"}
    )
    assert status == 201, walk_in
    server.counter(1, "open")
    answer = server.counter(1, "next")
    assert answer is not None and answer["ticket"]["number"] == booked["number"]
    server.counter(1, "done")

    admin = new_page(f"{server.base}/admin", 1440, 1000)
    log_in(admin, "giamsat")
    rows = admin.locator("#report .report-booking tbody tr")
    expect(rows.nth(0).locator("td")).to_have_text(
        ["Đặt lịch trước", "1", "1", "0", "0:00", "0:00"]
    )
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("Đến trực tiếp")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("1")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("0")
    expect(admin.locator("#report .report-bookings")).to_have_text(
        "Số đặt lịch: 50% số trong ngày · Lượt đặt lịch hôm nay: 2 · Đã huỷ: 0 · "
        "Đến đúng giờ: 1, đến muộn: 0 · Không đến: 0"
    )
