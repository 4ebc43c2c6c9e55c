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


def test_the_tablet_stops_asking_once_the_citizen_has_gone(
    server: PageServer, new_page: OpenPage
) -> None:
    server.counter(1, "open")
    tablet = new_page(f"{server.base}/rate/1#token={server.tokens['tablet']}", 1280, 800)
    expect(tablet.locator("html")).to_have_attribute("data-live", "live")
    mode = tablet.locator("body")

    first = server.issue("HT")
    second = server.issue("HT")
    third = server.issue("HT")
    server.counter(1, "next")
    server.counter(1, "start")
    server.counter(1, "next")  # the first finished, the second called: the first is asked
    expect(mode).to_have_attribute("data-mode", "ask")
    expect(tablet.locator("#ask-number")).to_contain_text(first["number"])
    server.counter(1, "start")  # the second sits down: the first has gone
    expect(mode).to_have_attribute("data-mode", "idle")

    server.counter(1, "done")
    expect(mode).to_have_attribute("data-mode", "ask")
    expect(tablet.locator("#ask-number")).to_contain_text(second["number"])
    status, _ = server.api(  # the second citizen rates on their phone instead
        "POST",
        f"/api/v1/tickets/{second['tracking_code']}/rating",
        server.tokens["admin"],
        {"rating": "neutral"},
    )
    assert status == 200
    expect(mode).to_have_attribute("data-mode", "idle")  # rated: no second question

    tablet.click(".lang-button[data-lang=ar]")
    server.counter(1, "next")
    server.counter(1, "done")
    expect(mode).to_have_attribute("data-mode", "ask")
    text = tablet.locator("#ask-number")
    expect(text).to_contain_text(third["number"])
    expect(text).to_contain_text("التذكرة")
    box = text.bounding_box()
    assert box is not None
    word_x = tablet.evaluate(
        """() => {
        const node = document.querySelector("#ask-number").firstChild;
        const range = document.createRange();
        range.setStart(node, 0); range.setEnd(node, 1);
        return range.getBoundingClientRect().x;
    }"""
    )
    assert word_x > box["x"] + box["width"] / 2, "the Arabic word starts on the right"


def test_a_dissatisfied_citizen_is_asked_why_in_one_tap(
    server: PageServer, new_page: OpenPage
) -> None:
    server.counter(1, "open")
    tablet = new_page(f"{server.base}/rate/1?ask=30#token={server.tokens['tablet']}", 1280, 800)
    expect(tablet.locator("html")).to_have_attribute("data-live", "live")
    served = server.issue("HT")
    server.counter(1, "next")
    server.counter(1, "done")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "ask")
    tablet.click("[data-rating=dissatisfied]")
    reasons = tablet.locator("#rating-choices [data-reason]")
    expect(reasons).to_have_count(5)  # the example centre's list, and a "skip"
    expect(tablet.locator("#rating-choices .rating-skip")).to_have_text("Bỏ qua")
    expect(tablet.locator("[data-reason=long_wait]")).to_have_text("Chờ quá lâu")
    screenshot(tablet, "rate-reason-vi")
    with tablet.expect_response(lambda r: r.url.endswith("/api/v1/counters/1/rating")) as sent:
        tablet.click("[data-reason=long_wait]")
    assert sent.value.status == 200
    assert sent.value.request.post_data_json == {
        "ticket": served["id"],
        "rating": "dissatisfied",
        "reason": "long_wait",
    }
    expect(tablet.locator("body")).to_have_attribute("data-mode", "thanks")
    _, day = server.api("GET", "/api/v1/reports/daily", server.tokens["admin"])
    assert day["satisfaction"]["reasons"] == {"long_wait": 1}
    expect(tablet.locator(".rating-choice")).to_have_count(4)  # faces again, for the next one
