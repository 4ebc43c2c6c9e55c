"""A citizen's phone number as a booking keeps it: checked, then only a digest and a mask.

Decree 13/2023 asks for the minimum: the number itself is never stored.  Its digest
(HMAC-SHA256 under the key of the booked day, `day_keys.py`) lets the engine count one
person's bookings; deleting that day's key makes the digests in the log unlinkable.  The
masked form (`09xx xxx 123`) is what pages show, so a citizen recognises their booking.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_PHONE = re.compile(r"^(?:0|\+84)(\d{9})$")
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalise_phone(raw: str) -> str | None:
    """A Vietnamese mobile number as `+84` and 9 digits; None if it is not one.  Spaces,
    dots, dashes and brackets people type between digits are ignored."""
    match = _PHONE.match(_SEPARATORS.sub("", raw))
    return None if match is None else "+84" + match.group(1)


def masked_phone(phone: str) -> str:
    """`+84912345123` -> `09xx xxx 123`: enough to recognise, not to call."""
    national = "0" + phone[3:]
    return f"{national[:2]}xx xxx {national[-3:]}"


def person_digest(key: bytes, phone: str) -> str:
    """The same number gives the same digest under one day's key, and nothing to go on
    without it."""
    return hmac.new(key, phone.encode("ascii"), hashlib.sha256).hexdigest()
