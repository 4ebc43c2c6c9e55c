"""The paper ticket, laid out with Pillow as strips of 1-bit image.

Why an image: a printer's code pages cannot be trusted with Vietnamese
diacritics (TCVN-3 works on some Epson models, not on common Xprinters) nor
with Arabic, which must be shaped (letters joined) and laid out right to left.
Pillow with libraqm (HarfBuzz + FriBiDi) does both; DejaVu Sans covers both.

Why strips: the ticket is drawn top to bottom as a few full-width strips.  The
ones that only depend on the language, the service and the paper (centre name,
service name and priority, footer) are drawn once and kept, with a key the
encoder uses to keep their bytes too; per ticket only the number, the times and
the QR code are drawn.  Fonts are loaded once per size.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import qrcode
from PIL import Image, ImageDraw, ImageFont, features
from qrcode.constants import ERROR_CORRECT_M

from .protocol import PAPER_DOTS

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
WHITE, BLACK = 1, 0


class FontMissing(RuntimeError):
    """The ticket font is not installed."""


def shaping_problem() -> str | None:
    """Why Arabic would come out wrong here, or None when raqm shapes text."""
    if features.check("raqm"):
        return None
    return (
        "Pillow cannot load libraqm (it needs the Debian package libfribidi0): Arabic "
        "tickets would print unjoined and reversed, Vietnamese marks may be misplaced"
    )


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / name
    if not path.exists():
        raise FontMissing(
            f"{path} is missing: install the Debian package fonts-dejavu-core (make install does)"
        )
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """Everything printed on one ticket, already in the ticket's language."""

    lang: str
    centre: str
    number: str
    service: str
    priority: str | None
    issued_at: datetime
    people_ahead: int | None
    wait_minutes: int | None
    status_url: str
    footer: str = ""
    no_counter_open: bool = False
    """No counter serves its line right now: said instead of an unknown wait."""
    booked_for: str | None = None
    """An on-time booked ticket: its slot's start as the wall clock reads it ("09:30"),
    printed in a band of its own so the citizen and the counter see it was booked."""
    papers: tuple[str, ...] = ()
    """The papers to bring for the procedure chosen at the kiosk (the finder's)."""


class Strip(NamedTuple):
    image: Image.Image
    key: Any
    """Set for a strip that will be drawn the same again (its bytes can be kept); else None."""


LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "issued": "{time}  ·  {date}",
        "ahead": "Số người chờ trước: {n}",
        "wait": "Thời gian chờ dự kiến: ~{m} phút",
        "wait_soon": "Sắp đến lượt bạn",
        "wait_unknown": "Thời gian chờ: chưa xác định",
        "no_counter": "Chưa có quầy nào mở cho dịch vụ này: quý khách sẽ được gọi khi quầy mở",
        "booked": "Đã đặt lịch {time}",
        "papers": "Giấy tờ cần mang theo:",
    },
    "en": {
        "issued": "{time}  ·  {date}",
        "ahead": "People ahead of you: {n}",
        "wait": "Estimated wait: ~{m} min",
        "wait_soon": "You will be called soon",
        "wait_unknown": "Estimated wait: not known yet",
        "no_counter": "No counter is open for this service yet: you will be called when one opens",
        "booked": "Booked for {time}",
        "papers": "Papers to bring:",
    },
    "ar": {
        "issued": "{time}  ·  {date}",
        "ahead": "عدد المنتظرين قبلك: {n}",
        "wait": "مدة الانتظار المتوقعة: ~{m} دقيقة",
        "wait_soon": "سيحين دورك قريبًا",
        "wait_unknown": "مدة الانتظار: غير معروفة بعد",
        "no_counter": "لا يوجد شباك مفتوح لهذه الخدمة بعد: سيُنادى عليك عند فتحه",
        "booked": "موعد محجوز {time}",
        "papers": "المستندات المطلوبة:",
    },
}


def booked_text(lang: str, time: str) -> str:
    """The booked band's words: "Đã đặt lịch 09:30"."""
    return LABELS.get(lang, LABELS["en"])["booked"].format(time=time)


