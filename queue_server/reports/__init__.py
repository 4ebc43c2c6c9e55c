"""What the centre's head reads: each day's waits, service times and satisfaction."""

from .build import UnknownDay, day_report
from .daily import DayReport

__all__ = ["DayReport", "UnknownDay", "day_report"]
