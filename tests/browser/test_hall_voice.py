"""The hall's voice outlives one failed announcement."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import Page, Route, expect

from .conftest import PageServer

OpenPage = Callable[..., Page]


def test_one_failed_announcement_does_not_silence_the_hall(
    server: PageServer, new_page: OpenPage
) -> None:
    hall = new_page(f"{server.base}/hall#token={server.tokens['display']}", 1920, 1080)
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    failed: list[str] = []

    def fail_once(route: Route) -> None:
        if failed:
            route.continue_()
            return
        failed.append(route.request.url)  # as the server answers a synthesis that timed out
        body = {"error": {"code": "voice_unavailable", "message": "espeak-ng took over 10 s"}}
        route.fulfill(status=503, content_type="application/json", body=json.dumps(body))

    hall.route("**/api/v1/announcements/**", fail_once)
    server.counter(1, "open")
    first = server.issue("HT")["number"]
    with hall.expect_response(lambda r: r.url.endswith("/api/v1/voice") and r.ok, timeout=5000):
        server.counter(1, "next")  # its phrase fails: the hall asks whether the voice works
    expect(hall.locator("#latest-number")).to_have_text(first)
    assert failed

    second = server.issue("HT")["number"]
    with hall.expect_response(
        lambda r: r.url.endswith(f"/{second}-1") and r.status == 200, timeout=5000
    ):
        server.counter(1, "next")
    expect(hall.locator("#voice-note")).to_be_hidden()


def test_a_screen_with_a_revoked_token_says_so_in_its_language(
    server: PageServer, new_page: OpenPage
) -> None:
    status, _ = server.api(
        "POST", "/api/v1/tokens/hall/revoke", server.tokens["admin"], {}
    )  # the hall display's token, revoked by the administrator
    assert status == 200
    hall = new_page(f"{server.base}/hall#token={server.tokens['display']}", 1920, 1080)
    banner = hall.locator("#live-banner")
    expect(hall.locator("html")).to_have_attribute("data-live", "refused")
    expect(banner).to_contain_text("Màn hình này chưa có mã truy cập hợp lệ")
    expect(banner).to_have_attribute("title", "this token is unknown or has been revoked")
    arabic = new_page(f"{server.base}/hall?lang=ar#token={server.tokens['display']}", 1920, 1080)
    expect(arabic.locator("#live-banner")).to_contain_text("لا تملك هذه الشاشة رمز دخول صالحًا")


def test_a_call_is_said_in_the_centres_language_and_the_citizens_only(
    server: PageServer, new_page: OpenPage
) -> None:
    """Not in all three: a ticket taken in Arabic is called in Vietnamese and Arabic."""
    hall = new_page(f"{server.base}/hall#token={server.tokens['display']}", 1920, 1080)
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    asked: list[str] = []
    hall.on("request", lambda r: asked.append(r.url) if "/api/v1/announcements/" in r.url else None)
    status, ticket = server.api(
        "POST", "/api/v1/tickets", server.tokens["admin"], {"service": "HT", "lang": "ar"}
    )
    assert status == 201, ticket
    server.counter(1, "open")
    with hall.expect_response(lambda r: "/api/v1/announcements/ar/" in r.url, timeout=5000):
        server.counter(1, "next")
    call = f"{ticket['number']}-1"
    assert sorted(asked) == sorted(  # both asked at once, as the chime starts
        f"{server.base}/api/v1/announcements/{lang}/{call}" for lang in ("vi", "ar")
    )


def test_the_big_panel_shows_each_call_at_least_four_seconds(
    server: PageServer, new_page: OpenPage
) -> None:
    """Three counters call within a moment: the panel takes them one by one, 4 s each (on
    the page's fake clock), while the list below shows the waiting ones at once."""
    hall = new_page("about:blank", 1920, 1080)
    hall.clock.install()
    hall.goto(f"{server.base}/hall#token={server.tokens['display']}")
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    numbers = [server.issue("HT")["number"] for _ in range(3)]
    for counter in (1, 2, 3):
        server.counter(counter, "open")
    hall.clock.pause_at(hall.evaluate("Date.now()") + 1000)
    for counter in (1, 2, 3):
        server.counter(counter, "next")
    latest = hall.locator("#latest-number")
    expect(latest).to_have_text(numbers[0])
    expect(hall.locator(".call[data-number]")).to_have_count(2)  # the others, below
    hall.clock.run_for(3900)
    expect(latest).to_have_text(numbers[0])
    hall.clock.run_for(200)  # 4.1 s: the second went up at 4 s
    expect(latest).to_have_text(numbers[1])
    hall.clock.run_for(3800)
    expect(latest).to_have_text(numbers[1])
    hall.clock.run_for(200)
    expect(latest).to_have_text(numbers[2])
    expect(hall.locator(f".call[data-number='{numbers[2]}']")).to_have_count(0)
