"""The daily report on the admin page, in a real browser: a day made through the real API
(a kiosk issues, a counter calls and finishes, citizens rate), read by the supervisor in
Vietnamese and Arabic.  Waits on the page, never on a sleep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from .conftest import SCREENSHOTS, PageServer, log_in

OpenPage = Callable[..., Page]


def kiosk_issue(server: PageServer, service: str, priority: str | None = None) -> dict[str, Any]:
    body = {"service": service, **({"priority": priority} if priority else {})}
    status, ticket = server.api("POST", "/api/v1/tickets", server.tokens["kiosk"], body)
    assert status == 201, ticket
    result: dict[str, Any] = ticket
    return result


def rate(server: PageServer, ticket: dict[str, Any], rating: str) -> None:
    path = f"/api/v1/tickets/{ticket['tracking_code']}/rating"
    status, body = server.api("POST", path, server.tokens["admin"], {"rating": rating})
    assert status == 200, body


def called(server: PageServer, counter: int) -> str:
    answer = server.counter(counter, "next")
    assert answer is not None
    number: str = answer["ticket"]["number"]
    return number


def snapshot(page: Page, name: str) -> None:
    """The report section whole, however far down the page it reaches."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#report").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def clock(seconds: int) -> str:
    """Minutes and seconds, as the page writes a duration: 3:24."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def figure(page: Page, name: str) -> Any:
    return page.locator(f"#report [data-figure={name}] .figure-value")


def test_the_head_reads_the_day_in_vietnamese_and_arabic(
    server: PageServer, new_page: OpenPage
) -> None:
    first, second = kiosk_issue(server, "HT"), kiosk_issue(server, "HT")
    absent = kiosk_issue(server, "CT")
    server.counter(1, "open")
    assert called(server, 1) == first["number"]
    server.counter(1, "done")
    assert called(server, 1) == second["number"]
    server.counter(1, "done")
    assert called(server, 1) == absent["number"]
    server.counter(1, "no-show")
    rate(server, first, "satisfied")
    rate(server, second, "dissatisfied")
    elderly = kiosk_issue(server, "HT", "elderly")  # still waiting when the head looks
    status, day = server.api("GET", "/api/v1/reports/daily", server.tokens["admin"])
    assert status == 200, day

    admin = new_page(f"{server.base}/admin", 1440, 1000)
    log_in(admin, "giamsat")
    report = admin.locator("#report")
    expect(report.locator("h2")).to_have_text("Báo cáo ngày")
    expect(figure(admin, "issued")).to_have_text("4")
    expect(figure(admin, "served")).to_have_text("2")
    expect(figure(admin, "no_show")).to_have_text("1")
    expect(figure(admin, "satisfied")).to_have_text("50%")
    expect(report.locator("[data-figure=satisfied]")).to_contain_text("2 lượt đánh giá")
    expect(report.locator("[data-figure=wait_median] .figure-note")).to_have_text("phút:giây")
    waits = day["wait_minutes"]
    expect(figure(admin, "wait_median")).to_have_text(clock(waits["median_s"]))
    expect(figure(admin, "wait_longest")).to_have_text(clock(waits["max_s"]))
    share = round(day["wait_target"]["within_share"] * 100)
    expect(figure(admin, "within_target")).to_have_text(f"{share}%")
    expect(report.locator("#report-note")).to_contain_text("Số liệu tính đến thời điểm hiện tại")
    expect(report.locator("#report-day")).to_have_value(day["day"])
    expect(report.locator("#report-day option")).to_have_count(len(day["days"]))

    # The service row: name, issued, served, no-show, two waits, service time, satisfied.
    civil = report.locator(".report-services tr[data-service=HT] td")
    expect(civil).to_have_count(8)
    expect(civil.nth(0)).to_have_text("Hộ tịch")
    expect(civil.nth(1)).to_have_text("3")
    expect(civil.nth(2)).to_have_text("2")
    expect(civil.nth(3)).to_have_text("0")
    expect(civil.nth(7)).to_have_text("50%")
    certify = report.locator(".report-services tr[data-service=CT] td")
    expect(certify.nth(3)).to_have_text("1")
    expect(certify.nth(6)).to_have_text("—")  # nobody was served there: no service time
    expect(certify.nth(7)).to_have_text("—")  # nor rated
    counter = report.locator(".report-counters tr[data-counter='1'] td")
    expect(counter.nth(0)).to_have_text("Quầy 1")
    expect(counter.nth(1)).to_have_text("3")
    expect(counter.nth(2)).to_have_text("2")
    expect(counter.nth(4)).to_have_text("2")
    priority = report.locator(".report-priority tr[data-group=priority] td")
    expect(priority.nth(1)).to_have_text("1")
    expect(priority.nth(3)).to_have_text("—")  # not called yet: no wait to tell
    latest = day["hours"][-1]
    arrivals = report.locator(f".report-hours tr[data-hour='{latest['hour']}'] td")
    expect(arrivals.nth(0)).to_have_text(f"{latest['hour']:02d}:00–{latest['hour'] + 1:02d}:00")
    expect(arrivals.nth(1)).to_have_text(str(latest["issued"]))

    # The bars, drawn by script under the page's CSP: half satisfied, none neutral.
    satisfied = report.locator(".report-bars li[data-level=satisfied]")
    expect(satisfied).to_contain_text("Hài lòng")
    expect(satisfied.locator(".bar-count")).to_have_text("1")
    track = satisfied.locator(".bar-track").bounding_box()
    bar = satisfied.locator(".bar").bounding_box()
    assert track and bar and abs(bar["width"] - track["width"] / 2) < 2, (bar, track)
    neutral = report.locator(".report-bars li[data-level=neutral] .bar").bounding_box()
    assert neutral and neutral["width"] == 0

    # The CSV link names the day, and the session cookie is enough to download it.
    csv = report.locator("#report-csv")
    expect(csv).to_have_attribute("href", f"/api/v1/reports/daily.csv?day={day['day']}")
    href = csv.get_attribute("href")
    download = admin.request.get(f"{server.base}{href}")
    assert download.status == 200
    assert day["day"] in download.headers["content-disposition"]
    assert first["number"] in download.text()
    snapshot(admin, "admin-report-vi")

    # In Arabic: right to left, the Arabic heading, the same figures.
    admin.click(".lang-button[data-lang=ar]")
    expect(admin.locator("html")).to_have_attribute("dir", "rtl")
    expect(report.locator("h2")).to_have_text("التقرير اليومي")
    expect(civil.nth(0)).to_have_text("الأحوال المدنية")
    expect(figure(admin, "served")).to_have_text("2")
    expect(report.locator("#report-note")).to_contain_text("الأرقام حتى الآن")
    heading = report.locator("h2").bounding_box()
    refresh = report.locator("#report-refresh").bounding_box()
    assert heading and refresh and heading["x"] > refresh["x"], "the heading starts on the right"

    # The elderly citizen is served and the day closes: a refresh shows the final figures.
    assert called(server, 1) == elderly["number"]
    server.counter(1, "done")
    status, closed = server.api("POST", "/api/v1/day/close", server.tokens["admin"], {})
    assert status == 200, closed
    admin.click("#report-refresh")
    expect(figure(admin, "served")).to_have_text("3")
    expect(figure(admin, "no_show")).to_have_text("1")  # still a no-show, not "expired"
    expect(report.locator("#report-note")).to_be_hidden()
    expect(priority.nth(2)).to_have_text("1")
    expect(priority.nth(3)).not_to_have_text("—")
    snapshot(admin, "admin-report-ar")


def test_the_head_reads_each_persons_figures(server: PageServer, new_page: OpenPage) -> None:
    """canbo1 logs in at counter 1 on the staff console; the counter's device (a keypad's
    token) calls and finishes: the admin page's per-person table counts it for canbo1."""
    staff = new_page(f"{server.base}/staff", 1366, 768)
    log_in(staff, "canbo1", counter=1)
    expect(staff.locator("#console")).to_be_visible()
    first, second = kiosk_issue(server, "HT"), kiosk_issue(server, "HT")
    server.counter(1, "open")
    assert called(server, 1) == first["number"]
    server.counter(1, "start")
    server.counter(1, "done")
    assert called(server, 1) == second["number"]
    server.counter(1, "no-show")
    rate(server, first, "very_satisfied")
    status, day = server.api("GET", "/api/v1/reports/daily", server.tokens["admin"])
    assert status == 200, day
    (person,) = day["staff"]

    admin = new_page(f"{server.base}/admin", 1440, 1000)
    admin.click(".lang-button[data-lang=en]")
    log_in(admin, "giamsat")
    report = admin.locator("#report")
    expect(report.locator(".report-staff th").first).to_have_text("Staff")
    cells = report.locator(".report-staff tr[data-staff=canbo1] td")
    expect(cells).to_have_count(9)
    expect(cells.nth(0)).to_have_text("canbo1")
    expect(cells.nth(1)).to_have_text("1")  # the counter
    expect(cells.nth(2)).to_have_text("1")  # served
    expect(cells.nth(3)).to_have_text(clock(person["service_minutes"]["median_s"]))
    expect(cells.nth(5)).to_have_text("1")  # the no-show
    expect(cells.nth(6)).to_have_text("100%")
    expect(cells.nth(7)).to_have_text("0:00")  # open a moment, in hours and minutes
    expect(report.locator(".report-staff tbody tr")).to_have_count(1)

    link = report.locator("#report-csv-staff")
    expect(link).to_have_attribute("href", f"/api/v1/reports/daily.csv?day={day['day']}&rows=staff")
    download = admin.request.get(f"{server.base}{link.get_attribute('href')}&lang=en")
    assert download.status == 200
    lines = download.text().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Staff,Counters,Called,Served,No-shows,")
    assert lines[1].startswith("canbo1,1,2,1,1,")
    snapshot(admin, "admin-report-staff-en")
