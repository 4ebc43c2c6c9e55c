"""The ticket's drawing: Vietnamese marks and Arabic shaping right, QR codes readable.

The reference renderings in tests/data/printing/ were checked by eye: Vietnamese
marks on the right letters (ứ, ự, ả), Arabic letters joined and running right to
left.  After a font or Pillow change that moves a few dots, look at a fresh
rendering again before replacing them:

    python -m tests.unit.test_escpos_render   # writes tests/data/printing/*.png
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw, ImageFont

from devices.escpos import render
from devices.escpos.render import (
    BOLD,
    FONT_DIR,
    FontMissing,
    TicketFacts,
    TicketRenderer,
    info_texts,
    shaping_problem,
    stack,
)
from tests.support.printing import REFERENCES, ink_mismatch, qr_codes, qr_positions

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SERVICE_NAMES = {"vi": "Chứng thực bản sao", "ar": "التصديق على النسخ"}
SAME, DIFFERENT = 0.05, 0.25
"""Ink mismatch below SAME: the same drawing; above DIFFERENT: clearly another one."""


def facts(lang: str, service: str = "", **changes: object) -> TicketFacts:
    values: dict[str, object] = {
        "lang": lang,
        "centre": "Trung tâm Phục vụ hành chính công phường Ba Đình",
        "number": "B023",
        "service": service or SERVICE_NAMES.get(lang, "Certified copies"),
        "priority": None,
        "issued_at": datetime(2026, 11, 28, 8, 15, tzinfo=HANOI),
        "people_ahead": 4,
        "wait_minutes": 12,
        "status_url": "http://192.168.1.10:8080/s/AbCdEfGhIjKlMnOp",
        "footer": "Xin cảm ơn!",
    }
    values.update(changes)
    return TicketFacts(**values)  # type: ignore[arg-type]


def service_strip(lang: str, paper: int = 80) -> Image.Image:
    """The service strip of a ticket with no priority class: the name alone."""
    return TicketRenderer(paper).render(facts(lang))[1].image


def written(text: str, font: ImageFont.FreeTypeFont, **shaping: str) -> Image.Image:
    image = Image.new("1", (576, 80), 1)
    ImageDraw.Draw(image).text((288, 8), text, font=font, fill=0, anchor="ma", **shaping)  # type: ignore[arg-type]
    return image


def test_text_shaping_is_available() -> None:
    assert shaping_problem() is None, "install libfribidi0 (make install does)"


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", ["vi", "ar"])
def test_service_name_matches_the_reference_rendering(lang: str, paper: int) -> None:
    reference = Image.open(REFERENCES / f"service-{lang}-{paper}.png")
    assert ink_mismatch(service_strip(lang, paper), reference) < SAME


def test_wrong_renderings_do_not_pass_for_the_reference() -> None:
    """The comparison can fail: unshaped, reversed or missing glyphs are far off."""
    size = TicketRenderer(80).sizes.service
    shaped = ImageFont.truetype(str(FONT_DIR / BOLD), size, layout_engine=ImageFont.Layout.RAQM)
    basic = ImageFont.truetype(str(FONT_DIR / BOLD), size, layout_engine=ImageFont.Layout.BASIC)
    arabic = Image.open(REFERENCES / "service-ar-80.png")
    vietnamese = Image.open(REFERENCES / "service-vi-80.png")
    wrong = {
        "Arabic unshaped, left to right": (arabic, written(SERVICE_NAMES["ar"], basic)),
        "Arabic letters reversed": (
            arabic,
            written(SERVICE_NAMES["ar"][::-1], shaped, direction="rtl", language="ar"),
        ),
        "boxes": (arabic, written("\ue000" * len(SERVICE_NAMES["ar"]), shaped)),
        "Vietnamese without marks": (vietnamese, written("Chung thuc ban sao", shaped)),
        "Vietnamese marks misplaced (no shaping, decomposed)": (
            vietnamese,
            written(unicodedata.normalize("NFD", SERVICE_NAMES["vi"]), basic),
        ),
    }
    for name, (reference, image) in wrong.items():
        assert ink_mismatch(image, reference) > DIFFERENT, name


@pytest.mark.parametrize("lang", ["vi", "ar"])
def test_every_letter_has_a_glyph(lang: str) -> None:
    """No tofu: each letter draws something else than the font's missing-glyph box."""
    font = ImageFont.truetype(str(FONT_DIR / BOLD), 36)

    def glyph(letter: str) -> bytes:
        image = Image.new("L", (64, 64), 0)
        ImageDraw.Draw(image).text((8, 8), letter, font=font, fill=255)
        return image.tobytes()

    missing = glyph("\ue000")
    assert missing != glyph(" ")  # the box is drawn: the check can fail
    for letter in set(SERVICE_NAMES[lang].replace(" ", "")):
        assert glyph(letter) != missing, letter


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", ["vi", "en", "ar"])
def test_the_qr_code_reads_back_as_the_status_url(paper: int, lang: str) -> None:
    renderer = TicketRenderer(paper)
    for _ in range(10):
        url = f"http://192.168.1.10:8080/s/{secrets.token_urlsafe(12)}"
        image = stack(renderer.render(facts(lang, status_url=url)))
        assert image.width == {58: 384, 80: 576}[paper]
        assert qr_codes(image) == [url]


