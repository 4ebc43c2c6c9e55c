"""The citizen's status page on a phone (390x844): give up the ticket, a sound button
that steps back once called, language buttons in one short row.

Before, a citizen who left could not give the ticket up; the big yellow "sound" button
stayed as loud as the call itself; the language buttons took two rows (104 px).
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, screenshot
from .test_pages import PHONE

OpenPage = Callable[..., Page]
ACCENT = "rgb(255, 210, 63)"


def phone(server: PageServer, new_page: OpenPage, code: str) -> Page:
    page = new_page(f"{server.base}/s/{code}", **PHONE)
    expect(page.locator("#main")).to_have_attribute("data-status", "waiting")
    return page


def test_a_citizen_gives_up_their_ticket(server: PageServer, new_page: OpenPage) -> None:
    ticket = server.issue("HT")
    page = phone(server, new_page, ticket["tracking_code"])
    page.locator("#withdraw").tap()
    expect(page.locator("#withdraw-confirm")).to_be_visible()
    page.locator("#withdraw-no").tap()  # changed their mind: nothing happens
    expect(page.locator("#withdraw-confirm")).to_be_hidden()
    expect(page.locator("#main")).to_have_attribute("data-status", "waiting")
    page.locator("#withdraw").tap()
    screenshot(page, "status-withdraw-vi")
    page.locator("#withdraw-yes").tap()
    expect(page.locator("#main")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#withdraw")).to_be_hidden()
    _, seen = server.api(
        "GET", f"/api/v1/tickets/{ticket['tracking_code']}", server.tokens["admin"]
    )
    assert seen["status"] == "cancelled"


def test_once_called_the_sound_button_steps_back_and_no_one_can_give_up(
    server: PageServer, new_page: OpenPage
) -> None:
    ticket = server.issue("HT")
    page = phone(server, new_page, ticket["tracking_code"])
    sound = page.locator("#sound")
    assert sound.evaluate("n => getComputedStyle(n).backgroundColor") == ACCENT
    server.counter(1, "open")
    server.counter(1, "next")
    expect(page.locator("#main")).to_have_attribute("data-status", "called")
    expect(page.locator("#withdraw")).to_be_hidden()
    expect(sound).to_be_visible()  # a recall may still chime
    assert sound.evaluate("n => getComputedStyle(n).backgroundColor") != ACCENT
    called, button = page.locator("#called").bounding_box(), sound.bounding_box()
    assert called and button and button["y"] >= called["y"] + called["height"]
    assert button["height"] < called["height"] / 2
    screenshot(page, "status-called-sound-vi")


def test_the_language_buttons_take_one_short_row(server: PageServer, new_page: OpenPage) -> None:
    ticket = server.issue("HT")
    page = phone(server, new_page, ticket["tracking_code"])
    box = page.locator("#languages").bounding_box()
    assert box and box["height"] <= 48, box
    for button in page.locator(".lang-button").all():
        size = button.bounding_box()
        assert size and size["height"] >= 24 and size["width"] >= 24  # still a target (WCAG 2.5.8)


def test_the_status_page_lists_the_papers_of_the_procedure_chosen_at_the_kiosk(
    server: PageServer, new_page: OpenPage
) -> None:
    """Chosen at the kiosk by the citizen's own words, the procedure goes with the ticket:
    its papers are on the phone too, in the page's language, while the ticket waits; a
    transfer to another service leaves them behind."""
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024)
    expect(kiosk.locator("html")).to_have_attribute("data-live", "live")
    with kiosk.expect_response(lambda r: "/api/v1/services/search" in r.url):
        kiosk.fill("#search", "lam giay khai sinh")
    first = kiosk.locator(".tile").first
    expect(first.locator(".tile-procedure")).to_have_text("Đăng ký khai sinh")
    with kiosk.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as issued:
        first.click()
    ticket = issued.value.json()
    assert ticket["procedure"] == "khai-sinh"

    page = phone(server, new_page, ticket["tracking_code"])
    papers = page.locator("#papers")
    expect(papers).to_be_visible()
    expect(papers.locator("h2")).to_have_text("Giấy tờ cần mang theo")
    expect(page.locator("#papers-procedure")).to_have_text("Đăng ký khai sinh")
    expect(papers.locator("li")).to_have_count(4)
    expect(papers.locator("li").first).to_have_text("Tờ khai đăng ký khai sinh")
    screenshot(page, "status-papers-vi")
    page.click(".lang-button[data-lang=en]")
    expect(papers.locator("li").first).to_have_text("Birth registration form")
    expect(page.locator("#papers-procedure")).to_have_text("Birth registration")

    server.counter(1, "open")
    server.counter(1, "next")
    expect(page.locator("#main")).to_have_attribute("data-status", "called")
    expect(papers).to_be_visible()  # on the way to the counter, still worth reading
    status, moved = server.api(
        "POST", "/api/v1/counters/1/transfer", server.tokens["admin"], {"service": "CT"}
    )
    assert status == 200, moved
    expect(page.locator("#main")).to_have_attribute("data-status", "waiting")
    expect(papers).to_be_hidden()


def test_a_ticket_without_a_procedure_shows_no_papers(
    server: PageServer, new_page: OpenPage
) -> None:
    ticket = server.issue("HT")
    page = phone(server, new_page, ticket["tracking_code"])
    expect(page.locator("#position")).not_to_have_text("")
    expect(page.locator("#papers")).to_be_hidden()
