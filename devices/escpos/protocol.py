"""ESC/POS without I/O: the bytes of a ticket job, and what a printer's status bytes mean.

Jobs are built by python-escpos on a `Dummy` printer with a real profile (the
default profile prints a warning on every image and knows no paper width).
A ticket arrives as strips of 1-bit images; each strip becomes one `GS v 0`
raster block.  Strips that never change (the centre's name, a service's name,
the footer) are encoded once and their bytes reused: python-escpos's image path
costs about 16 ns per dot, most of a ticket's budget.

Status: the three real-time queries `DLE EOT 1` (printer), `2` (offline cause)
and `4` (paper sensor) each answer one byte whose bits 1 and 4 are always set
and bits 0 and 7 always clear; anything else is not a status reply.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from PIL import Image

from ._escpos import PAPER_FULL_CUT, PAPER_PART_CUT, PROFILES, Dummy

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, PAPER = 1, 2, 4
STATUS_QUERIES = (PRINTER, OFFLINE_CAUSE, PAPER)
INIT = b"\x1b@"

PAPER_DOTS = {58: 384, 80: 576}
"""Printable width in dots at 203 dpi: 48 mm of a 58 mm roll, 72 mm of an 80 mm one."""
DEFAULT_PROFILES = {58: "POS-5890", 80: "TM-T20II"}
"""Widely sold models with these widths; most no-name printers behave like them."""
Cutter = bool | Literal["partial"] | None
"""A printer's cutter as installed: True (full cut), "partial", False (none: torn by hand),
or None to go by the python-escpos profile, whose idea of the model is often wrong (the
NT-5890K and ZJ-5870 profiles say "no cutter" although those printers have one)."""


def query(n: int) -> bytes:
    """The real-time status request `DLE EOT n`."""
    return DLE_EOT + bytes((n,))


def is_status_byte(value: int) -> bool:
    return value & 0x93 == 0x12


class PrinterState(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    NOT_ANSWERING = "not_answering"


PRINTABLE = frozenset({PrinterState.ONLINE, PrinterState.PAPER_NEAR_END})


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    state: PrinterState
    detail: str = ""

    @property
    def printable(self) -> bool:
        return self.state in PRINTABLE

    def describe(self) -> str:
        text = self.state.value.replace("_", " ")
        return f"{text} ({self.detail})" if self.detail else text


UNKNOWN = PrinterStatus(PrinterState.UNKNOWN, "not asked yet")


def parse_status(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """The state from the answers to DLE EOT 1, 2 and 4, the worst condition first."""
    for n, value in ((1, printer), (2, offline_cause), (4, paper)):
        if not is_status_byte(value):
            return PrinterStatus(
                PrinterState.NOT_ANSWERING, f"DLE EOT {n} answered 0x{value:02x}, not a status"
            )
    if paper & 0x60 or offline_cause & 0x20:
        return PrinterStatus(PrinterState.PAPER_OUT, "paper end sensor")
    if offline_cause & 0x04:
        return PrinterStatus(PrinterState.COVER_OPEN, "cover open")
    if offline_cause & 0x40:
        return PrinterStatus(PrinterState.OFFLINE, "printer error (cutter jam or overheating)")
    if printer & 0x08:
        return PrinterStatus(PrinterState.OFFLINE, "printer reports offline")
    if paper & 0x0C:
        return PrinterStatus(PrinterState.PAPER_NEAR_END, "paper near end")
    return PrinterStatus(PrinterState.ONLINE)


def profile_problem(profile: str, paper_mm: int) -> str | None:
    """Why a python-escpos profile cannot print on this paper, or None if it can."""
    data = PROFILES.get(profile)
    if data is None:
        return f"unknown python-escpos profile {profile!r}"
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    if not isinstance(pixels, int):
        return f"profile {profile!r} does not say its paper width; choose one that does"
    if pixels < PAPER_DOTS[paper_mm]:
        return (
            f"profile {profile!r} prints at most {pixels} dots, "
            f"{paper_mm} mm paper needs {PAPER_DOTS[paper_mm]}"
        )
    return None


def profile_for(profile: str, paper_mm: int) -> str:
    return profile or DEFAULT_PROFILES[paper_mm]


def end_of_ticket(profile: str, cutter: Cutter = None) -> bytes:
    """Feed the ticket past the tear bar, then cut as the printer's `cutter` says."""
    printer = Dummy(profile=profile)
    if cutter is None:
        printer.cut()  # feeds, and cuts only if the profile has a cutter
        return bytes(printer.output)
    printer.print_and_feed(6)  # as cut() feeds
    feed = bytes(printer.output)
    if cutter is False:
        return feed
    return feed + (PAPER_PART_CUT if cutter == "partial" else PAPER_FULL_CUT)


class JobEncoder:
    """Ticket strips to job bytes with python-escpos, remembering the strips that repeat."""

    def __init__(self, profile: str, cutter: Cutter = None, cache_size: int = 256) -> None:
        self.profile, self.cutter = profile, cutter
        self._cache: OrderedDict[Any, bytes] = OrderedDict()
        self._cache_size = cache_size
        self.cut = end_of_ticket(profile, cutter)
        """Feed past the tear bar, then cut (only feeds when the printer has no cutter)."""

    def strip(self, image: Image.Image, key: Any = None) -> bytes:
        """One strip as a `GS v 0` raster block; `key` names a strip that will come again."""
        if key is not None:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        printer = Dummy(profile=self.profile)
        printer.image(image, impl="bitImageRaster")
        data = bytes(printer.output)
        if key is not None:
            self._cache[key] = data
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return data

    def job(self, strips: list[tuple[Image.Image, Any]]) -> bytes:
        """A whole ticket: initialise, the strips top to bottom, cut."""
        return b"".join([INIT, *(self.strip(image, key) for image, key in strips), self.cut])
