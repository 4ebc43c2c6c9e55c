"""CRC-16/MODBUS: the check shared by our keypad frames and Modbus RTU.

Polynomial 0x8005 reflected (0xA001), initial value 0xFFFF, no final XOR; the two
bytes go on the wire low byte first.  Check values: b"123456789" -> 0x4B37, and
the request 01 03 00 00 00 0A ends in C5 CD.
"""

from __future__ import annotations


def _table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _table()


def crc16_modbus(data: bytes | bytearray | memoryview, crc: int = 0xFFFF) -> int:
    """The CRC of `data` (continue a running CRC by passing it as `crc`)."""
    table = _TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def crc_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """The two CRC bytes to append to `data`, low byte first."""
    return crc16_modbus(data).to_bytes(2, "little")


def with_crc(data: bytes | bytearray) -> bytes:
    """`data` followed by its CRC."""
    return bytes(data) + crc_bytes(data)


def check_crc(frame: bytes | bytearray | memoryview) -> bool:
    """True when the last two bytes of `frame` are the CRC of the rest."""
    if len(frame) < 3:
        return False
    return crc16_modbus(frame[:-2]) == frame[-2] | (frame[-1] << 8)
