"""Helpers for the printing tests: emulated printers in a centre's config, image comparison,
QR decoding."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import msgspec
import zxingcpp
from PIL import Image, ImageChops

from devices.escpos.emulator import PrinterEmulator
from queue_server.config import CentreConfig
from queue_server.integrations.escpos.config import Kiosk, Printer

from .centre import example_config

REFERENCES = Path(__file__).resolve().parents[1] / "data" / "printing"
"""Reference renderings checked by eye (see tests/unit/test_escpos_render.py to remake them)."""


class Printers:
    """The two emulated printers of the tests' centre, running on loopback."""

    def __init__(self, saved: Path | None = None) -> None:
        self.door = PrinterEmulator(save_dir=saved / "door" if saved else None)  # 80 mm
        self.desk = PrinterEmulator(save_dir=saved / "desk" if saved else None)  # 58 mm

    @classmethod
    @asynccontextmanager
    async def running(cls, saved: Path | None = None) -> AsyncIterator[Printers]:
        printers = cls(saved)
        await printers.door.start()
        await printers.desk.start()
        try:
            yield printers
        finally:
            await printers.door.stop()
            await printers.desk.stop()


def with_printers(
    config: CentreConfig,
    printers: Mapping[str, tuple[PrinterEmulator, int]],
    kiosks: Mapping[str, Sequence[str]],
    timeout_s: float = 0.5,
) -> CentreConfig:
    """`config` whose printers are the given emulators (name -> (emulator, paper mm))."""
    devices = msgspec.structs.replace(
        config.devices,
        printers=[
            Printer(name=name, url=emulator.url, paper_mm=paper, timeout_s=timeout_s)  # type: ignore[arg-type]
            for name, (emulator, paper) in printers.items()
        ],
        kiosks=[Kiosk(name=name, printers=list(names)) for name, names in kiosks.items()],
    )
    return msgspec.structs.replace(config, devices=devices)


def printing_config(
    db: Path,
    printers: Mapping[str, tuple[PrinterEmulator, int]],
    kiosks: Mapping[str, Sequence[str]],
    timeout_s: float = 0.5,
) -> CentreConfig:
    return with_printers(example_config(db), printers, kiosks, timeout_s)


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.convert("1").tobytes() == b.convert("1").tobytes()


def ink_mismatch(a: Image.Image, b: Image.Image) -> float:
    """How differently two drawings put ink: differing dots / dots inked in the larger one,
    after aligning their inked areas at the top-left.  0 for the same drawing."""
    a, b = _ink(a), _ink(b)
    width, height = max(a.width, b.width), max(a.height, b.height)
    canvas_a, canvas_b = Image.new("L", (width, height), 0), Image.new("L", (width, height), 0)
    canvas_a.paste(a, (0, 0))
    canvas_b.paste(b, (0, 0))
    differing = sum(ImageChops.difference(canvas_a, canvas_b).histogram()[1:])
    inked = max(_count(a), _count(b))
    return differing / max(inked, 1)


def _ink(image: Image.Image) -> Image.Image:
    """The inked part, as "L" with ink = 255."""
    ink = Image.eval(image.convert("L"), lambda v: 255 if v < 128 else 0)
    box = ink.getbbox()
    return ink.crop(box) if box else ink


def _count(image: Image.Image) -> int:
    return sum(image.histogram()[1:])


def qr_codes(image: Image.Image) -> list[str]:
    """The text of every QR code found in a ticket image."""
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def qr_positions(image: Image.Image) -> list[tuple[str, int]]:
    """(text, x of the centre) of every QR code found."""
    found = []
    for r in zxingcpp.read_barcodes(image.convert("L")):
        p = r.position
        found.append(
            (r.text, (p.top_left.x + p.top_right.x + p.bottom_left.x + p.bottom_right.x) // 4)
        )
    return found


def holds_strip(ticket: Image.Image, strip: Image.Image) -> bool:
    """Whether a printed ticket holds this full-width strip, dot for dot, at some height:
    what a printer decoded, checked for one part of the ticket without redrawing it all."""
    ticket, strip = ticket.convert("1"), strip.convert("1")
    if ticket.width != strip.width or ticket.height < strip.height:
        return False
    wanted = strip.tobytes()
    return any(
        ticket.crop((0, y, ticket.width, y + strip.height)).tobytes() == wanted
        for y in range(ticket.height - strip.height + 1)
    )