def info_texts(facts: TicketFacts) -> list[str]:
    """What the ticket says beside its QR code: when it was issued, the people ahead, the
    wait (said as "soon" under a minute: "~0 minutes" reads as a fault, not good news)."""
    labels = LABELS.get(facts.lang, LABELS["en"])
    issued = facts.issued_at
    texts = [labels["issued"].format(time=f"{issued:%H:%M}", date=f"{issued:%d/%m/%Y}")]
    if facts.people_ahead is not None:
        texts.append(labels["ahead"].format(n=facts.people_ahead))
    if facts.no_counter_open:
        texts.append(labels["no_counter"])
    elif facts.wait_minutes is None:
        texts.append(labels["wait_unknown"])
    elif facts.wait_minutes < 1:
        texts.append(labels["wait_soon"])
    else:
        texts.append(labels["wait"].format(m=facts.wait_minutes))
    return texts


@dataclass(frozen=True, slots=True)
class _Sizes:
    pad: int
    gap: int
    centre: int
    service: int
    priority: int
    number: int
    info: int
    footer: int
    qr_module: int
    qr_beside: bool


_SIZES = {
    80: _Sizes(16, 8, 26, 36, 28, 200, 26, 22, 5, True),
    58: _Sizes(8, 6, 22, 30, 24, 150, 22, 18, 4, False),
}


