"""Who the client is behind a reverse proxy, and the per-account back-off on wrong
passwords: pure, with the time passed in."""

from __future__ import annotations

import pytest

from queue_server.web.client import TrustedProxies
from queue_server.web.login_guard import LoginGuard

PROXIES = TrustedProxies(["127.0.0.1", "10.0.0.0/24"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a proxy: its header is ignored
        ("127.0.0.1", None, "127.0.0.1"),  # a proxy without the header: itself
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # the client wrote 1.2.3.4
        ("127.0.0.1", "198.51.100.1, 10.0.0.7", "198.51.100.1"),  # through two proxies
        ("127.0.0.1", "10.0.0.8, 10.0.0.7", "10.0.0.8"),  # all trusted: the farthest
        ("127.0.0.1", "not-an-address, 10.0.0.7", "10.0.0.7"),  # garbage: the last trusted
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_behind_trusted_proxies(peer: str, forwarded: str | None, client: str) -> None:
    assert PROXIES.client(peer, forwarded) == client


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert TrustedProxies().client("127.0.0.1", "198.51.100.1") == "127.0.0.1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_passwords_back_off_per_account_twice_as_long_each_time() -> None:
    clock = Clock()
    guard = LoginGuard(failures_before_backoff=3, max_wait_s=5.0, clock=clock)
    for _ in range(2):
        guard.failed("Lan")
        assert guard.wait("lan") is None  # the first few are free
    waits = []
    for _ in range(5):
        guard.failed("lan")
        wait = guard.wait("LAN")
        assert wait is not None
        waits.append(wait)
        clock.now += wait
        assert guard.wait("lan") is None
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0]  # doubling, up to the ceiling
    assert guard.wait("mai") is None  # another account is not slowed
    guard.succeeded("lan")
    guard.failed("lan")
    assert guard.wait("lan") is None  # a success starts the count again
