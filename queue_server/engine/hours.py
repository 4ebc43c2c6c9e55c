"""When the centre is open, and when it next opens: the `[hours]` spans read as moments.

Kept apart from the queue's rules because the kiosk asks it too (before any ticket is
refused), and because a refusal outside the hours must say when to come back.  Spans
are wall-clock times in the centre's zone, so each is turned into a moment on its own
date: a change of offset (daylight saving, where a zone has it) moves nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .setup import OpeningHours

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""English names, whatever the server's locale (`%A` follows it)."""


class OpeningTimes:
    """A centre's weekly opening hours in its own zone."""

    def __init__(self, hours: OpeningHours, zone: ZoneInfo) -> None:
        self._zone = zone
        self._spans: list[list[tuple[time, time]]] = [hours.spans(day) for day in range(7)]

    def within(self, at: float) -> bool:
        """Whether a span of the day holds this moment (start included, end not)."""
        local = datetime.fromtimestamp(at, self._zone)
        now = local.time()
        return any(start <= now < end for start, end in self._spans[local.weekday()])

    def next_opening(self, at: float) -> float | None:
        """The start of the first span after `at`, today or on a later day; None if the
        week has no span at all.  A week on is as far as it can be."""
        today = datetime.fromtimestamp(at, self._zone).date()
        for ahead in range(8):
            day = today + timedelta(days=ahead)
            starts = sorted(
                datetime.combine(day, start, tzinfo=self._zone).timestamp()
                for start, _ in self._spans[day.weekday()]
            )
            for start_at in starts:
                if start_at > at:
                    return start_at
        return None

    def closed_message(self, opens_at: float | None) -> str:
        """The refusal's words for people: when to come back, in the centre's time."""
        if opens_at is None:
            return "the centre is closed now; it has no opening hours"
        local = datetime.fromtimestamp(opens_at, self._zone)
        return f"the centre is closed now; it opens {DAY_NAMES[local.weekday()]} at {local:%H:%M}"
