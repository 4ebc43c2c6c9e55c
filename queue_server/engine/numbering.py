"""Ticket numbers as people read them: `A023` (prefix and digits) or `1023` (a numeric band)."""

from __future__ import annotations

from .errors import NumberingExhausted
from .setup import ServiceSetup


def format_number(service: ServiceSetup, serial: int) -> str:
    """The printed number of the day's `serial`-th ticket (1-based) of a service."""
    if service.band is not None:
        first, last = service.band
        number = first + serial - 1
        if number > last:
            raise NumberingExhausted(
                f"service {service.code!r} has used every number of its band {first}-{last} today"
            )
        return str(number)
    return f"{service.prefix}{serial:0{service.digits}d}"
