"""A credential that ends while a page is live: the page says so or asks for a login,
instead of going on as if nothing happened (or reconnecting forever).

The server closes the page's `/ws` with 4401 within a second of the revocation, the
logout or the password change (tests/integration/test_ws_guard.py); here, what a
person sees then."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer, log_in

OpenPage = Callable[..., Page]


def test_a_hall_display_whose_token_is_revoked_says_it_has_no_valid_token(
    server: PageServer, new_page: OpenPage
) -> None:
    hall = new_page(f"{server.base}/hall#token={server.tokens['display']}", 1920, 1080)
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    status, _ = server.api("POST", "/api/v1/tokens/hall/revoke", server.tokens["admin"])
    assert status == 200
    expect(hall.locator("html")).to_have_attribute("data-live", "refused", timeout=3000)
    banner = hall.locator("#live-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("title", "this token has been revoked")


def test_a_staff_console_logged_out_elsewhere_asks_for_a_login(
    server: PageServer, new_page: OpenPage
) -> None:
    staff = new_page(f"{server.base}/staff", 1366, 768)
    log_in(staff, "canbo1", counter=1)
    expect(staff.locator("#console")).to_be_visible()
    expect(staff.locator("html")).to_have_attribute("data-live", "live")
    # The same session ends from another tab of the same browser.
    session = staff.request.get(f"{server.base}/api/v1/session").json()
    ended = staff.request.post(
        f"{server.base}/api/v1/logout", headers={"X-CSRF-Token": session["csrf_token"]}
    )
    assert ended.status == 204
    expect(staff.locator("#login")).to_be_visible(timeout=3000)
    expect(staff.locator("#console")).to_be_hidden()
