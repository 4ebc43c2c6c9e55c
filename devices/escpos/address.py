"""Where a printer is, from the `url` in the centre's config.  Pure: no I/O.

tcp://192.168.1.50:9100            network printer (port 9100 when left out)
serial:///dev/ttyUSB0?baudrate=19200   serial or USB-serial printer (default 9600 baud)
usb://04b8:0e15?in_ep=0x82&out_ep=0x01 USB printer by vendor:product (hex)
file:///dev/usb/lp0                 a device node or file the job bytes are appended to
cups://Xprinter_XP-80               a CUPS queue, sent raw with `lp -o raw`
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

Kind = Literal["tcp", "serial", "usb", "file", "cups"]
KINDS: tuple[Kind, ...] = ("tcp", "serial", "usb", "file", "cups")
_USB_ID = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")
_QUEUE = re.compile(r"^[A-Za-z0-9_.@-]{1,127}$")


@dataclass(frozen=True, slots=True)
class PrinterAddress:
    kind: Kind
    host: str = ""
    port: int = 9100
    path: str = ""
    baudrate: int = 9600
    vendor: int = 0
    product: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    queue: str = ""

    @property
    def has_status(self) -> bool:
        """Whether DLE EOT can be asked and answered over this connection."""
        return self.kind in ("tcp", "serial", "usb")


def parse_printer_url(url: str) -> PrinterAddress:
    """The address in a printer URL; ValueError says what is wrong with it."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in KINDS:
        raise ValueError(f"{url!r} must start with tcp://, serial://, usb://, file:// or cups://")
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme == "tcp":
        try:
            port = parts.port or 9100
        except ValueError:
            raise ValueError(f"{url!r}: the port must be a number from 1 to 65535") from None
        if not parts.hostname:
            raise ValueError(f"{url!r}: give the printer's address, e.g. tcp://192.168.1.50:9100")
        return PrinterAddress("tcp", host=parts.hostname, port=port)
    if scheme == "serial":
        if parts.netloc or not parts.path.startswith("/"):
            raise ValueError(f"{url!r}: give the device path, e.g. serial:///dev/ttyUSB0")
        return PrinterAddress(
            "serial", path=parts.path, baudrate=_number(url, query, "baudrate", 9600, 10)
        )
    if scheme == "usb":
        match = _USB_ID.match(rest.split("?", 1)[0])
        if not match:
            raise ValueError(f"{url!r}: give vendor:product in hex, e.g. usb://04b8:0e15")
        return PrinterAddress(
            "usb",
            vendor=int(match.group(1), 16),
            product=int(match.group(2), 16),
            in_ep=_number(url, query, "in_ep", 0x82, 16),
            out_ep=_number(url, query, "out_ep", 0x01, 16),
        )
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(f"{url!r}: give an absolute path, e.g. file:///dev/usb/lp0")
        return PrinterAddress("file", path=parts.path)
    queue = rest.split("?", 1)[0]
    if not _QUEUE.match(queue):
        raise ValueError(f"{url!r}: give the CUPS queue's name, e.g. cups://Xprinter_XP-80")
    return PrinterAddress("cups", queue=queue)


def _number(url: str, query: dict[str, str], name: str, default: int, base: int) -> int:
    if name not in query:
        return default
    try:
        return int(query[name], base if not query[name].startswith("0x") else 16)
    except ValueError:
        raise ValueError(f"{url!r}: {name}={query[name]!r} is not a number") from None


def printer_problems(url: str, profile: str, paper_mm: int) -> Iterator[tuple[str, str]]:
    """(field, problem) for a printer's url and python-escpos profile, for config checks."""
    try:
        parse_printer_url(url)
    except ValueError as exc:
        yield "url", str(exc)
    from .protocol import profile_for, profile_problem  # loads python-escpos's database

    problem = profile_problem(profile_for(profile, paper_mm), paper_mm)
    if problem:
        yield "profile", problem
