"""Modbus RTU, the little we need to drive LED displays: write multiple registers (FC16).

Pure.  A request is `unit, 0x10, address (2), count (2), byte count, values (2 each),
CRC`; the answer echoes `unit, 0x10, address, count, CRC` (8 bytes), or is an exception
`unit, 0x90, code, CRC` (5 bytes).  Numbers are big-endian, the CRC (CRC-16/MODBUS)
low byte first.  Displays keep their characters as ASCII in holding registers; how is
each model's own, so the register map is data (`[[devices.display_models]]`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..crc import crc16_modbus, with_crc
from ..framing import FrameScanner

WRITE_MULTIPLE = 0x10
EXCEPTION_BIT = 0x80
MAX_REGISTERS = 123
EXCEPTIONS = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    6: "server device busy",
}


def write_registers(unit: int, address: int, values: list[int]) -> bytes:
    """An FC16 request frame, CRC included."""
    if not 1 <= unit <= 247:
        raise ValueError("a Modbus unit is 1-247")
    if not 1 <= len(values) <= MAX_REGISTERS:
        raise ValueError(f"write 1-{MAX_REGISTERS} registers at a time")
    if not 0 <= address <= 0xFFFF or address + len(values) > 0x10000:
        raise ValueError("registers are 0-65535")
    body = bytearray((unit, WRITE_MULTIPLE))
    body += address.to_bytes(2, "big") + len(values).to_bytes(2, "big")
    body.append(2 * len(values))
    for value in values:
        body += (value & 0xFFFF).to_bytes(2, "big")
    return with_crc(body)


@dataclass(frozen=True, slots=True)
class WriteAnswer:
    unit: int
    address: int
    count: int
    exception: int | None = None

    @property
    def ok(self) -> bool:
        return self.exception is None


class AnswerDecoder(FrameScanner[WriteAnswer]):
    """Finds the answers of one unit to FC16 in a byte stream (noise, echoes, other units).

    A candidate is `unit, 0x10` or `unit, 0x90` whose CRC checks; otherwise the decoder
    moves one byte on.  The request itself (local echo on some adapters) is longer and
    is skipped as what it is: not an answer.
    """

    __slots__ = ("unit",)

    def __init__(self, unit: int) -> None:
        super().__init__()
        self.unit = unit

    def _parse(self) -> list[WriteAnswer]:
        buf = self._buffer
        found: list[WriteAnswer] = []
        unit = self.unit
        while self._sync(unit):
            if len(buf) < 2:
                break
            function = buf[1]
            if function == WRITE_MULTIPLE:
                size = 8
            elif function == WRITE_MULTIPLE | EXCEPTION_BIT:
                size = 5
            else:
                self._skip(1)
                continue
            if len(buf) < size:
                break
            if crc16_modbus(memoryview(buf)[: size - 2]) != buf[size - 2] | (buf[size - 1] << 8):
                self._reject()
                continue
            if size == 8:
                answer = WriteAnswer(
                    unit, int.from_bytes(buf[2:4], "big"), int.from_bytes(buf[4:6], "big")
                )
            else:
                answer = WriteAnswer(unit, 0, 0, buf[2])
            found.append(answer)
            self._take(size)
        return found


def text_registers(text: str, length: int, chars_per_register: int, align: str) -> list[int]:
    """`text` in a display's registers: padded with spaces to `length` characters (the
    last characters kept when too long), ASCII, one or two characters per register."""
    raw = text.encode("ascii", "replace")[-length:]
    raw = raw.rjust(length) if align == "right" else raw.ljust(length)
    if chars_per_register == 1:
        return list(raw)
    if len(raw) % 2:
        raw += b" "
    return [(raw[i] << 8) | raw[i + 1] for i in range(0, len(raw), 2)]
