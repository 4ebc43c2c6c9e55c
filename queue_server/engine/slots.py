"""Appointment slots: the opening hours cut into `slot_minutes`, as moments.

Kept apart from the rules that book them because the API lists them too.  A slot lies
whole within one span of its day's hours (a span's tail shorter than a slot has none);
wall-clock times in the centre's zone, each turned into a moment on its own date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .setup import AppointmentRules, OpeningHours


class SlotPlan:
    """Where the slots of any day start and end."""

    def __init__(self, rules: AppointmentRules, hours: OpeningHours, zone: ZoneInfo) -> None:
        self._zone = zone
        self._length = timedelta(minutes=rules.slot_minutes)
        self._spans = [hours.spans(day) for day in range(7)]

    def day_of(self, at: float) -> date:
        """The local date of a moment."""
        return datetime.fromtimestamp(at, self._zone).date()

    def slots(self, day: date) -> list[tuple[float, float]]:
        """(start, end) of every slot of a day, in order."""
        found: list[tuple[float, float]] = []
        for span_start, span_end in sorted(self._spans[day.weekday()]):
            start = datetime.combine(day, span_start)
            last = datetime.combine(day, span_end)
            while start + self._length <= last:
                end = start + self._length
                found.append(
                    (
                        start.replace(tzinfo=self._zone).timestamp(),
                        end.replace(tzinfo=self._zone).timestamp(),
                    )
                )
                start = end
        return found

    def slot_starting(self, start: float) -> tuple[float, float] | None:
        """The slot that starts exactly at `start`, or None."""
        for slot in self.slots(self.day_of(start)):
            if slot[0] == start:
                return slot
        return None

    def midnight(self, day: date) -> float:
        """The moment a local day starts."""
        return datetime.combine(day, datetime.min.time(), tzinfo=self._zone).timestamp()
