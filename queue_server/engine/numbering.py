"""Ticket numbers as people read them: `A023` (prefix and digits) or `1023` (a numeric band).

Tickets checked in on time for a booking count in their own series, so that the hall and
the counter tell them apart when a number is read aloud: `HA003` (the appointments'
`number_prefix` before the service's number) or, for a service given a band of its own
for bookings (`[appointments] bands`), a number from that band.
"""

from __future__ import annotations

from .errors import NumberingExhausted
from .setup import AppointmentRules, ServiceSetup

BOOKED_SERIES = ":booked"
"""Appended to a service's code, the key of its booked series in the day's serials (a
service code never holds a colon)."""


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


def has_booked_series(rules: AppointmentRules, service: str) -> bool:
    """Whether a service's booked tickets count apart (a prefix or a band for them);
    with neither they take the next walk-in number, as before booked series existed."""
    return bool(rules.number_prefix) or service in rules.bands


def format_booked_number(rules: AppointmentRules, service: ServiceSetup, serial: int) -> str:
    """The number of the day's `serial`-th booked ticket (1-based) of a service."""
    band = rules.bands.get(service.code)
    if band is not None:
        first, last = band
        if first + serial - 1 > last:
            raise NumberingExhausted(
                f"service {service.code!r} has used every number of its booked band "
                f"{first}-{last} today"
            )
        return str(first + serial - 1)
    return rules.number_prefix + format_number(service, serial)
