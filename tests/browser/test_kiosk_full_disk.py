"""A full disk: the kiosk says it is out of order and sends the citizen to the desk,
rather than "try again" for ever; after the server is restarted with space, it serves.

The server's event log is on a small tmpfs in a mount namespace of its own
(tests/support/namespace.py): the disk really fills, and the kernel says ENOSPC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.namespace import Namespace

from .conftest import PageServer, screenshot

OpenPage = Callable[..., Page]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Namespace]:
    folder = tmp_path / "log"
    folder.mkdir()
    space = Namespace(folder, 512)
    try:
        yield space
    finally:
        space.close()


def test_a_kiosk_whose_server_cannot_write_sends_citizens_to_the_desk(
    tmp_path: Path, small_disk: Namespace, new_page: OpenPage
) -> None:
    server = PageServer(
        tmp_path,
        options=["--log-dir", str(small_disk.folder)],
        prefix=small_disk.command(),
    )
    server.start(setup=True)
    try:
        kiosk = new_page(f"{server.base}/kiosk#token={server.tokens['kiosk']}", 1080, 1920)
        expect(kiosk.locator("html")).to_have_attribute("data-live", "live")
        for _ in range(5000):  # another kiosk fills the disk
            status, body = server.api(
                "POST", "/api/v1/tickets", server.tokens["kiosk"], {"service": "HT"}
            )
            if status != 201:
                break
        assert (status, body["error"]["code"]) == (503, "store_unavailable"), body

        kiosk.locator(".tile[data-service='CT']").click()  # a citizen taps a service
        out = kiosk.locator("#out-of-order")
        expect(out).to_be_visible()
        expect(out).to_contain_text("quầy hướng dẫn")
        expect(kiosk.locator("#start")).to_be_hidden()
        expect(kiosk.locator("#kiosk-error")).to_be_hidden()
        screenshot(kiosk, "kiosk-full-disk-vi")

        server.stop()
        small_disk.remount(8192)  # the IT officer frees space and restarts the server
        server.start()
        expect(kiosk.locator(".tile[data-service='CT']")).to_be_visible(timeout=15_000)
        expect(out).to_be_hidden()
        kiosk.locator(".tile[data-service='CT']").click()
        expect(kiosk.locator("#ticket")).to_be_visible()
    finally:
        server.stop()
