"""The centre's printers and kiosks in its config file: `[[devices.printers]]` and
`[[devices.kiosks]]`, their shape and their checks (each problem names its field)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Literal

import msgspec

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class Printer(_Strict, frozen=True):
    name: str
    url: str
    """tcp://HOST[:9100], serial:///dev/ttyUSB0[?baudrate=19200], usb://VVVV:PPPP,
    file:///dev/usb/lp0 or cups://QUEUE (devices/escpos/address.py)."""
    paper_mm: Literal[58, 80] = 80
    profile: str = ""
    """python-escpos printer profile; default: POS-5890 for 58 mm, TM-T20II for 80 mm."""
    cutter: bool | Literal["partial"] | None = None
    """The cutter as installed: true (full cut), "partial", false (torn by hand); left out,
    the profile says (and python-escpos's 58 mm profiles say "none" even for models with one)."""
    timeout_s: float = 0.8
    """How long to wait for the printer to answer or take data before trying the next one."""


class Kiosk(_Strict, frozen=True):
    """A ticket kiosk (named like its token) and its printers: the first, then backups."""

    name: str
    printers: list[str]
    screen_ticket_when_printers_down: bool = False
    """While every printer of the kiosk is down it shows "out of order, please ask at the
    reception desk"; true: it also offers the ticket on screen (to photograph)."""


def printer_problems(printers: Sequence[Printer], kiosks: Sequence[Kiosk]) -> Iterator[str]:
    names = [p.name for p in printers]
    if printers:
        from devices.escpos.address import printer_problems as address_problems  # escpos profiles

        for i, printer in enumerate(printers):
            where = f"devices.printers[{i}]"
            if not _NAME.match(printer.name):
                yield f"{where}.name: {printer.name!r} must be 1-16 letters, digits, '-' or '_'"
            if names.count(printer.name) > 1:
                yield f"{where}.name: {printer.name!r} is used twice"
            for field, problem in address_problems(printer.url, printer.profile, printer.paper_mm):
                yield f"{where}.{field}: {problem}"
            if not 0 < printer.timeout_s <= 2:
                yield f"{where}.timeout_s: must be more than 0 and at most 2 (seconds)"
    kiosk_names = [k.name for k in kiosks]
    for i, kiosk in enumerate(kiosks):
        where = f"devices.kiosks[{i}]"
        if kiosk_names.count(kiosk.name) > 1:
            yield f"{where}.name: kiosk {kiosk.name!r} is listed twice"
        if not kiosk.printers:
            yield f"{where}.printers: list at least one printer (the first; others are backups)"
        if len(set(kiosk.printers)) != len(kiosk.printers):
            yield f"{where}.printers: a printer is listed twice"
        for j, name in enumerate(kiosk.printers):
            if name not in names:
                yield f"{where}.printers[{j}]: unknown printer {name!r} (known: {', '.join(names)})"
