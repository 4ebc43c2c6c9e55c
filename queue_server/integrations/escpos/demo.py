"""The demo's printers: an emulator for each network printer of the config, on free ports.

Each emulator listens before the loop starts (so its port is known to the config),
is started as the first component of the centre (so the print service finds it on)
and saves every ticket as a PNG under `save_dir/<printer>/`.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from devices.escpos.address import parse_printer_url
from devices.escpos.emulator import PrinterEmulator, bound_socket

from ...config import CentreConfig


def emulate_printers(
    config: CentreConfig, save_dir: Path, first_port: int = 0
) -> tuple[CentreConfig, list[PrinterEmulator]]:
    """The config with its network printers replaced by emulators, and the emulators."""
    printers, emulators = [], []
    for i, printer in enumerate(config.devices.printers):
        if parse_printer_url(printer.url).kind != "tcp":
            printers.append(printer)
            continue
        sock = bound_socket("127.0.0.1", first_port + i if first_port else 0)
        emulator = PrinterEmulator(
            "127.0.0.1",
            sock.getsockname()[1],
            sock=sock,
            save_dir=save_dir / printer.name,
        )
        emulators.append(emulator)
        printers.append(msgspec.structs.replace(printer, url=emulator.url))
    devices = msgspec.structs.replace(config.devices, printers=printers)
    return msgspec.structs.replace(config, devices=devices), emulators


def emulators_guide(config: CentreConfig, emulators: list[PrinterEmulator]) -> str:
    lines = ["Printers (emulated; tickets saved as PNG):"]
    by_url = {e.url: e for e in emulators}
    for printer in config.devices.printers:
        emulator = by_url.get(printer.url)
        if emulator is not None:
            lines.append(f"  {printer.name:14} {emulator.url}  -> {emulator.save_dir}/")
    for kiosk in config.devices.kiosks:
        lines.append(f"  kiosk {kiosk.name} prints on {', then '.join(kiosk.printers)}")
    return "\n".join(lines)
