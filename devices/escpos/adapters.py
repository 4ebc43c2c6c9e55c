"""Connections to printers: they own the sockets, ports and threads; no ESC/POS logic here.

A `Link` is one open connection for one job or one status check; a new one is
made each time (python-escpos's own printer objects are stuck after one failed
open, and a network printer serves one client at a time, so nobody should hold
it between jobs).  Network and serial links are asyncio streams.  USB goes
through python-escpos's `Usb` and file and CUPS writes block, so they run on one
worker thread per printer: the thread keeps their calls in order even when an
awaiting coroutine has given up on one.

Links take no timeouts but one: the status asked after a job is answered only once the
printer has taken the job before it, so that wait gives up only when the printer has
taken nothing for `idle_s` (bytes left in our buffer or the kernel's queue: for TCP,
sent but not acknowledged): a slow printer that keeps taking data is printing, and must
not be given up on while it prints.  A job given up on is cut
off for certain (`abort`: the queued bytes are discarded, a TCP connection is reset),
so it can never come out of this printer after it was sent to another.  The driver
bounds every other step and maps a step that overran to a printer state.  Failures
raise `PrinterUnavailable` with the state they reveal.

Whether a job was taken (`delivered`) is the link's to say, as its transport knows it:
the printer answered the status asked after it, or every byte of it was written and
acknowledged (TCP: none left in our buffer or unacknowledged in the kernel's queue, and
no reset; a serial port: none left to go out; USB: the bulk write returned), or a TCP
printer closed the connection in order (a FIN: a peer that closes with data unread
resets instead) once it had acknowledged them all.  firmware_notes/printers.md says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import subprocess
import termios
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import serial
import serial_asyncio_fast

from ..sockets import reset
from ._escpos import Usb
from .address import PrinterAddress
from .protocol import PrinterState, PrinterStatus, is_status_byte, query

T = TypeVar("T")


class PrinterUnavailable(Exception):
    """The printer cannot take a job now; `status` says why."""

    def __init__(self, state: PrinterState, detail: str) -> None:
        super().__init__(f"{state.value}: {detail}")
        self.status = PrinterStatus(state, detail)


PROGRESS_CHECK_S = 0.02
"""How often a job being sent looks at how much the printer has taken."""


class Link(Protocol):
    async def query(self, n: int, idle_s: float | None = None) -> int:
        """Send DLE EOT n; the status byte answered.  With `idle_s`, the answer may wait
        behind a job: PrinterUnavailable when the printer takes nothing for that long."""
        ...

    async def write(self, data: bytes) -> None:
        """Hand a job's bytes to the connection (the next status answer says they were taken)."""
        ...

    def delivered(self) -> bool:
        """Whether the printer has taken every byte of the job written last, as far as the
        transport can tell (see the module's docstring): then it is the printer's job,
        whatever the printer says or does next."""
        ...

    async def close(self) -> None:
        """The job is done: close politely."""
        ...

    async def abort(self) -> None:
        """The job is given up: cut the connection, discarding whatever is not yet taken."""
        ...


class Adapter(Protocol):
    address: PrinterAddress

    async def open(self) -> Link: ...


class ClosedByPrinter(PrinterUnavailable):
    """The printer closed the connection in order (EOF), as some do after every job."""

    def __init__(self) -> None:
        super().__init__(PrinterState.OFFLINE, "the printer closed the connection")


def offline(detail: str) -> PrinterUnavailable:
    return PrinterUnavailable(PrinterState.OFFLINE, detail)


# ---------------------------------------------------------------------- streams: TCP and serial


