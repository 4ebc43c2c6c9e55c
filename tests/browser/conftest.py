"""Browser tests: Debian's Chromium driven by Playwright, against real server processes.

Chromium is the system's (`make install` puts it there), launched headless with an
empty profile, quiet on a closed network, and allowed to play sound without a tap, as
the hall TV is in production.  Screenshots go to var/screenshots/ for review.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from .server import PASSWORD

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/lib/chromium/chromium")
SCREENSHOTS = REPO / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
START_TIMEOUT_S = 20.0


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's Chromium."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (it installs Debian's chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="module")
def browser(browser_type_launch_args: dict[str, Any]) -> Iterator[Browser]:
    """One Chromium per test module, with Playwright stopped after it.

    pytest-playwright's own `browser` lives for the whole session, and its sync API
    keeps an event loop marked as running in the main thread until then, which breaks
    every asyncio test that runs after the browser tests.  Scoped to the module, the
    loop is gone before the next module starts."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**browser_type_launch_args)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageServer:
    """A centre server process that can be stopped and started again on the same port."""

    directory: Path
    port: int = 0
    """0 until the first start, which lets the server pick a free one (two test runs on one
    machine once raced for a port chosen ahead); restarts keep it."""
    process: subprocess.Popen[str] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)
    """More options for `tests.browser.server` (e.g. --printer NAME=URL)."""
    prefix: list[str] = field(default_factory=list)
    """Run the server through this (e.g. nsenter into a namespace with a small disk)."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, setup: bool = False) -> None:
        command = [*self.prefix, sys.executable, "-m", "tests.browser.server"]
        command += ["--dir", str(self.directory)]
        command += ["--port", str(self.port)] + (["--setup"] if setup else []) + self.options
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=open(self.directory / "server.log", "a"),  # noqa: SIM115 (lives with the process)
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("READY "):
                self.port = int(line.strip().rsplit(":", 1)[1])
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not start")
        else:
            log = (self.directory / "server.log").read_text()
            raise RuntimeError(f"the server exited: {log[-3000:]}")
        if setup:
            self.tokens = json.loads((self.directory / "tokens.json").read_text())

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def api(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        """A JSON request with a bearer token, from the test (not from a page)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def issue(self, service: str = "HT") -> dict[str, Any]:
        status, ticket = self.api(
            "POST", "/api/v1/tickets", self.tokens["admin"], {"service": service}
        )
        assert status == 201, ticket
        result: dict[str, Any] = ticket
        return result

    def counter(self, counter: int, action: str) -> dict[str, Any] | None:
        status, body = self.api(
            "POST", f"/api/v1/counters/{counter}/{action}", self.tokens["device"]
        )
        assert status in (200, 204), body
        return body if isinstance(body, dict) else None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PageServer]:
    running = PageServer(tmp_path)
    running.start(setup=True)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Any]:
    """Open pages in their own contexts (own storage), with a viewport per kind of screen."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_page(url: str, width: int = 1280, height: int = 900, **options: Any) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(5000)
        page.on("pageerror", lambda error: errors.append(f"{url}: {error}"))
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"errors in the pages: {errors}"


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def log_in(page: Page, username: str, counter: int | None = None) -> None:
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if counter is not None:
        page.select_option("#counter-select", str(counter))
    page.click("#login-form button[type=submit]")
