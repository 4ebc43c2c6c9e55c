"""A counter's rating tablet asks the citizen it just served, and only them."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, screenshot

OpenPage = Callable[..., Page]


def test_the_tablet_asks_after_each_service_and_thanks(
    server: PageServer, new_page: OpenPage
) -> None:
    server.counter(1, "open")
    earlier = server.issue("HT")
    server.counter(1, "next")
    server.counter(1, "done")  # served before the tablet was on: it must not ask about it

    tablet = new_page(f"{server.base}/rate/1?ask=3#token={server.tokens['tablet']}", 1280, 800)
    expect(tablet.locator("html")).to_have_attribute("data-live", "live")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "idle")
    expect(tablet.locator("#counter-id")).to_have_text("1")

    served = server.issue("HT")
    server.counter(1, "next")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "idle")  # called, not served
    server.counter(1, "done")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "ask")
    expect(tablet.locator("#ask-number")).to_contain_text(served["number"])
    expect(tablet.locator(".rating-choice")).to_have_count(4)
    screenshot(tablet, "rate-ask-vi")
    with tablet.expect_response(lambda r: r.url.endswith("/api/v1/counters/1/rating")) as sent:
        tablet.click("[data-rating=satisfied]")
    assert sent.value.status == 200
    assert sent.value.request.post_data_json == {"ticket": served["id"], "rating": "satisfied"}
    expect(tablet.locator("body")).to_have_attribute("data-mode", "thanks")
    _, seen = server.api(
        "GET", f"/api/v1/tickets/{served['tracking_code']}", server.tokens["admin"]
    )
    assert seen["rating"] == "satisfied"
    _, before = server.api(
        "GET", f"/api/v1/tickets/{earlier['tracking_code']}", server.tokens["admin"]
    )
    assert before["rating"] is None

    # Nobody taps: after ?ask= seconds the question goes, and nothing is recorded.
    unrated = server.issue("HT")
    server.counter(1, "next")
    server.counter(1, "done")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "ask")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "idle", timeout=6000)
    _, left = server.api(
        "GET", f"/api/v1/tickets/{unrated['tracking_code']}", server.tokens["admin"]
    )
    assert left["rating"] is None
