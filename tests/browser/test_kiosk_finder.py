"""The kiosk's search asks the procedure finder: a citizen types as they speak, the tiles
follow its ranking and name the procedure, and the ticket says what papers to bring."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, screenshot

OpenPage = Callable[..., Page]


def test_the_citizens_words_find_the_procedure_and_the_ticket_lists_its_papers(
    server: PageServer, new_page: OpenPage
) -> None:
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024)
    expect(kiosk.locator("html")).to_have_attribute("data-live", "live")
    with kiosk.expect_response(lambda r: "/api/v1/services/search" in r.url) as asked:
        kiosk.fill("#search", "lam so do")  # "làm sổ đỏ", typed without diacritics
    assert asked.value.status == 200
    first = kiosk.locator(".tile").first
    expect(first).to_have_attribute("data-service", "DD")
    expect(first.locator(".tile-procedure")).to_have_text(
        "Đăng ký, cấp giấy chứng nhận quyền sử dụng đất lần đầu"
    )
    screenshot(kiosk, "kiosk-finder-vi")

    first.click()
    expect(kiosk.locator("#ticket")).to_be_visible()
    papers = kiosk.locator("#ticket-papers li")
    expect(kiosk.locator("#ticket-papers")).to_be_visible()
    expect(papers.first).to_have_text("Đơn đăng ký đất đai, tài sản gắn liền với đất (Mẫu 04/ĐK)")
    expect(papers).to_have_count(4)
    screenshot(kiosk, "kiosk-ticket-papers-vi")

    # The next citizen names only a service: no procedure, no list of papers.
    kiosk.click("#ticket-done")
    expect(kiosk.locator("#search")).to_have_value("")
    with kiosk.expect_response(lambda r: "/api/v1/services/search" in r.url):
        kiosk.fill("#search", "ho tich")
    expect(kiosk.locator(".tile")).to_have_count(1)
    expect(kiosk.locator(".tile .tile-procedure")).to_have_count(0)
    kiosk.click(".tile[data-service=HT]")
    expect(kiosk.locator("#ticket")).to_be_visible()
    expect(kiosk.locator("#ticket-papers")).to_be_hidden()


def test_papers_in_english_for_a_citizen_who_chose_english(
    server: PageServer, new_page: OpenPage
) -> None:
    kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1280, 1024)
    expect(kiosk.locator("html")).to_have_attribute("data-live", "live")
    kiosk.click(".lang-button[data-lang=en]")
    with kiosk.expect_response(lambda r: "lang=en" in r.url and "/services/search" in r.url):
        kiosk.fill("#search", "birth certificate for my baby")
    first = kiosk.locator(".tile").first
    expect(first).to_have_attribute("data-service", "HT")
    expect(first.locator(".tile-procedure")).to_have_text("Birth registration")
    first.click()
    expect(kiosk.locator(".ticket-papers-title")).to_have_text("Papers to bring:")
    expect(kiosk.locator("#ticket-papers li").first).to_have_text("Birth registration form")
