"""`/city` over real parts: a centre server ships its events to a throwaway PostgreSQL,
the city service (its own process, its own role) hears them through LISTEN/NOTIFY and
pushes the changed row to the browser.  The page never asks for rows again."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from queue_server.config import load_config
from tests.support.centre import EXAMPLE_CONFIG
from tests.support.city import centre_role, city_database, service_role
from tests.support.postgres import Cluster

from .conftest import REPO, PageServer, screenshot

OpenPage = Callable[..., Page]
LIVE_MS = 15_000
"""A change goes centre -> shipper -> PostgreSQL -> NOTIFY -> the service -> the page: well
under a second alone, but the tests share two cores with others."""
QUEUE_SERVER = Path(sys.executable).with_name("queue-server")
CITY_PASSWORD = "city browser tests only"
CENTRE_ID = load_config(EXAMPLE_CONFIG).centre.id


def add_city_user(admin_dsn: str, username: str, role: str) -> None:
    subprocess.run(
        [
            *(str(QUEUE_SERVER), "city", "user", "add", username, "--role", role),
            *("--dsn", admin_dsn, "--password-stdin"),
        ],
        input=CITY_PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=30,
    )


@pytest.fixture
def city(postgres: Cluster, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(the city service's address, the centre role's DSN), the service running."""
    admin = city_database(postgres)
    add_city_user(admin, "watcher", "viewer")
    centre_dsn = centre_role(postgres, admin, CENTRE_ID)
    log = open(tmp_path / "city.log", "w")  # noqa: SIM115 (lives with the process)
    process = subprocess.Popen(
        [
            *(str(QUEUE_SERVER), "city", "serve", "--dsn", service_role(postgres, admin)),
            *("--port", "0", "--amber-minutes", "1", "--red-minutes", "2"),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("city service on "), (tmp_path / "city.log").read_text()
        yield line.split()[-1].removesuffix("/city"), centre_dsn
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture
def shipping_centre(city: tuple[str, str], tmp_path: Path) -> Iterator[PageServer]:
    running = PageServer(tmp_path / "centre", options=["--city-dsn", city[1]])
    running.directory.mkdir()
    running.start(setup=True)
    try:
        yield running
    finally:
        running.stop()


def test_the_city_page_shows_a_call_at_a_centre_live(
    city: tuple[str, str], shipping_centre: PageServer, new_page: OpenPage
) -> None:
    base, _ = city
    page = new_page(f"{base}/city", 1366, 768)
    asked_for_rows: list[str] = []
    page.on(
        "request",
        lambda request: _note_row_requests(request, asked_for_rows),
    )
    page.fill("#username", "watcher")
    page.fill("#password", CITY_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#live-state")).to_have_class("pill ok", timeout=LIVE_MS)

    shipping_centre.counter(1, "open")
    shipping_centre.issue("HT")
    row = page.locator(f"tr[data-centre='{CENTRE_ID}']")
    expect(row.locator(".waiting")).to_have_text("1", timeout=LIVE_MS)
    expect(row.locator(".open")).to_have_text("1", timeout=LIVE_MS)
    expect(row.locator(".served")).to_have_text("0")
    expect(row.locator(".lag")).to_have_text(re.compile(r"^\d+(\.\d)? s$"))
    expect(row.locator(".lag")).to_have_attribute("title", re.compile(r"\d\d:\d\d"))

    shipping_centre.counter(1, "next")  # the centre calls its ticket
    expect(row.locator(".waiting")).to_have_text("0", timeout=LIVE_MS)
    expect(row.locator(".median")).to_have_text(re.compile(r"^0:\d\d$"), timeout=LIVE_MS)
    shipping_centre.counter(1, "next")  # ends it (called, never started: not "served")
    shipping_centre.issue("HT")
    expect(row.locator(".waiting")).to_have_text("1", timeout=LIVE_MS)
    screenshot(page, "city")
    assert asked_for_rows == [], "the page polled for rows instead of listening"

    page.locator("th button[data-sort='waiting']").click()
    expect(page.locator("th[aria-sort='descending'] button[data-sort='waiting']")).to_have_count(1)


def _note_row_requests(request: Request, seen: list[str]) -> None:
    if "/api/v1/city/centres" in request.url:
        seen.append(request.url)


def test_a_row_turns_amber_then_red_as_the_wait_grows_and_arabic_reads_right_to_left(
    city: tuple[str, str], shipping_centre: PageServer, new_page: OpenPage
) -> None:
    """Amber past 1 minute, red past 2 (the service's --amber-minutes, --red-minutes):
    the browser's clock grows the longest wait, nothing is asked of the server."""
    base, _ = city
    page = new_page(f"{base}/city?lang=ar", 1366, 768)
    page.clock.install()
    page.fill("#username", "watcher")
    page.fill("#password", CITY_PASSWORD)
    page.click("#login-form button[type=submit]")
    shipping_centre.issue("HT")
    row = page.locator(f"tr[data-centre='{CENTRE_ID}']")
    expect(row.locator(".waiting")).to_have_text("1", timeout=LIVE_MS)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(row).not_to_have_class("amber")
    page.clock.run_for(65_000)
    expect(row).to_have_class("amber")
    page.clock.run_for(60_000)
    expect(row).to_have_class("red")


def test_a_centres_page_charts_its_day_by_hour_and_lists_its_services(
    city: tuple[str, str], shipping_centre: PageServer, new_page: OpenPage
) -> None:
    base, _ = city
    page = new_page(f"{base}/city", 1366, 768)
    page.fill("#username", "watcher")
    page.fill("#password", CITY_PASSWORD)
    page.click("#login-form button[type=submit]")
    shipping_centre.issue("HT")
    shipping_centre.issue("CT")
    link = page.locator(f"tr[data-centre='{CENTRE_ID}'] a")
    expect(page.locator(f"tr[data-centre='{CENTRE_ID}'] .waiting")).to_have_text(
        "2", timeout=LIVE_MS
    )
    link.click()
    expect(page.locator("tr[data-service='HT'] .issued")).to_have_text("1")
    expect(page.locator("#hours-chart")).to_have_attribute("data-issued", "2")
    assert page.evaluate("typeof window.Chart") == "function"  # served from this machine
    shipping_centre.issue("HT")  # live here too
    expect(page.locator("tr[data-service='HT'] .issued")).to_have_text("2", timeout=LIVE_MS)
    screenshot(page, "city-centre")


def test_the_city_pages_pass_axe_in_vietnamese_and_arabic(
    city: tuple[str, str], shipping_centre: PageServer, new_page: OpenPage
) -> None:
    from .test_accessibility import LANGUAGES, findings, in_language

    base, _ = city
    shipping_centre.issue("HT")
    found: list[str] = []
    login = new_page(f"{base}/city", 1366, 768)
    expect(login.locator("#login")).to_be_visible()
    found += findings(login, "city login vi")
    login.fill("#username", "watcher")
    login.fill("#password", CITY_PASSWORD)
    login.click("#login-form button[type=submit]")
    expect(login.locator(f"tr[data-centre='{CENTRE_ID}'] .waiting")).to_have_text(
        "1", timeout=LIVE_MS
    )
    for lang in LANGUAGES:
        in_language(login, lang)
        found += findings(login, f"city {lang}")
    login.goto(f"{base}/city/centre/{CENTRE_ID}")
    expect(login.locator("tr[data-service='HT'] .issued")).to_have_text("1")
    for lang in LANGUAGES:
        in_language(login, lang)
        found += findings(login, f"city centre {lang}")
    assert found == []
