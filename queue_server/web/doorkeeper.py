"""How many connections the server holds, per client address and in all.

Why: each connection holds a file descriptor and some memory; a few hundred connections
that never finish their request head (Slowloris) once used them all and locked every
kiosk and display out.  The caps keep descriptors for everyone; when one is reached,
the connection that has waited longest for its first request head gives way to the
newcomer (a kiosk or a phone sends its head at once; an attacker's connections are the
ones still waiting), and only when none is waiting is the newcomer refused.

Phones of a whole hall may share one address (the centre's Wi-Fi behind one NAT), so
the per-address cap is generous; the total is kept below the process's descriptor
limit (`fit_descriptors`)."""

from __future__ import annotations

import logging
import resource
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

log = logging.getLogger(__name__)

SPARE_DESCRIPTORS = 256
"""Kept for everything else: the log and accounts files, serial lines, printers, espeak."""


class Visitor(Protocol):
    """A connection, as the doorkeeper sees it."""

    address: str

    def evict(self) -> None:
        """Close at once: it gives way to a newcomer."""
        ...


class Doorkeeper:
    """Counts connections; says whether a newcomer comes in, and who gives way to it."""

    def __init__(
        self,
        max_total: int,
        max_per_address: int,
        unlimited: Callable[[str], bool] = lambda address: False,
    ) -> None:
        self.max_total = max_total
        self.max_per_address = max_per_address
        self._unlimited = unlimited
        """Addresses the per-address cap does not count: trusted reverse proxies, which
        carry every client's connections (web/client.py)."""
        self._by_address: dict[str, int] = {}
        self._inside: set[Visitor] = set()
        self._waiting: dict[Visitor, None] = {}
        """Connections still waiting for their first request head, oldest first."""
        self.evicted = 0
        self.refused = 0

    def __len__(self) -> int:
        return len(self._inside)

    def admit(self, visitor: Visitor) -> str | None:
        """Count a new connection in; None, or why it is refused (it is not counted then)."""
        address = visitor.address
        if (
            self._by_address.get(address, 0) >= self.max_per_address
            and not self._unlimited(address)
            and not self._make_room(address)
        ):
            self.refused += 1
            return "address"
        if len(self._inside) >= self.max_total and not self._make_room(None):
            self.refused += 1
            return "total"
        self._inside.add(visitor)
        self._waiting[visitor] = None
        self._by_address[address] = self._by_address.get(address, 0) + 1
        return None

    def decided(self, visitor: Visitor) -> None:
        """Its first request head came: it is served now, and never evicted."""
        self._waiting.pop(visitor, None)

    def left(self, visitor: Visitor) -> None:
        """Closed, whoever closed it (safe to say twice)."""
        if visitor not in self._inside:
            return
        self._inside.discard(visitor)
        self._waiting.pop(visitor, None)
        count = self._by_address[visitor.address] - 1
        if count:
            self._by_address[visitor.address] = count
        else:
            del self._by_address[visitor.address]

    def _make_room(self, address: str | None) -> bool:
        """Evict the connection that has waited longest for its head (from `address`, or
        from anywhere); False if none is waiting."""
        victim = next((v for v in self._waiting if address is None or v.address == address), None)
        if victim is None:
            return False
        self.left(victim)
        self.evicted += 1
        victim.evict()
        return True


def fit_descriptors(max_total: int) -> int:
    """Raise this process's descriptor limit to hold `max_total` connections and the spare,
    as far as the hard limit allows; returns the cap that fits (logged if lower)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max_total + SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new_soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
            soft = new_soft
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < wanted:
        fitted = max(soft - SPARE_DESCRIPTORS, 16)
        log.warning(
            "[security] max_connections = %d needs %d file descriptors; this process may "
            "open %d: serving at most %d connections (raise the limit: LimitNOFILE=)",
            max_total,
            wanted,
            soft,
            fitted,
        )
        return fitted
    return max_total


DOORKEEPER = web.AppKey("doorkeeper", Doorkeeper)