class TicketRenderer:
    """Draws tickets for one paper width; keeps fonts and the strips that repeat."""

    def __init__(self, paper_mm: int, cache_size: int = 256) -> None:
        self.paper_mm = paper_mm
        self.width = PAPER_DOTS[paper_mm]
        self.sizes = _SIZES[paper_mm]
        self.shaping = features.check("raqm")
        self._cache: OrderedDict[Any, Image.Image] = OrderedDict()
        self._cache_size = cache_size
        _font(BOLD, self.sizes.number)  # fail now, not at the first ticket, if fonts are missing

    # ------------------------------------------------------------------ the ticket

    def render(self, facts: TicketFacts) -> list[Strip]:
        """The ticket's strips, top to bottom: a booked ticket's band under the service,
        the chosen procedure's papers above the footer."""
        lang, w = facts.lang, self.width
        strips = [
            self._kept(("header", lang, facts.centre, w), lambda: self._header(facts)),
            self._kept(
                ("service", lang, facts.service, facts.priority, w), lambda: self._service(facts)
            ),
        ]
        booked = facts.booked_for
        if booked is not None:
            strips.append(self.booked_strip(lang, booked))
        strips += [Strip(self._number(facts.number), None), Strip(self._info(facts), None)]
        if facts.papers:
            strips.append(self.papers_strip(lang, facts.papers))
        strips.append(self._kept(("footer", lang, facts.footer, w), lambda: self._footer(facts)))
        return strips

    def booked_strip(self, lang: str, time: str) -> Strip:
        """ "Đã đặt lịch 09:30" in white on a black band, as a priority class is shown."""
        return self._kept(("booked", lang, time, self.width), lambda: self._band(lang, time))

    def papers_strip(self, lang: str, papers: Sequence[str]) -> Strip:
        """The papers to bring, one per line under their heading."""
        key = ("papers", lang, tuple(papers), self.width)
        return self._kept(key, lambda: self._papers(lang, papers))

    def _kept(self, key: Any, draw: Any) -> Strip:
        image = self._cache.get(key)
        if image is None:
            image = draw()
            self._cache[key] = image
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return Strip(image, key)

    def _header(self, facts: TicketFacts) -> Image.Image:
        s = self.sizes
        lines = self._lines(facts.centre, BOLD, s.centre, facts.lang)
        image, draw, y = self._canvas(lines, BOLD, s.centre, top=s.gap, bottom=s.gap * 2 + 2)
        self._draw_lines(draw, lines, BOLD, s.centre, facts.lang, y, "m")
        draw.rectangle((s.pad, image.height - s.gap - 2, self.width - s.pad, image.height - s.gap))
        return image

    def _service(self, facts: TicketFacts) -> Image.Image:
        s = self.sizes
        lines = self._lines(facts.service, BOLD, s.service, facts.lang)
        # The priority class in white on a black band, wrapped inside the band's own margin.
        labels = (
            self._wrap(facts.priority, BOLD, s.priority, facts.lang, self._room - 2 * s.gap)
            if facts.priority
            else []
        )
        label_h = self._line_height(BOLD, s.priority)
        band = s.priority + (len(labels) - 1) * label_h + 2 * s.gap if labels else 0
        image, draw, y = self._canvas(lines, BOLD, s.service, top=s.gap, bottom=band + s.gap)
        y = self._draw_lines(draw, lines, BOLD, s.service, facts.lang, y, "m")
        if labels:
            top = y + s.gap
            draw.rectangle((s.pad, top, self.width - s.pad, top + band - s.gap), fill=BLACK)
            for i, label in enumerate(labels):
                self._text(
                    draw,
                    (self.width // 2, top + s.gap // 2 + i * label_h),
                    label,
                    BOLD,
                    s.priority,
                    facts.lang,
                    "m",
                    fill=WHITE,
                )
        return image

    def _band(self, lang: str, time: str) -> Image.Image:
        s = self.sizes
        lines = self._wrap(booked_text(lang, time), BOLD, s.priority, lang, self._room - 2 * s.gap)
        line_h = self._line_height(BOLD, s.priority)
        band = line_h * len(lines) + s.gap
        image = Image.new("1", (self.width, band + 2 * s.gap), WHITE)
        draw = ImageDraw.Draw(image)
        draw.rectangle((s.pad, s.gap, self.width - s.pad, s.gap + band), fill=BLACK)
        y = s.gap + s.gap // 2
        for line in lines:
            self._text(draw, (self.width // 2, y), line, BOLD, s.priority, lang, "m", fill=WHITE)
            y += line_h
        return image

    def _papers(self, lang: str, papers: Sequence[str]) -> Image.Image:
        s = self.sizes
        rtl = lang in RTL_LANGUAGES
        title = self._lines(LABELS.get(lang, LABELS["en"])["papers"], BOLD, s.info, lang)
        room = self._room - s.info  # each paper indented under a bullet
        items = [self._wrap(f"• {paper}", REGULAR, s.info, lang, room) for paper in papers]
        line_h = self._line_height(REGULAR, s.info)
        height = (
            s.gap
            + self._line_height(BOLD, s.info) * len(title)
            + sum(line_h * len(lines) for lines in items)
        )
        image = Image.new("1", (self.width, height + s.gap), WHITE)
        draw = ImageDraw.Draw(image)
        align = "r" if rtl else "l"
        x = self.width - s.pad if rtl else s.pad
        y = self._draw_lines(draw, title, BOLD, s.info, lang, s.gap, align, x)
        for lines in items:
            y = self._draw_lines(draw, lines, REGULAR, s.info, lang, y, align, x)
        return image

    def _number(self, number: str) -> Image.Image:
        s = self.sizes
        room = self.width - 2 * s.pad
        size = s.number
        font = _font(BOLD, size)
        length = font.getlength(number)
        if length > room:
            size = int(size * room / length)
            font = _font(BOLD, size)
        _, top, _, bottom = (int(v) for v in font.getbbox(number, anchor="ms"))
        image = Image.new("1", (self.width, bottom - top + 2 * s.gap), WHITE)
        ImageDraw.Draw(image).text(
            (self.width // 2, s.gap - top), number, font=font, fill=BLACK, anchor="ms"
        )
        return image

    def _info(self, facts: TicketFacts) -> Image.Image:
        s, lang = self.sizes, facts.lang
        rtl = lang in RTL_LANGUAGES
        texts = info_texts(facts)
        code = qr_image(facts.status_url, s.qr_module)
        line_h = self._line_height(REGULAR, s.info)
        if s.qr_beside:
            text_room = self.width - 2 * s.pad - code.width - s.pad
            lines = [
                line for t in texts for line in self._wrap(t, REGULAR, s.info, lang, text_room)
            ]
            height = max(code.height, line_h * len(lines)) + 2 * s.gap
            image = Image.new("1", (self.width, height), WHITE)
            draw = ImageDraw.Draw(image)
            qr_x = s.pad if rtl else self.width - s.pad - code.width
            image.paste(code, (qr_x, (height - code.height) // 2))
            x = self.width - s.pad if rtl else s.pad
            y = (height - line_h * len(lines)) // 2
            self._draw_lines(draw, lines, REGULAR, s.info, lang, y, "r" if rtl else "l", x)
            return image
        room = self.width - 2 * s.pad
        lines = [line for t in texts for line in self._wrap(t, REGULAR, s.info, lang, room)]
        text_h = line_h * len(lines)
        image = Image.new("1", (self.width, text_h + code.height + 3 * s.gap), WHITE)
        draw = ImageDraw.Draw(image)
        self._draw_lines(draw, lines, REGULAR, s.info, lang, s.gap, "m")
        image.paste(code, ((self.width - code.width) // 2, text_h + 2 * s.gap))
        return image

    def _footer(self, facts: TicketFacts) -> Image.Image:
        s = self.sizes
        lines = self._lines(facts.footer, REGULAR, s.footer, facts.lang) if facts.footer else []
        image, draw, y = self._canvas(lines, REGULAR, s.footer, top=s.gap * 2 + 2, bottom=s.gap)
        draw.rectangle((s.pad, s.gap, self.width - s.pad, s.gap + 1))
        self._draw_lines(draw, lines, REGULAR, s.footer, facts.lang, y, "m")
        return image

    # ------------------------------------------------------------------ text

    @property
    def _room(self) -> int:
        """The printable width between the side margins, in dots."""
        return self.width - 2 * self.sizes.pad

    def _lines(self, text: str, face: str, size: int, lang: str) -> list[str]:
        return self._wrap(text, face, size, lang, self._room)

    def _canvas(
        self, lines: Sequence[str], face: str, size: int, top: int, bottom: int
    ) -> tuple[Image.Image, ImageDraw.ImageDraw, int]:
        height = top + self._line_height(face, size) * len(lines) + bottom
        image = Image.new("1", (self.width, height), WHITE)
        return image, ImageDraw.Draw(image), top

    def _line_height(self, face: str, size: int) -> int:
        ascent, descent = _font(face, size).getmetrics()
        return ascent + descent

    def _draw_lines(
        self,
        draw: ImageDraw.ImageDraw,
        lines: Sequence[str],
        face: str,
        size: int,
        lang: str,
        y: int,
        align: str,
        x: int | None = None,
    ) -> int:
        """Draw lines from `y` down; returns the y below the last one."""
        if x is None:
            x = {"m": self.width // 2, "l": self.sizes.pad, "r": self.width - self.sizes.pad}[align]
        step = self._line_height(face, size)
        for line in lines:
            self._text(draw, (x, y), line, face, size, lang, align)
            y += step
        return y

    def _text(
        self,
        draw: ImageDraw.ImageDraw,
        xy: tuple[int, int],
        text: str,
        face: str,
        size: int,
        lang: str,
        align: str,
        fill: int = BLACK,
    ) -> None:
        direction, language = self._shaping(lang)
        draw.text(
            xy,
            text,
            font=_font(face, size),
            fill=fill,
            anchor=align + "a",
            direction=direction,
            language=language,
        )

    def _shaping(self, lang: str) -> tuple[str | None, str | None]:
        """raqm's direction and language; without raqm Pillow refuses them."""
        if not self.shaping:
            return None, None
        return ("rtl" if lang in RTL_LANGUAGES else "ltr"), lang

    def _wrap(self, text: str, face: str, size: int, lang: str, room: int) -> list[str]:
        """Greedy word wrap by measured width (in logical order; raqm reorders each line).

        A word wider than the paper (a web address in the footer) is broken where it must:
        printed in two pieces, not cut off at the paper's edge."""
        direction, language = self._shaping(lang)
        font = _font(face, size)

        def fits(line: str) -> bool:
            return font.getlength(line, direction=direction, language=language) <= room

        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if fits(candidate):
                current = candidate
                continue
            if current:
                lines.append(current)
            *whole, current = _pieces(word, fits)
            lines += whole
        if current:
            lines.append(current)
        return lines


def _pieces(word: str, fits: Callable[[str], bool]) -> list[str]:
    """A word cut into the longest pieces that fit, never between a letter and its marks
    (a Vietnamese tone mark stays on its vowel)."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and not unicodedata.combining(char) and not fits(current + char):
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current]


QR_MASK = 2
"""A fixed mask pattern: any of the eight is valid QR; choosing the "best" one costs
3 ms, a third of a ticket's budget, and scanners read them all (tests decode them)."""


def qr_image(data: str, module: int) -> Image.Image:
    """A QR code (level M) with `module` dots per module and a 2-module quiet zone."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=1, border=2, mask_pattern=QR_MASK
    )
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    cells = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (n, n), cells)
    return small.resize((n * module, n * module), Image.Resampling.NEAREST).convert(
        "1", dither=Image.Dither.NONE
    )


def stack(strips: Sequence[Strip]) -> Image.Image:
    """The whole ticket as one image, as the printer lays the strips one under another."""
    width = max(s.image.width for s in strips)
    image = Image.new("1", (width, sum(s.image.height for s in strips)), WHITE)
    y = 0
    for strip in strips:
        image.paste(strip.image, (0, y))
        y += strip.image.height
    return image
