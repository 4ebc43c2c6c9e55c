"""Modbus RTU for LED displays: the frames of firmware_notes/modbus-displays.md."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec
import pytest

from devices.modbus.displays import DisplayModel, LedDisplay, display_text
from devices.modbus.protocol import AnswerDecoder, WriteAnswer, text_registers, write_registers
from devices.shown import Shown

NOTES = Path(__file__).resolve().parents[2] / "firmware_notes" / "modbus-displays.md"


def _frames() -> dict[str, bytes]:
    """Every `request ...`/`answer ...` line of the notes, as bytes, in order."""
    text = NOTES.read_text(encoding="utf-8")
    lines = re.findall(r"^(request|answer)\s+([0-9A-F ]+)$", text, re.MULTILINE)
    return {f"{kind}{i}": bytes.fromhex(hexes) for i, (kind, hexes) in enumerate(lines)}


NOTED = list(_frames().values())


def _example() -> tuple[dict[str, DisplayModel], dict[int, LedDisplay]]:
    """The config example of the notes: its display models, and its displays by unit."""
    text = NOTES.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.DOTALL)
    assert block is not None
    example = tomllib.loads(block.group(1))
    models = msgspec.convert(example["devices"]["display_models"], list[DisplayModel])
    (line,) = example["devices"]["serial_lines"]
    displays = msgspec.convert(line["displays"], list[LedDisplay])
    return {m.name: m for m in models}, {d.unit: d for d in displays}


def _frame_of_example(unit: int, number: str) -> bytes:
    """What the example's display `unit` is sent when its counter calls `number`."""
    models, displays = _example()
    display = displays[unit]
    model = models[display.model]
    shown = Shown(number=number, waiting=0, status="open")
    registers = text_registers(
        display_text(display, display.counter, shown),
        model.text_length,
        model.chars_per_register,
        model.align,
    )
    return write_registers(unit, model.text_register, registers)


def test_requests_match_the_notes() -> None:
    assert write_registers(1, 0, text_registers("A023", 4, 2, "right")) == NOTED[0]
    assert write_registers(1, 0, text_registers("A023", 4, 1, "right")) == NOTED[2]


def test_the_noted_frames_are_what_the_noted_config_sends() -> None:
    """The notes' example config and their frames tell the same story."""
    assert _frame_of_example(1, "A023") == NOTED[0]
    assert _frame_of_example(9, "9001") == NOTED[4]


def test_answers_match_the_notes() -> None:
    assert AnswerDecoder(1).feed(NOTED[1]) == [WriteAnswer(1, 0, 2)]
    assert AnswerDecoder(1).feed(NOTED[3]) == [WriteAnswer(1, 0, 4)]
    assert AnswerDecoder(1).feed(bytes.fromhex("01 90 02 CD C1")) == [WriteAnswer(1, 0, 0, 2)]


def test_answers_are_found_after_the_echo_and_noise() -> None:
    decoder = AnswerDecoder(1)
    echo = NOTED[0]  # adapters that hear themselves
    assert decoder.feed(b"\x00\x01\x10" + echo + NOTED[1]) == [WriteAnswer(1, 0, 2)]


def test_other_units_answers_are_not_ours() -> None:
    other = bytes.fromhex("02 10 00 10 00 04") + bytes.fromhex("C0 3E")
    assert AnswerDecoder(1).feed(other) == []


@pytest.mark.parametrize(
    ("text", "length", "per", "align", "registers"),
    [
        ("A023", 4, 2, "right", [0x4130, 0x3233]),
        ("A7", 4, 2, "right", [0x2020, 0x4137]),
        ("A7", 4, 2, "left", [0x4137, 0x2020]),
        ("A023", 4, 1, "right", [0x41, 0x30, 0x32, 0x33]),
        ("XD123456", 4, 2, "right", [0x3334, 0x3536]),
        ("", 3, 2, "right", [0x2020, 0x2020]),
    ],
)
def test_text_in_registers(
    text: str, length: int, per: int, align: str, registers: list[int]
) -> None:
    assert text_registers(text, length, per, align) == registers


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError):
        write_registers(0, 0, [1])
    with pytest.raises(ValueError):
        write_registers(1, 0, [])
    with pytest.raises(ValueError):
        write_registers(1, 65535, [1, 2])
