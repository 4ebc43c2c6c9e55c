"""Centres with serial lines, and waiting on emulated devices, for the device tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import msgspec

from devices.modbus.displays import DisplayModel
from queue_server.app import Centre
from queue_server.config import CentreConfig, Devices
from queue_server.integrations.lines import SerialDevices
from queue_server.integrations.lines_config import SerialLine

from .centre import example_config


def config_with_lines(
    tmp_path: Path, lines: list[SerialLine], models: list[DisplayModel] | None = None
) -> CentreConfig:
    """The example centre with only these serial lines as devices."""
    config = example_config(tmp_path / "centre.sqlite3")
    devices = Devices(serial_lines=lines, display_models=models or [])
    return msgspec.structs.replace(config, devices=devices)


def serial_of(centre: Centre) -> SerialDevices:
    assert centre.serial is not None
    return centre.serial


async def until(predicate: Callable[[], bool], timeout: float = 2.0) -> None:
    """Wait for a condition on the server's side that has no event of its own (a counter,
    a log entry), looking every few milliseconds; TimeoutError after `timeout`."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 (no event to wait on)
            await asyncio.sleep(0.005)