def test_arabic_tickets_are_laid_out_right_to_left() -> None:
    renderer = TicketRenderer(80)
    [(_, qr_vi)] = qr_positions(stack(renderer.render(facts("vi"))))
    [(_, qr_ar)] = qr_positions(stack(renderer.render(facts("ar"))))
    assert qr_vi > 576 // 2 > qr_ar  # the text starts on the right, the QR code goes left


def test_long_numbers_fit_the_paper() -> None:
    for paper in (58, 80):
        renderer = TicketRenderer(paper)
        number = renderer.render(facts("vi", number="ABC123456"))[2].image
        box = Image.eval(number.convert("L"), lambda v: 255 - v).getbbox()
        assert box is not None
        assert box[0] >= renderer.sizes.pad - 2 and box[2] <= number.width - renderer.sizes.pad + 2


def test_repeated_strips_are_kept_and_the_rest_drawn_afresh() -> None:
    renderer = TicketRenderer(80)
    first = renderer.render(facts("vi"))
    second = renderer.render(facts("vi", number="B024"))
    assert [s.key is not None for s in first] == [True, True, False, False, True]
    assert first[0].image is second[0].image and first[1].image is second[1].image
    assert first[2].image.tobytes() != second[2].image.tobytes()


def test_wait_unknown_and_priority_are_said(tmp_path: Path) -> None:
    renderer = TicketRenderer(80)
    plain = stack(renderer.render(facts("en", service="Land")))
    marked = stack(
        renderer.render(facts("en", service="Land", priority="Elderly", wait_minutes=None))
    )
    assert marked.height > plain.height  # the priority band


@pytest.mark.parametrize("lang", ["vi", "en", "ar"])
def test_the_wait_is_said_in_minutes_or_as_soon(lang: str) -> None:
    *_, twelve = info_texts(facts(lang, wait_minutes=12))
    *_, none = info_texts(facts(lang, wait_minutes=0))
    assert "12" in twelve
    assert not any(ch.isdigit() for ch in none)  # never "~0 minutes"
    assert none == render.LABELS[lang]["wait_soon"]
    issued, ahead, _ = info_texts(facts(lang, people_ahead=4))
    assert issued.startswith("08:15") and "28/11/2026" in issued and "4" in ahead


def test_a_missing_font_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(render, "FONT_DIR", tmp_path)
    render._font.cache_clear()
    try:
        with pytest.raises(FontMissing, match="fonts-dejavu-core"):
            TicketRenderer(80)
    finally:
        render._font.cache_clear()


def _regenerate() -> None:
    REFERENCES.mkdir(parents=True, exist_ok=True)
    for lang in SERVICE_NAMES:
        for paper in (58, 80):
            path = REFERENCES / f"service-{lang}-{paper}.png"
            service_strip(lang, paper).save(path)
            print(f"wrote {path}: look at it before committing")


if __name__ == "__main__":
    _regenerate()


@pytest.mark.parametrize(
    ("lang", "said"),
    [("vi", "Chưa có quầy nào mở"), ("en", "No counter is open"), ("ar", "لا يوجد شباك مفتوح")],
)
def test_a_ticket_for_a_service_nobody_serves_yet_says_so(lang: str, said: str) -> None:
    """Not "wait: unknown", a dead end for a citizen, but why, and what happens next."""
    *_, wait = info_texts(facts(lang, wait_minutes=None, no_counter_open=True))
    assert wait.startswith(said)
    *_, unknown = info_texts(facts(lang, wait_minutes=None))
    assert unknown == render.LABELS[lang]["wait_unknown"]


@pytest.mark.parametrize("paper", [80, 58])
def test_a_booked_ticket_has_its_band_under_the_service(paper: int) -> None:
    """The band is its own strip, kept per language and time; a walk-in has none."""
    renderer = TicketRenderer(paper)
    plain = renderer.render(facts("vi"))
    booked = renderer.render(facts("vi", booked_for="09:30"))
    assert len(booked) == len(plain) + 1
    band = booked[2]
    assert band.key == ("booked", "vi", "09:30", renderer.width)
    assert band.image is renderer.booked_strip("vi", "09:30").image
    assert band.image.tobytes() != renderer.booked_strip("vi", "10:00").image.tobytes()
    assert render.booked_text("vi", "09:30") == "Đã đặt lịch 09:30"
    assert stack(booked).height > stack(plain).height