class StreamLink:
    """A byte stream with a reader task, so stale bytes can be dropped before each query."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._pending = bytearray()
        self._arrived = asyncio.Event()
        self._ended: str | None = None
        self._lost = False
        """Ended by an error or a reset, not by the printer closing in order."""
        self._job_written = False
        self._after_job = 0
        """Bytes of status queries written since the job: they may still be unacknowledged."""
        self._unsent_at_close: int | None = None
        self._pump = asyncio.create_task(self._read_forever(), name="printer-reader")

    async def _read_forever(self) -> None:
        try:
            while data := await self._reader.read(256):
                self._pending += data
                self._arrived.set()
            self._ended = "the printer closed the connection"
            self._unsent_at_close = self.unsent()  # its FIN acknowledged all it had read
        except (OSError, serial.SerialException) as exc:
            self._ended, self._lost = f"connection lost: {exc}", True
        finally:
            self._arrived.set()

    def _raise_ended(self) -> None:
        if self._ended is not None:
            raise offline(self._ended) if self._lost else ClosedByPrinter()

    async def query(self, n: int, idle_s: float | None = None) -> int:
        self._pending.clear()  # late answers, automatic status back: not ours
        request = query(n)
        self._send(request)
        self._after_job += len(request)
        loop = asyncio.get_running_loop()
        left, progress_at = self.unsent(), loop.time()
        while True:
            while self._pending:
                value = self._pending.pop(0)
                if is_status_byte(value):
                    return value
            self._raise_ended()
            self._arrived.clear()
            if idle_s is None:
                await self._arrived.wait()
                continue
            try:
                async with asyncio.timeout(PROGRESS_CHECK_S):
                    await self._arrived.wait()
            except TimeoutError:
                now, still = loop.time(), self.unsent()
                if still < left:
                    left, progress_at = still, now  # it is taking the job: keep waiting
                elif now - progress_at >= idle_s:
                    raise PrinterUnavailable(
                        PrinterState.NOT_ANSWERING,
                        f"stopped taking data for {idle_s:g} s"
                        if still
                        else f"status not answered within {idle_s:g} s",
                    ) from None

    async def write(self, data: bytes) -> None:
        self._send(data)  # no drain: the status asked after it tells when taken
        self._job_written, self._after_job = True, 0

    def _send(self, data: bytes) -> None:
        self._raise_ended()
        try:
            self._writer.write(data)
        except (OSError, serial.SerialException) as exc:
            self._lost = True
            raise offline(f"connection lost while sending: {exc or type(exc).__name__}") from exc

    def delivered(self) -> bool:
        if not self._job_written or self._lost:
            return False
        unsent = self._unsent_at_close if self._unsent_at_close is not None else self.unsent()
        return unsent <= self._after_job  # what is left is the status queries' bytes at most

    def unsent(self) -> int:
        """Bytes not yet taken by the printer: in our buffer, and in the kernel's queue
        (for TCP: sent but not acknowledged; for a serial port: not yet on the wire)."""
        transport = self._writer.transport
        left = transport.get_write_buffer_size()
        port = transport.get_extra_info("serial")
        if port is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                left += int(port.out_waiting)
            return left
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
                left += struct.unpack("i", queued)[0]
        return left

    async def close(self) -> None:
        self._pump.cancel()
        self._writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(0.5):
                await self._writer.wait_closed()

    async def abort(self) -> None:
        self._pump.cancel()
        transport = self._writer.transport
        port = transport.get_extra_info("serial")
        if port is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                port.reset_output_buffer()
        reset(transport)  # TCP: a reset, not a FIN: the kernel drops what it still queues


class TcpAdapter:
    """A network printer on port 9100 (the "raw" or JetDirect port)."""

    def __init__(self, address: PrinterAddress) -> None:
        self.address = address

    async def open(self) -> Link:
        try:
            reader, writer = await asyncio.open_connection(self.address.host, self.address.port)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc) or type(exc).__name__
            raise offline(f"{self.address.host}:{self.address.port}: {reason}") from exc
        return StreamLink(reader, writer)


class SerialAdapter:
    """A serial (RS-232 or USB-serial) printer through pyserial-asyncio-fast."""

    def __init__(self, address: PrinterAddress) -> None:
        self.address = address

    async def open(self) -> Link:
        try:
            reader, writer = await serial_asyncio_fast.open_serial_connection(
                url=self.address.path, baudrate=self.address.baudrate
            )
        except (OSError, serial.SerialException) as exc:
            raise offline(f"cannot open {self.address.path}: {exc}") from exc
        return StreamLink(reader, writer)


# ---------------------------------------------------------------------- threads: USB, file, CUPS


class _Threaded:
    """Runs a printer's blocking calls one after another on its own thread."""

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"printer-{name}")

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, call, *args)


class UsbAdapter(_Threaded):
    """A USB printer through python-escpos's `Usb` (pyusb and libusb-1.0)."""

    def __init__(self, address: PrinterAddress, profile: str, timeout_s: float) -> None:
        super().__init__(f"usb-{address.vendor:04x}-{address.product:04x}")
        self.address, self.profile = address, profile
        self.timeout_ms = max(1, round(timeout_s * 1000))

    async def open(self) -> Link:
        device = await self._run(self._open)
        return _UsbLink(self, device)

    def _open(self) -> Any:
        a = self.address
        device = Usb(
            a.vendor,
            a.product,
            timeout=self.timeout_ms,
            in_ep=a.in_ep,
            out_ep=a.out_ep,
            profile=self.profile,
        )
        try:
            device.open()
        except Exception as exc:  # DeviceNotFoundError, NoBackendError (no libusb), USBError
            raise offline(f"USB {a.vendor:04x}:{a.product:04x}: {exc}".strip()) from exc
        return device


