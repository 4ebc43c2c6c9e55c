"""The one owner of an asyncio serial port: open it, hand every byte read to a callback,
and open it again with backoff when it disappears (a USB adapter unplugged and back).

`port` is a device path, a stable symlink such as `/dev/serial/by-id/usb-FTDI_...`
(looked up again at every attempt, so a replugged adapter that came back as another
`/dev/ttyUSBn` is found), or a pyserial URL such as `socket://10.0.0.7:4001` for a
serial-over-IP converter.  pyserial-asyncio-fast does the I/O on the event loop, and
hands each chunk read to `_LineProtocol`, which calls the line's handler in that same
loop turn: a stream reader would add a task wake-up per chunk, and a UART or a pty
delivers a frame in several chunks (byte by byte when the host is quick).

An unplug shows as `SerialException` from the reader (never a clean EOF); writes
afterwards fail the same way.  Both end the connection and start the backoff.
Protocol logic never lives here: a line's adapter feeds the bytes to its sans-I/O
protocol object and writes what that object wants sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable

import serial
from serial_asyncio_fast import SerialTransport, create_serial_connection

from .tasks import cancel_and_wait

log = logging.getLogger(__name__)

DataHandler = Callable[[bytes], None]
arrival_hook: Callable[[DataHandler], DataHandler] | None = None
"""Set once, before any port is made, to wrap every line's data handler (the server's
opt-in trace stamps when a press's bytes arrived: queue_server/trace.py).  Injected by
the composition root so that this library knows nothing of who measures it."""

BACKOFF_FIRST_S = 0.05
BACKOFF_MAX_S = 1.0
"""At most a second between attempts: a replugged line is back well within 2 s."""


class _LineProtocol(asyncio.Protocol):
    """Bytes in, straight to the handler; `closed` resolves with why the line ended."""

    def __init__(self, on_data: Callable[[bytes], None], name: str) -> None:
        self._on_data = on_data
        self._name = name
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        try:
            self._on_data(data)
        except Exception:  # a protocol bug must not take the line down
            log.exception("serial line %s: handling %d bytes failed", self._name, len(data))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(str(exc or "end of data") or type(exc).__name__)


class SerialPort:
    def __init__(
        self,
        port: str,
        baudrate: int,
        on_data: Callable[[bytes], None],
        *,
        name: str = "",
        on_open: Callable[[], None] | None = None,
        on_close: Callable[[str], None] | None = None,
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_max_s: float = BACKOFF_MAX_S,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.name = name or port
        self._on_data = arrival_hook(on_data) if arrival_hook is not None else on_data
        self._on_open = on_open
        self._on_close = on_close
        self._backoff = (backoff_first_s, backoff_max_s)
        self._transport: SerialTransport | None = None
        self._task: asyncio.Task[None] | None = None
        self._online = asyncio.Event()
        self.opened = 0
        """How many times the port was opened (1 after start; +1 per reconnect)."""
        self.failed_attempts = 0
        self.last_error = ""
        self.online_since: float | None = None

    @property
    def online(self) -> bool:
        return self._transport is not None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"serial {self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def wait_online(self) -> None:
        await self._online.wait()

    def write(self, data: bytes) -> bool:
        """Queue bytes for the wire; False (and nothing sent) while the port is closed."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return False
        try:
            transport.write(data)
        except (serial.SerialException, OSError) as exc:
            self.last_error = str(exc)
            if not transport.is_closing():
                transport.abort()
            return False
        return True

    def resolve(self) -> str:
        """What to open now: a URL as is, a path through its symlinks as they are now."""
        if "://" in self.port:
            return self.port
        return os.path.realpath(self.port)

    async def _run(self) -> None:
        delay = self._backoff[0]
        while True:
            try:
                transport, protocol = await create_serial_connection(
                    asyncio.get_running_loop(),
                    lambda: _LineProtocol(self._on_data, self.name),
                    self.resolve(),
                    baudrate=self.baudrate,
                )
            except (serial.SerialException, OSError, ValueError) as exc:
                self.failed_attempts += 1
                if str(exc) != self.last_error:
                    log.warning("serial line %s: cannot open %s: %s", self.name, self.port, exc)
                self.last_error = str(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff[1])
                continue
            delay = self._backoff[0]
            assert isinstance(protocol, _LineProtocol)
            reason = await self._serve(transport, protocol)
            log.warning("serial line %s: closed (%s); reopening", self.name, reason)
            await asyncio.sleep(delay)

    async def _serve(self, transport: SerialTransport, protocol: _LineProtocol) -> str:
        self._transport = transport
        self.opened += 1
        self.online_since = time.monotonic()
        self.last_error = ""
        log.info("serial line %s: open on %s at %d baud", self.name, self.port, self.baudrate)
        reason = "stopped"
        try:
            if self._on_open is not None:
                self._on_open()
            self._online.set()
            reason = await protocol.closed
        finally:
            self._transport = None
            self._online.clear()
            self.online_since = None
            self.last_error = reason
            if not transport.is_closing():
                transport.abort()
            if self._on_close is not None:
                try:
                    self._on_close(reason)
                except Exception:
                    log.exception("serial line %s: close handler failed", self.name)
        return reason
