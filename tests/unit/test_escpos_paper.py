"""What a 58 or 80 mm printer is sent, read back from the ESC/POS bytes: the cut the
printer's config asks for."""

from __future__ import annotations

import pytest
from PIL import Image

from devices.escpos.emulator import Cut, EscPosDecoder, Feed, PaperRoll, PrintedTicket
from devices.escpos.protocol import PAPER_DOTS, Cutter, JobEncoder

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
