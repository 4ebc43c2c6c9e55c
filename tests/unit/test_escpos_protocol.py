"""ESC/POS without I/O: status bytes, profiles, printer addresses, job bytes."""

from __future__ import annotations

import pytest
from PIL import Image

from devices.escpos.address import parse_printer_url, printer_problems
from devices.escpos.emulator import EscPosDecoder, Init, Raster, status_reply
from devices.escpos.protocol import (
    DEFAULT_PROFILES,
    PAPER_DOTS,
    JobEncoder,
    PrinterState,
    is_status_byte,
    parse_status,
    profile_problem,
)

S = PrinterState


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "state"),
    [
        (0x12, 0x12, 0x12, S.ONLINE),
        (0x12, 0x12, 0x1E, S.PAPER_NEAR_END),  # near-end sensor
        (0x1A, 0x32, 0x72, S.PAPER_OUT),  # paper end: offline, stopped, sensor
        (0x1A, 0x32, 0x7E, S.PAPER_OUT),  # end and near end both
        (0x12, 0x12, 0x72, S.PAPER_OUT),  # the sensor alone is enough
        (0x1A, 0x16, 0x12, S.COVER_OPEN),
        (0x1A, 0x16, 0x1E, S.COVER_OPEN),  # cover open beats near end
        (0x1A, 0x52, 0x12, S.OFFLINE),  # error (cutter jam, head too hot)
        (0x1A, 0x12, 0x12, S.OFFLINE),
        (0x16, 0x12, 0x12, S.ONLINE),  # drawer kick-out connector: not our business
        (0x00, 0x12, 0x12, S.NOT_ANSWERING),  # not a status byte
        (0x12, 0x12, 0x0C, S.NOT_ANSWERING),
        (0x12, 0x93, 0x12, S.NOT_ANSWERING),
    ],
)
def test_status_bytes(printer: int, cause: int, paper: int, state: PrinterState) -> None:
    assert parse_status(printer, cause, paper).state is state


def test_only_printing_states_are_printable() -> None:
    printable = {s for s in S if parse_status(0x12, 0x12, 0x12).state is s}
    assert printable == {S.ONLINE}
    assert parse_status(0x12, 0x12, 0x1E).printable  # near end still prints (and warns)
    assert not parse_status(0x1A, 0x32, 0x72).printable


@pytest.mark.parametrize("state", [s for s in S if s not in (S.UNKNOWN, S.NOT_ANSWERING)])
def test_emulator_answers_what_the_parser_reads(state: PrinterState) -> None:
    replies = [status_reply(state, n) for n in (1, 2, 4)]
    assert all(is_status_byte(r) for r in replies)
    assert parse_status(*replies).state is state


def test_status_byte_fixed_bits() -> None:
    assert is_status_byte(0x12) and is_status_byte(0x7E)
    assert not is_status_byte(0x10)  # bit 1 clear
    assert not is_status_byte(0x13)  # bit 0 set
    assert not is_status_byte(0x92)  # bit 7 set
    assert not is_status_byte(ord("A"))


def test_profiles() -> None:
    for paper, profile in DEFAULT_PROFILES.items():
        assert profile_problem(profile, paper) is None
    problem = profile_problem("TM-T88V", 80)
    assert problem is not None and "512" in problem and "576" in problem
    assert profile_problem("TM-T88V", 58) is None
    assert "unknown" in (profile_problem("NoSuchPrinter", 80) or "")
    assert "paper width" in (profile_problem("default", 80) or "")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tcp://192.168.1.50", {"kind": "tcp", "host": "192.168.1.50", "port": 9100}),
        ("tcp://printer.local:9101", {"kind": "tcp", "host": "printer.local", "port": 9101}),
        ("serial:///dev/ttyUSB0?baudrate=19200", {"path": "/dev/ttyUSB0", "baudrate": 19200}),
        ("usb://04b8:0e15", {"vendor": 0x04B8, "product": 0x0E15, "in_ep": 0x82}),
        ("usb://0416:5011?in_ep=0x81&out_ep=0x03", {"in_ep": 0x81, "out_ep": 0x03}),
        ("file:///dev/usb/lp0", {"kind": "file", "path": "/dev/usb/lp0"}),
        ("cups://Xprinter_XP-80", {"kind": "cups", "queue": "Xprinter_XP-80"}),
    ],
)
def test_printer_urls(url: str, expected: dict[str, object]) -> None:
    address = parse_printer_url(url)
    for name, value in expected.items():
        assert getattr(address, name) == value


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("192.168.1.50:9100", "must start with tcp://"),
        ("http://192.168.1.50", "must start with tcp://"),
        ("tcp://:9100", "address"),
        ("tcp://host:99999", "port"),
        ("serial://ttyUSB0", "device path"),
        ("serial:///dev/ttyS0?baudrate=fast", "not a number"),
        ("usb://epson", "vendor:product"),
        ("file://relative/path", "absolute path"),
        ("cups://my queue", "queue"),
    ],
)
def test_bad_printer_urls(url: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_printer_url(url)
    assert [f for f, _ in printer_problems(url, "", 80)] == ["url"]


def test_a_job_is_init_raster_blocks_and_cut() -> None:
    encoder = JobEncoder("TM-T20II")
    top = Image.new("1", (PAPER_DOTS[80], 24), 1)
    top.putpixel((0, 0), 0)  # one dot, top left
    bottom = Image.new("1", (PAPER_DOTS[80], 10), 0)
    job = encoder.job([(top, "top"), (bottom, None)])
    assert job.startswith(b"\x1b@")
    assert job.endswith(b"\x1dV\x00")  # full cut: the TM-T20II has a cutter
    commands = EscPosDecoder().feed(job)
    assert isinstance(commands[0], Init)
    rasters = [c for c in commands if isinstance(c, Raster)]
    assert [(r.width_bytes, r.height) for r in rasters] == [(72, 24), (72, 10)]
    assert rasters[0].data[0] == 0x80 and not any(rasters[0].data[1:])
    assert all(b == 0xFF for b in rasters[1].data)


def test_strips_that_come_again_are_encoded_once() -> None:
    encoder = JobEncoder("POS-5890")
    strip = Image.new("1", (PAPER_DOTS[58], 8), 1)
    first = encoder.strip(strip, key=("footer", "vi"))
    strip.putpixel((5, 5), 0)  # a kept strip is not looked at again
    assert encoder.strip(strip, key=("footer", "vi")) is first
    assert encoder.strip(strip) != first
    assert b"\x1dV" not in encoder.cut  # the POS-5890 has no cutter: feed only
