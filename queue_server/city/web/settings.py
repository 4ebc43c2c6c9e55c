"""The city service's settings, from its command line: where "today" is, and past which
waits a centre's row turns amber and red."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web


@dataclass(frozen=True)
class CitySettings:
    timezone: str = "Asia/Ho_Chi_Minh"
    amber_minutes: float = 20.0
    """A centre turns amber when someone has waited this long (longest wait now)."""
    red_minutes: float = 40.0

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # an unknown zone fails at start, not at the first request
        if not 0 < self.amber_minutes < self.red_minutes:
            raise ValueError("the amber wait must be above 0 and below the red one")

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

    def public(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "amber_minutes": self.amber_minutes,
            "red_minutes": self.red_minutes,
            "today": self.today().isoformat(),
        }


SETTINGS = web.AppKey("settings", CitySettings)
