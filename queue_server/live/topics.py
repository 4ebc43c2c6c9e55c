"""Views and topics: what one client sees, and the names the fan-out routes messages by.

A message is addressed to topics such as `calls:3`, `counter:*` or `ticket:42`; a view
subscribes to the topics it shows.  The `*` topics are for views of every counter or
service, so one message reaches both kinds without a per-client test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

ViewKind = Literal["hall", "counter", "staff", "kiosk", "citizen", "admin"]
DEVICES = "devices"
EVENTS = "events"
DAY = "day"
"""A day closing or opening: every view that shows calls hears it."""
KIOSKS = "kiosks"
"""Whether each kiosk can print: the staff see which kiosk sends citizens to the desk."""


class View(msgspec.Struct, frozen=True):
    """What one client sees: a kind, and which counters, services or ticket it concerns."""

    kind: ViewKind
    counters: tuple[int, ...] = ()
    """Hall: the counters shown (empty: all).  Counter and staff: the one counter."""
    services: tuple[str, ...] = ()
    ticket: int | None = None
    kiosk: str | None = None
    """Kiosk: its name (its token's), to hear whether it can print."""

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
                + [KIOSKS]
            )
        if self.kind == "kiosk":
            return ["service:*"] + ([f"kiosk:{self.kiosk}"] if self.kiosk else [])
        if self.kind == "citizen":
            return [f"ticket:{self.ticket}"]
        return [DAY, "calls:*", "counter:*", "service:*", "waiting:*", EVENTS, DEVICES]

    def sees_calls_of(self, counter: int) -> bool:
        if self.kind not in ("hall", "counter", "staff", "admin"):
            return False
        return not self.counters or counter in self.counters


def device_topics(device: Mapping[str, Any]) -> tuple[str, ...]:
    """Who hears a device's state: admins all; a kiosk's also its own page and the staff."""
    if device.get("kind") == "kiosk":
        return (DEVICES, KIOSKS, f"kiosk:{device['kiosk']}")
    return (DEVICES,)
