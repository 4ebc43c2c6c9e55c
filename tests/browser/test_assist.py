"""The volunteers' tablet (`/assist`) at both tablet sizes: a volunteer finds the service
in the citizen's words, chooses the priority class and the citizen's language, and
issues the ticket, printed on the printer picked or shown big with its QR code; every
line's waiting count and wait beside it, live."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in, screenshot
from .measure import outside

OpenPage = Callable[..., Page]
TABLETS = {"landscape": (1280, 800), "portrait": (800, 1280)}


def volunteer(server: PageServer, new_page: OpenPage, size: str) -> Page:
    page = new_page(f"{server.base}/assist", *TABLETS[size])
    log_in(page, "tinhnguyen")
    expect(page.locator("#desk")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-live", "live")
    return page


def printed_tickets(server: PageServer) -> list[dict[str, object]]:
    status, body = server.api("GET", "/api/v1/devices/printers/tickets", server.tokens["admin"])
    assert status == 200, body
    tickets: list[dict[str, object]] = body["tickets"]
    return tickets


@pytest.mark.parametrize("size", TABLETS)
def test_a_ticket_found_in_the_citizens_words_prints_where_the_volunteer_chose(
    server: PageServer, new_page: OpenPage, size: str
) -> None:
    page = volunteer(server, new_page, size)
    page.fill("#search", "lam giay khai sinh cho con")
    first = page.locator("#services .tile").first
    expect(first).to_have_attribute("data-service", "HT")
    expect(first.locator(".tile-procedure")).to_have_text("Đăng ký khai sinh")
    first.click()
    expect(page.locator("#chosen")).to_contain_text("Đăng ký khai sinh")
    page.click("#priorities [data-priority=elderly]")
    page.click("#ticket-languages [data-lang=en]")
    expect(page.locator("#printer option[value=printer-desk]")).to_have_count(1)
    page.select_option("#printer", "printer-desk")
    assert outside(page, "#search, #services .tile-item:first-child .tile, #issue") == []
    screenshot(page, f"assist-{size}")
    page.click("#issue")
    expect(page.locator("#ticket")).to_be_visible()
    # The card speaks the citizen's language, and says where the ticket printed.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^A\d{3}$"))
    expect(page.locator("#ticket-service")).to_have_text("Civil status")
    expect(page.locator("#ticket-priority")).to_be_visible()
    expect(page.locator("#print-ok")).to_contain_text("printer-desk")
    expect(page.locator("#ticket-papers-list li").first).to_have_text("Birth registration form")
    number = page.locator("#ticket-number").inner_text()
    [paper] = [t for t in printed_tickets(server) if t["number"] == number]
    assert paper["printer"] == "printer-desk" and paper["status"] == "printed", paper
    assert paper["kiosk"] == "volunteer:tinhnguyen", paper
    # The next citizen: a clean form, in the volunteer's language again.
    page.click("#ticket-done")
    expect(page.locator("#ticket")).to_be_hidden()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#search")).to_have_value("")
    expect(page.locator("#issue")).to_be_disabled()


@pytest.mark.parametrize("size", TABLETS)
def test_without_a_printer_the_ticket_shows_big_with_its_qr_code(
    server: PageServer, new_page: OpenPage, size: str
) -> None:
    page = volunteer(server, new_page, size)
    page.click("#services .tile[data-service=CT]")
    expect(page.locator("#printer")).to_have_value("")
    page.click("#issue")
    expect(page.locator("#print-failed")).to_be_visible()
    expect(page.locator("#print-ok")).to_be_hidden()
    qr = page.locator("#ticket-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^/s/[\w-]+/qr\.svg$"))
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert outside(page, "#ticket-number, #ticket-qr, #print-failed, #ticket-done") == []
    number_px = float(
        page.eval_on_selector("#ticket-number", "n => parseFloat(getComputedStyle(n).fontSize)")
    )
    qr_px = page.eval_on_selector("#ticket-qr", "n => n.getBoundingClientRect().width")
    assert number_px >= 90 and qr_px >= 180, (number_px, qr_px)
    screenshot(page, f"assist-ticket-{size}")
    assert printed_tickets(server) == []


def test_the_waits_of_every_line_at_a_glance_live(server: PageServer, new_page: OpenPage) -> None:
    server.issue("HT")
    server.issue("HT")
    page = volunteer(server, new_page, "landscape")
    row = page.locator("#waits tr[data-service=HT]")
    expect(row.locator("td").nth(1)).to_have_text("2")
    expect(page.locator("#waits tr")).to_have_count(len(server_services(server)))
    server.issue("HT")
    expect(row.locator("td").nth(1)).to_have_text("3")


def server_services(server: PageServer) -> list[object]:
    status, body = server.api("GET", "/api/v1/services", server.tokens["admin"])
    assert status == 200, body
    services: list[object] = body["services"]
    return services


def test_staff_are_not_volunteers(server: PageServer, new_page: OpenPage) -> None:
    page = new_page(f"{server.base}/assist", *TABLETS["landscape"])
    log_in(page, "canbo1")
    expect(page.locator("#login-error")).to_be_visible()  # staff log in at a counter
    expect(page.locator("#desk")).to_be_hidden()
