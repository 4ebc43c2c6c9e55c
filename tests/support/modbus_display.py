"""A Modbus LED display played by pymodbus (an independent implementation) on a pty."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import select
import threading
import tty
from collections.abc import Callable

from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice


def _pty() -> tuple[int, int]:
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    return master, slave


class PtyPair:
    """Two ptys joined master to master (what socat does): whoever opens `a_path` talks to
    whoever opens `b_path`, both through real tty devices."""

    def __init__(self) -> None:
        self._a, self._a_slave = _pty()
        self._b, self._b_slave = _pty()
        self.a_path = os.ttyname(self._a_slave)
        self.b_path = os.ttyname(self._b_slave)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._copy, daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        peer = {self._a: self._b, self._b: self._a}
        with contextlib.suppress(OSError):
            while True:
                readable, _, _ = select.select([self._a, self._b, self._stop_r], [], [])
                if self._stop_r in readable:
                    return
                for fd in readable:
                    data = os.read(fd, 4096)
                    os.write(peer[fd], data)

    def close(self) -> None:
        os.write(self._stop_w, b"x")
        self._thread.join(timeout=5)
        for fd in (self._a, self._a_slave, self._b, self._b_slave, self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)


class SimDisplays:
    """Units on one RS-485 line; each has holding registers 0..count-1, recorded on write.
    The line's end for the code under test is `path`."""

    def __init__(self, units: dict[int, int], baud: int = 9600) -> None:
        self.pair = PtyPair()
        self.path = self.pair.a_path
        self.registers: dict[int, dict[int, int]] = {unit: {} for unit in units}
        self.writes = 0
        self._changed = asyncio.Condition()
        devices = [
            SimDevice(
                id=unit,
                simdata=[SimData(0, count=count, values=0, datatype=DataType.REGISTERS)],
                action=functools.partial(self._action, unit),
            )
            for unit, count in units.items()
        ]
        self.server = ModbusSerialServer(devices, port=self.pair.b_path, baudrate=baud)
        self._task: asyncio.Task[None] | None = None

    async def _action(
        self,
        unit: int,
        function_code: int,
        _start: int,
        address: int,
        _count: int,
        _current: list[int],
        values: list[int] | list[bool] | None,
    ) -> None:
        if function_code == 16 and values is not None:
            for i, value in enumerate(values):
                self.registers[unit][address + i] = int(value)
            self.writes += 1
            async with self._changed:
                self._changed.notify_all()

    def text(self, unit: int, register: int, length: int, per_register: int = 2) -> str:
        regs = self.registers[unit]
        if per_register == 1:
            raw = bytes(regs.get(register + i, 0) & 0xFF for i in range(length))
        else:
            raw = b"".join(
                regs.get(register + i, 0).to_bytes(2, "big") for i in range((length + 1) // 2)
            )[:length]
        return raw.decode("ascii", "replace")

    async def wait(self, predicate: Callable[[], bool], within: float = 2.0) -> None:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def __aenter__(self) -> SimDisplays:
        self._task = asyncio.create_task(self.server.serve_forever())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.shutdown()  # type: ignore[no-untyped-call]
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self.pair.close()
