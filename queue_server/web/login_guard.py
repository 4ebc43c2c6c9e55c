"""Wrong passwords per account: after a few, each further try must wait, twice as long
each time.

Why: the per-address login limit does not stop a password being guessed from many
addresses (or from behind one proxy). Counting failures per account does, whatever
the address; it backs off rather than locking the account, so someone who knows the
password is kept waiting minutes at worst, never locked out for good. The username is
counted whether or not it exists, so the answers say nothing of which accounts do.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_ACCOUNTS_TRACKED = 10_000


class LoginGuard:
    def __init__(
        self,
        failures_before_backoff: int = 5,
        max_wait_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures_before_backoff = failures_before_backoff
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._failures: dict[str, tuple[int, float]] = {}
        """username -> (wrong passwords in a row, when the next try may come)."""

    def wait(self, username: str) -> float | None:
        """Seconds before this account may try again; None: now."""
        kept = self._failures.get(username.casefold())
        if kept is None:
            return None
        remaining = kept[1] - self._clock()
        return remaining if remaining > 0 else None

    def failed(self, username: str) -> None:
        key = username.casefold()
        count = self._failures.get(key, (0, 0.0))[0] + 1
        over = count - self.failures_before_backoff
        wait = 0.0 if over < 0 else min(2.0**over, self.max_wait_s)
        self._failures[key] = (count, self._clock() + wait)
        if len(self._failures) > MAX_ACCOUNTS_TRACKED:
            self._forget_old()

    def succeeded(self, username: str) -> None:
        self._failures.pop(username.casefold(), None)

    def _forget_old(self) -> None:
        """Keep memory bounded: drop accounts whose wait is long over."""
        now = self._clock()
        self._failures = {k: v for k, v in self._failures.items() if now - v[1] < self.max_wait_s}