class _UsbLink:
    def __init__(self, adapter: UsbAdapter, device: Any) -> None:
        self._adapter, self._device = adapter, device
        self._written = False

    async def query(self, n: int, idle_s: float | None = None) -> int:
        answer: bytes = await self._adapter._run(self._ask, n)
        for value in answer:
            if is_status_byte(value):
                return value
        raise PrinterUnavailable(PrinterState.NOT_ANSWERING, f"no answer to DLE EOT {n}")

    def _ask(self, n: int) -> bytes:
        try:
            self._device._raw(query(n))
            return bytes(self._device._read())
        except Exception as exc:  # usb.core.USBTimeoutError, USBError
            raise PrinterUnavailable(PrinterState.NOT_ANSWERING, f"USB: {exc}") from exc

    async def write(self, data: bytes) -> None:
        self._written = False
        await self._adapter._run(self._send, data)  # bounded by the USB timeout
        self._written = True

    def delivered(self) -> bool:
        return self._written  # a bulk write returns once the printer took every packet

    def _send(self, data: bytes) -> None:
        try:
            self._device._raw(data)
        except Exception as exc:
            raise offline(f"USB write failed: {exc}") from exc

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._adapter._run(self._device.close)

    async def abort(self) -> None:
        await self.close()  # a USB write returned only once the printer took it all


class FileAdapter(_Threaded):
    """A device node (/dev/usb/lp0) or a file: the job is appended; no status comes back."""

    def __init__(self, address: PrinterAddress) -> None:
        super().__init__("file")
        self.address = address

    async def open(self) -> Link:
        return _WriteOnlyLink(self, self._append)

    def _append(self, data: bytes) -> None:
        try:
            with open(self.address.path, "ab") as out:
                out.write(data)
        except OSError as exc:
            raise offline(f"{self.address.path}: {exc.strerror or exc}") from exc


class CupsAdapter(_Threaded):
    """A CUPS queue: the job goes through `lp -o raw`; no status comes back."""

    def __init__(self, address: PrinterAddress, timeout_s: float) -> None:
        super().__init__("cups")
        self.address, self.timeout_s = address, timeout_s

    async def open(self) -> Link:
        return _WriteOnlyLink(self, self._submit)

    def _submit(self, data: bytes) -> None:
        command = ["lp", "-d", self.address.queue, "-o", "raw"]
        try:
            subprocess.run(  # noqa: S603 (no shell; the queue name is checked by address.py)
                command, input=data, capture_output=True, timeout=self.timeout_s, check=True
            )
        except FileNotFoundError as exc:
            raise offline("`lp` not found: install the Debian package cups-client") from exc
        except subprocess.CalledProcessError as exc:
            message = exc.stderr.decode(errors="replace").strip() or f"lp exited {exc.returncode}"
            raise offline(message) from exc
        except subprocess.TimeoutExpired as exc:
            raise PrinterUnavailable(PrinterState.NOT_ANSWERING, "lp did not finish") from exc


class _WriteOnlyLink:
    def __init__(self, owner: _Threaded, send: Callable[[bytes], None]) -> None:
        self._owner, self._send = owner, send
        self._written = False

    async def query(self, n: int, idle_s: float | None = None) -> int:
        raise PrinterUnavailable(PrinterState.UNKNOWN, "this connection gives no status")

    async def write(self, data: bytes) -> None:
        self._written = False
        await self._owner._run(self._send, data)
        self._written = True

    def delivered(self) -> bool:
        return self._written  # the file or the spooler has it all

    async def close(self) -> None:
        return None

    async def abort(self) -> None:
        return None  # a file or spooler took the whole job, or none of it


def adapter_for(address: PrinterAddress, profile: str, timeout_s: float) -> Adapter:
    if address.kind == "tcp":
        return TcpAdapter(address)
    if address.kind == "serial":
        return SerialAdapter(address)
    if address.kind == "usb":
        return UsbAdapter(address, profile, timeout_s)
    if address.kind == "file":
        return FileAdapter(address)
    return CupsAdapter(address, timeout_s)
