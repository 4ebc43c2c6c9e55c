"""Token buckets per key (a kiosk's token, a client's address)."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """Allows `burst` requests at once, refilled at `per_minute`; memory bounded by pruning."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, key: str) -> float | None:
        """None if allowed (and counted); otherwise seconds until the next request may pass."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 50_000:
            self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        """Forget keys whose bucket has refilled: they are as good as new."""
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
