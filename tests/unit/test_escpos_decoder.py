"""The emulator's decoder: what python-escpos sends comes back out, however it is cut up."""

from __future__ import annotations

from PIL import Image

from devices.escpos._escpos import Dummy
from devices.escpos.emulator import (
    Command,
    Cut,
    EscPosDecoder,
    Feed,
    Init,
    Other,
    PaperRoll,
    PrintedTicket,
    QrPrint,
    QrStore,
    Raster,
    StatusQuery,
    Text,
)


def a_job() -> bytes:
    printer = Dummy(profile="TM-T20II")
    printer.hw("INIT")
    printer.set(align="center", bold=True)
    printer.text("Hello\n")
    image = Image.new("1", (64, 9), 1)
    image.putpixel((63, 8), 0)
    printer.image(image, impl="bitImageRaster")
    printer.qr("http://example.test/s/abc", native=True)
    printer.barcode("123456789012", "EAN13")  # skipped, whole
    printer.image(image, impl="bitImageColumn")  # ESC *: skipped, whole
    printer.text("Bye\n")
    printer.cut()
    return bytes(printer.output) + b"\x10\x04\x01\x10\x04\x04"


def kinds(commands: list[Command]) -> list[type]:
    return [type(c) for c in commands if not isinstance(c, Other)]


def test_decodes_what_python_escpos_sends() -> None:
    commands = EscPosDecoder().feed(a_job())
    assert kinds(commands) == [
        Init,
        Text,
        Raster,
        QrStore,
        QrPrint,
        Text,  # the line feed python-escpos sends after a column image
        Text,
        Feed,
        Cut,
        StatusQuery,
        StatusQuery,
    ]
    texts = [c.data for c in commands if isinstance(c, Text)]
    assert texts == [b"Hello\n", b"\n", b"Bye\n"]
    [raster] = [c for c in commands if isinstance(c, Raster)]
    image = raster.image()
    assert image.size == (64, 9)
    assert image.getpixel((63, 8)) == 0 and image.getpixel((0, 0)) == 255
    [qr] = [c for c in commands if isinstance(c, QrStore)]
    assert qr.data == b"http://example.test/s/abc"
    assert [c.n for c in commands if isinstance(c, StatusQuery)] == [1, 4]


def test_any_split_of_the_bytes_decodes_the_same() -> None:
    job = a_job()
    whole = EscPosDecoder().feed(job)
    for cut in range(1, len(job), 7):
        decoder = EscPosDecoder()
        parts = decoder.feed(job[:cut]) + decoder.feed(job[cut:])
        assert parts == whole, cut
        assert decoder.pending == 0
    decoder = EscPosDecoder()
    one_by_one = [c for i in range(len(job)) for c in decoder.feed(job[i : i + 1])]
    assert kinds(one_by_one) == kinds(whole)


def test_an_incomplete_command_waits_for_the_rest() -> None:
    decoder = EscPosDecoder()
    assert decoder.feed(b"\x1dv0\x00\x01\x00\x02\x00") == []  # 1 byte wide, 2 rows
    assert decoder.feed(b"\xff") == []
    assert decoder.feed(b"\x00") == [Raster(1, 2, b"\xff\x00", 0)]


def test_paper_roll_makes_tickets() -> None:
    roll = PaperRoll()
    printed: list[PrintedTicket] = []
    for command in EscPosDecoder().feed(a_job()):
        ticket = roll.apply(command)
        if ticket is not None:
            printed.append(ticket)
    [ticket] = printed
    assert ticket.cut
    assert ticket.lines == ["Hello", "", "Bye"]
    assert ticket.qr_codes == ["http://example.test/s/abc"]
    assert len(ticket.rasters) == 1


def test_a_ticket_without_a_cut_ends_with_the_job() -> None:
    printer = Dummy(profile="POS-5890")  # 58 mm, no cutter: cut() only feeds
    printer.image(Image.new("1", (384, 4), 0), impl="bitImageRaster")
    printer.cut()
    roll = PaperRoll()
    assert all(roll.apply(c) is None for c in EscPosDecoder().feed(bytes(printer.output)))
    ticket = roll.finish()
    assert ticket is not None and not ticket.cut
    image = ticket.image()
    assert image is not None and image.size == (384, 4)
    assert roll.finish() is None  # nothing more
