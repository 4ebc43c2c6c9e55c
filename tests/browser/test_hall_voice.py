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
    hall.click(".lang-button[data-lang=ar]")
    expect(banner).to_contain_text("لا تملك هذه الشاشة رمز دخول صالحًا")
