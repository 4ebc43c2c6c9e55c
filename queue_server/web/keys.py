"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from ..config import Security
from ..live.fanout import Hub
from .context import CENTRE
from .hub_socket import HUB_SOCKETS
from .login_guard import LoginGuard
from .metrics import Metrics
from .ratelimit import RateLimiter


class Limits:
    """The centre's rate limits, one bucket set per kind of request."""

    def __init__(self, security: Security) -> None:
        self.kiosk = RateLimiter(security.kiosk_tickets_per_minute, security.kiosk_ticket_burst)
        self.status = RateLimiter(security.status_requests_per_minute, security.status_burst)
        self.search = RateLimiter(security.search_requests_per_minute, security.search_burst)
        """The procedure finder, per client: cheap, but not free (bench/finder.py)."""
        self.login = RateLimiter(security.login_attempts_per_minute, security.login_burst)
        self.accounts = LoginGuard(
            security.login_failures_before_backoff, security.login_backoff_max_s
        )
        """Wrong passwords per account, whatever the address (login_guard.py)."""
        self.booking = RateLimiter(security.bookings_per_minute, security.booking_burst)
        self.partner = RateLimiter(
            security.partner_bookings_per_minute, security.partner_booking_burst
        )


__all__ = ["CENTRE", "HUB", "HUB_SOCKETS", "LIMITS", "METRICS", "Limits"]

HUB = web.AppKey("hub", Hub)
LIMITS = web.AppKey("limits", Limits)
METRICS = web.AppKey("metrics", Metrics)
