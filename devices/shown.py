"""What a device at a counter shows: the one fact keypads and LED signs display.

A plain value, so that a device library and the display agent can take it without
knowing the queue: the server (queue_server/integrations/counters.py) and the display
agent (from the hub's `counter` messages) each make it their own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CounterStatus = Literal["open", "paused", "closed"]


@dataclass(frozen=True, slots=True)
class Shown:
    """What a device at a counter shows."""

    number: str
    """The current ticket's number; empty when the counter has none."""
    waiting: int
    status: CounterStatus
