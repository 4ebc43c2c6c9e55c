"""What a 58 or 80 mm printer is sent, read back from the ESC/POS bytes: the cut the
printer's config asks for, and every text of the ticket within the paper.

The jobs are built as the print service builds them (`TicketJobs.build`) and decoded
by the emulator's decoder, so what is checked is what a printer would print.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from devices.escpos.emulator import Cut, EscPosDecoder, Feed, PaperRoll, PrintedTicket
from devices.escpos.protocol import PAPER_DOTS, Cutter, JobEncoder
from devices.escpos.render import _SIZES, TicketFacts
from queue_server.integrations.escpos.service import TicketJobs

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
BLANK = Image.new("1", (PAPER_DOTS[58], 8), 1)


def decoded(job: bytes) -> PrintedTicket:
    roll = PaperRoll()
    done = [t for c in EscPosDecoder().feed(job) if (t := roll.apply(c)) is not None]
    last = roll.finish()  # a job without a cut ends with its connection
    [ticket] = done + ([last] if last is not None else [])
    return ticket


# ---------------------------------------------------------------------- the cut


@pytest.mark.parametrize(
    ("profile", "cutter", "cut"),
    [
        ("NT-5890K", True, "full"),  # 58 mm with a cutter; its profile says it has none
        ("ZJ-5870", True, "full"),
        ("ZJ-5870", "partial", "partial"),
        ("POS-5890", None, None),  # the profile decides: no cutter
        ("POS-5890", False, None),
        ("TM-T20II", None, "full"),  # the profile decides: a cutter
        ("TM-T20II", False, None),  # a cutter switched off: torn by hand
        ("TM-T20II", "partial", "partial"),
    ],
)
def test_the_cut_follows_the_configured_printer(
    profile: str, cutter: Cutter, cut: str | None
) -> None:
    job = JobEncoder(profile, cutter).job([(BLANK, None)])
    commands = EscPosDecoder().feed(job)
    assert Feed(6) in commands  # past the tear bar, with a cutter or without
    cuts = [c for c in commands if isinstance(c, Cut)]
    assert cuts == ([] if cut is None else [Cut(partial=cut == "partial")])
    assert decoded(job).cut is (cut is not None)
    assert job.endswith({"full": b"\x1dV\x00", "partial": b"\x1dV\x01", None: b"\x1bd\x06"}[cut])


# ---------------------------------------------------------------------- text within the paper

LONG = {
    "vi": {
        "centre": "Trung tâm Phục vụ hành chính công phường Ba Đình, thành phố Hà Nội",
        "service": "Chứng thực bản sao từ bản chính, chữ ký và hợp đồng giao dịch",
        "priority": "Người có công với cách mạng và thân nhân",
        "footer": "Tra cứu hồ sơ tại https://dichvucong.hanoi.gov.vn/tra-cuu-ho-so-truc-tuyen",
    },
    "en": {
        "centre": "Ba Dinh Ward Public Administrative Service Centre, Hanoi",
        "service": "Certified copies of originals, signatures and contracts",
        "priority": "Person of merit to the revolution, or of their family",
        "footer": "Follow your file at https://dichvucong.hanoi.gov.vn/tra-cuu-ho-so-truc-tuyen",
    },
    "ar": {
        "centre": "مركز الخدمات الإدارية العامة لحي با دينه، مدينة هانوي",
        "service": "التصديق على النسخ من الأصل والتوقيعات والعقود والمعاملات",
        "priority": "من ذوي الفضل للثورة وأسرهم وذوي الإعاقة",
        "footer": "تابع ملفك على https://dichvucong.hanoi.gov.vn/tra-cuu-ho-so-truc-tuyen",
    },
}


def long_facts(lang: str) -> TicketFacts:
    texts = LONG[lang]
    return TicketFacts(
        lang=lang,
        centre=texts["centre"],
        number="B023",
        service=texts["service"],
        priority=texts["priority"],
        issued_at=datetime(2026, 11, 28, 8, 15, tzinfo=HANOI),
        people_ahead=4,
        wait_minutes=12,
        status_url="http://192.168.1.10:8080/s/AbCdEfGhIjKlMnOp",
        footer=texts["footer"],
    )


def inked_columns(image: Image.Image, rows: range, columns: range) -> list[int]:
    """Columns in `columns` with a printed dot in any of `rows`."""
    pixels = image.load()
    assert pixels is not None
    return [x for x in columns if any(pixels[x, y] == 0 for y in rows)]


def band_rows(strip: Image.Image, pad: int) -> list[int]:
    """Rows of the priority band: black from its left edge on, white in the margin."""
    pixels = strip.load()
    assert pixels is not None
    return [y for y in range(strip.height) if pixels[pad, y] == 0 and pixels[pad - 1, y] != 0]


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", ["vi", "en", "ar"])
def test_every_text_wraps_within_the_paper(lang: str, paper: int) -> None:
    jobs = TicketJobs()
    try:
        profile = {58: "NT-5890K", 80: "TM-T20II"}[paper]
        ticket = decoded(jobs.build(long_facts(lang), paper, profile))
    finally:
        jobs.close()
    width, pad, gap = PAPER_DOTS[paper], _SIZES[paper].pad, _SIZES[paper].gap
    assert [r.width for r in ticket.rasters] == [width] * 5
    header, service, number, info, footer = ticket.rasters
    for strip in (header, service, number, info, footer):
        rows = range(strip.height)
        # Nothing runs into the margins (the rules and the band stop at the margin).
        assert inked_columns(strip, rows, range(pad)) == []
        assert inked_columns(strip, rows, range(width - pad + 1, width)) == []
    band = band_rows(service, pad)
    assert band, "the priority band is printed"
    line = _SIZES[paper].priority
    assert len(band) > 2 * line  # the long label takes two lines or more
    pixels = service.load()
    assert pixels is not None
    for y in band:  # white letters never reach the band's edges: nothing cut off
        edges = [*range(pad, pad + gap), *range(width - pad - gap, width - pad + 1)]
        assert all(pixels[x, y] == 0 for x in edges), f"letters touch the band's edge, row {y}"
