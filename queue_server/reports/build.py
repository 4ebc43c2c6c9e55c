"""A day's report from the log file: blocking, so the server runs it on a thread."""

from __future__ import annotations

from pathlib import Path

from ..config import CentreConfig
from ..store.days import DayReader
from .daily import DayReport


class UnknownDay(LookupError):
    """The log holds no such day; `days` lists those it holds, newest first."""

    def __init__(self, day: str | None, days: list[str]) -> None:
        super().__init__(f"the log holds no day {day!r}" if day else "the log holds no day yet")
        self.day = day
        self.days = days


def day_report(log_path: str | Path, config: CentreConfig, day: str | None = None) -> DayReport:
    """The report of `day` (default: the latest in the log), fed from the log."""
    reader = DayReader(log_path, config.centre.id)
    try:
        days = reader.days()
        if day is None and days:
            day = days[0]
        if day is None or day not in days:
            raise UnknownDay(day, days)
        report = DayReport(config, day)
        for event in reader.events_of(day):
            report.add(event)
        later = days.index(day) - 1  # newest first: the day after, if the log holds it
        if later >= 0:  # its ratings of this day's tickets (queue.after_close_hours)
            for event in reader.events_of(days[later]):
                report.add(event)
        report.days = days
        return report
    finally:
        reader.close()
