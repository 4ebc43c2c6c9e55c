"""A recall on the hall display: the number moves to the top and stands once.

It used to stand twice: as the newest call, and again lower in the list of recent ones.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from .conftest import PageServer

OpenPage = Callable[..., Page]


def test_a_recalled_number_stands_once_on_the_hall(server: PageServer, new_page: OpenPage) -> None:
    hall = new_page(f"{server.base}/hall#token={server.tokens['display']}", 1920, 1080)
    expect(hall.locator("html")).to_have_attribute("data-live", "live")
    first, second = server.issue("HT")["number"], server.issue("CT")["number"]
    server.counter(1, "open")
    server.counter(2, "open")
    server.counter(1, "next")
    server.counter(2, "next")
    expect(hall.locator("#latest-number")).to_have_text(second)
    server.counter(1, "recall")
    expect(hall.locator("#latest-number")).to_have_text(first)
    expect(hall.locator(f".call[data-number='{first}']")).to_have_count(0)  # not again below
    expect(hall.locator(f".call[data-number='{second}']")).to_have_count(1)
