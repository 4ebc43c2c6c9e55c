"""Views and topics: what one client sees, and the names the fan-out routes messages by.

A message is addressed to topics such as `calls:3`, `counter:*` or `ticket:42`; a view
subscribes to the topics it shows.  The `*` topics are for views of every counter or
service, so one message reaches both kinds without a per-client test.
"""

from __future__ import annotations

from typing import Literal

import msgspec

ViewKind = Literal["hall", "counter", "staff", "kiosk", "citizen", "admin"]
DEVICES = "devices"
EVENTS = "events"
DAY = "day"
"""A day closing or opening: every view that shows calls hears it."""


class View(msgspec.Struct, frozen=True):
    """What one client sees: a kind, and which counters, services or ticket it concerns."""

    kind: ViewKind
    counters: tuple[int, ...] = ()
    """Hall: the counters shown (empty: all).  Counter and staff: the one counter."""
    services: tuple[str, ...] = ()
    ticket: int | None = None

    def topics(self) -> list[str]:
        counters = [str(c) for c in self.counters] or ["*"]
        if self.kind in ("hall", "counter"):
            return [DAY] + [f"calls:{c}" for c in counters] + [f"counter:{c}" for c in counters]
        if self.kind == "staff":
            lines = [*counters, *self.services]
            return (
                [DAY]
                + [f"calls:{c}" for c in counters]
                + [f"counter:{c}" for c in counters]
                + [f"service:{s}" for s in self.services]
                + [f"waiting:{line}" for line in lines]
            )
        if self.kind == "kiosk":
            return ["service:*"]
        if self.kind == "citizen":
            return [f"ticket:{self.ticket}"]
        return [DAY, "calls:*", "counter:*", "service:*", "waiting:*", EVENTS, DEVICES]

    def sees_calls_of(self, counter: int) -> bool:
        if self.kind not in ("hall", "counter", "staff", "admin"):
            return False
        return not self.counters or counter in self.counters
