"""A served citizen rates the service on their phone, in the language they chose at the kiosk."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, screenshot

OpenPage = Callable[..., Page]
PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True}


def test_a_served_citizen_rates_once_in_their_kiosk_language(
    server: PageServer, new_page: OpenPage
) -> None:
    status, ticket = server.api(
        "POST", "/api/v1/tickets", server.tokens["admin"], {"service": "HT", "lang": "ar"}
    )
    assert status == 201, ticket
    phone = new_page(f"{server.base}/s/{ticket['tracking_code']}", **PHONE)
    expect(phone.locator("#main")).to_have_attribute("data-status", "waiting")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")  # chosen at the kiosk
    expect(phone.locator("#rating")).to_be_hidden()

    server.counter(1, "open")
    server.counter(1, "next")
    expect(phone.locator("#main")).to_have_attribute("data-status", "called")
    expect(phone.locator("#rating")).to_be_hidden()
    server.counter(1, "done")
    expect(phone.locator("#main")).to_have_attribute("data-status", "done")
    expect(phone.locator("#rating")).to_be_visible()
    expect(phone.locator(".rating-title")).to_have_text("ما مدى رضاك عن إنجاز معاملتك؟")
    phone.click(".lang-button[data-lang=vi]")
    expect(phone.locator("[data-rating=neutral]")).to_contain_text("Bình thường")
    screenshot(phone, "status-rate-vi")

    with phone.expect_response(lambda r: r.url.endswith("/rating")) as answer:
        phone.click("[data-rating=very_satisfied]")
    assert answer.value.status == 200
    expect(phone.locator("#rating-thanks")).to_have_text("Cảm ơn bạn đã đánh giá!")
    expect(phone.locator("#rating")).to_be_hidden()

    phone.reload()  # the rating is kept by the server: no second chance to rate
    expect(phone.locator("#main")).to_have_attribute("data-status", "done")
    expect(phone.locator("#rating-thanks")).to_be_visible()
    expect(phone.locator("#rating")).to_be_hidden()
    status, seen = server.api(
        "GET", f"/api/v1/tickets/{ticket['tracking_code']}", server.tokens["admin"]
    )
    assert (status, seen["rating"]) == (200, "very_satisfied")
