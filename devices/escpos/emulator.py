"""A fake ESC/POS network printer for tests and the demo.

`EscPosDecoder` is pure: bytes in (in any pieces), commands out.  It knows the
length of every command python-escpos and common drivers send, so an unknown
one is skipped without losing the rest.  `PaperRoll` turns commands into
printed tickets (raster images stacked, text lines, QR payloads), ending a
ticket at a cut, at the next `ESC @`, or when the job's connection closes
(58 mm printers often have no cutter).  `PrinterEmulator` is the asyncio TCP
server around them: it answers `DLE EOT n` from a state it is told, can be
switched off and on, can drop a connection in the middle of a job, can close it
after a job, run out of paper after one or answer late after one, and saves
each ticket as a PNG.

    python -m devices.escpos.emulator --port 9100 --save-dir var/tickets
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from ..sockets import reset
from .protocol import PrinterState

log = logging.getLogger(__name__)

ESC, GS, DLE, FS, LF = 0x1B, 0x1D, 0x10, 0x1C, 0x0A

# ---------------------------------------------------------------------- decoded commands


@dataclass(frozen=True, slots=True)
class Init:
    pass


@dataclass(frozen=True, slots=True)
class Text:
    data: bytes


@dataclass(frozen=True, slots=True)
class Raster:
    """`GS v 0`: one block of 1-bit raster image, bit set = dot printed."""

    width_bytes: int
    height: int
    data: bytes
    mode: int = 0

    def image(self) -> Image.Image:
        """As a Pillow 1-bit image (black where a dot is printed)."""
        return Image.frombytes("1", (self.width_bytes * 8, self.height), self.data, "raw", "1;I")


@dataclass(frozen=True, slots=True)
class QrStore:
    """`GS ( k` function 180: the data of the QR code the printer would draw itself."""

    data: bytes


@dataclass(frozen=True, slots=True)
class QrPrint:
    pass


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """`DLE EOT n`: answered at once, whatever else is going on."""

    n: int


@dataclass(frozen=True, slots=True)
class Other:
    """A known command with no effect on the emulated paper (alignment, code page...)."""

    data: bytes


Command = Init | Text | Raster | QrStore | QrPrint | Feed | Cut | StatusQuery | Other

# Commands of fixed length: (prefix, second byte) -> total length in bytes.
_FIXED: dict[tuple[int, int], int] = {
    **{(ESC, c): 2 for c in b"@2<im"},
    **{(ESC, c): 3 for c in b"!-3=EGJMRSTUVadelrt{ %?"},
    (ESC, ord("p")): 5,
    (ESC, ord("$")): 4,
    (ESC, ord("\\")): 4,
    (ESC, ord("c")): 4,
    **{(GS, c): 3 for c in b"!BHIafhwbrTE/"},
    (GS, ord("L")): 4,
    (GS, ord("W")): 4,
    (GS, ord("$")): 4,
    (GS, ord("\\")): 4,
    (GS, ord("P")): 4,
    (DLE, 0x04): 3,
    (DLE, 0x05): 3,
    (DLE, 0x14): 5,
    **{(FS, c): 2 for c in b"&.C"},
    (FS, ord("p")): 4,
}


class EscPosDecoder:
    """Bytes in, commands out; keeps an incomplete command until the rest arrives."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Command]:
        self._buffer += data
        commands: list[Command] = []
        while self._buffer:
            parsed = self._next()
            if parsed is None:
                break
            command, used = parsed
            del self._buffer[:used]
            commands.append(command)
        return commands

    @property
    def pending(self) -> int:
        """Bytes of a command not yet complete."""
        return len(self._buffer)

    def _next(self) -> tuple[Command, int] | None:
        buf = self._buffer
        first = buf[0]
        if first not in (ESC, GS, DLE, FS):
            return self._text()
        if len(buf) < 2:
            return None
        second = buf[1]
        if first == GS and second == ord("v"):
            return self._raster()
        if first == GS and second == ord("("):
            return self._extended()
        if first == GS and second == ord("V"):
            return self._cut()
        if first == ESC and second == ord("*"):
            return self._column_image()
        if first == GS and second == ord("k"):
            return self._barcode()
        length = _FIXED.get((first, second), 2)
        if len(buf) < length:
            return None
        chunk = bytes(buf[:length])
        if first == DLE and second == 0x04:
            return StatusQuery(chunk[2]), length
        if first == ESC and second == ord("@"):
            return Init(), length
        if first == ESC and second == ord("d"):
            return Feed(chunk[2]), length
        if first == ESC and second in (ord("i"), ord("m")):
            return Cut(partial=True), length
        return Other(chunk), length

    def _text(self) -> tuple[Command, int] | None:
        """Text up to and with a line feed, or up to the next command; printers print a
        line when it ends, so text still open at the end of the bytes waits for more."""
        buf = self._buffer
        end = 0
        while end < len(buf) and buf[end] not in (ESC, GS, DLE, FS):
            end += 1
            if buf[end - 1] == LF:
                return Text(bytes(buf[:end])), end
        if end == len(buf):
            return None
        return Text(bytes(buf[:end])), end

    def _raster(self) -> tuple[Command, int] | None:
        buf = self._buffer
        if len(buf) < 8:
            return None
        width_bytes = buf[4] | buf[5] << 8
        height = buf[6] | buf[7] << 8
        length = 8 + width_bytes * height
        if len(buf) < length:
            return None
        return Raster(width_bytes, height, bytes(buf[8:length]), buf[3]), length

    def _extended(self) -> tuple[Command, int] | None:
        """`GS ( X pL pH ...`: the two bytes after the function letter give the length."""
        buf = self._buffer
        if len(buf) < 5:
            return None
        length = 5 + (buf[3] | buf[4] << 8)
        if len(buf) < length:
            return None
        chunk = bytes(buf[:length])
        if chunk[2] == ord("k") and length >= 8 and chunk[5] == 49:  # cn 49: QR code
            if chunk[6] == 80:  # fn 180: store the data
                return QrStore(chunk[8:]), length
            if chunk[6] == 81:  # fn 181: print it
                return QrPrint(), length
        return Other(chunk), length

    def _cut(self) -> tuple[Command, int] | None:
        buf = self._buffer
        if len(buf) < 3:
            return None
        mode = buf[2]
        length = 4 if mode in (65, 66, 97, 98, 103, 104) else 3
        if len(buf) < length:
            return None
        return Cut(partial=mode in (1, 49, 66, 98, 104)), length

    def _column_image(self) -> tuple[Command, int] | None:
        buf = self._buffer
        if len(buf) < 5:
            return None
        columns = buf[3] | buf[4] << 8
        length = 5 + columns * (3 if buf[2] in (32, 33) else 1)
        if len(buf) < length:
            return None
        return Other(bytes(buf[:length])), length

    def _barcode(self) -> tuple[Command, int] | None:
        buf = self._buffer
        if len(buf) < 3:
            return None
        if buf[2] < 65:  # NUL-terminated data
            end = buf.find(0, 3)
            if end < 0:
                return None
            return Other(bytes(buf[: end + 1])), end + 1
        if len(buf) < 4:
            return None
        length = 4 + buf[3]
        if len(buf) < length:
            return None
        return Other(bytes(buf[:length])), length


# ---------------------------------------------------------------------- the paper


@dataclass
class PrintedTicket:
    rasters: list[Image.Image] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    cut: bool = False
    cut_partial: bool = False
    """The cut left a tab of paper (`GS V 1`), as some kiosks want: the citizen tears it."""

    @property
    def empty(self) -> bool:
        return not (self.rasters or any(self.lines) or self.qr_codes)

    def image(self) -> Image.Image | None:
        """The raster blocks one under another, as they come out of the printer."""
        if not self.rasters:
            return None
        width = max(r.width for r in self.rasters)
        image = Image.new("1", (width, sum(r.height for r in self.rasters)), 1)
        y = 0
        for raster in self.rasters:
            image.paste(raster, (0, y))
            y += raster.height
        return image


class PaperRoll:
    """Applies commands to the paper; returns each ticket once it is finished."""

    def __init__(self) -> None:
        self.current = PrintedTicket()
        self._text = bytearray()
        self._qr: bytes | None = None

    def apply(self, command: Command) -> PrintedTicket | None:
        if isinstance(command, Text):
            self._text += command.data
            if self._text.endswith(b"\n"):
                self._flush_text()
        elif isinstance(command, Raster):
            self.current.rasters.append(command.image())
        elif isinstance(command, QrStore):
            self._qr = command.data
        elif isinstance(command, QrPrint) and self._qr is not None:
            self.current.qr_codes.append(self._qr.decode("utf-8", "replace"))
        elif isinstance(command, Cut):
            self.current.cut, self.current.cut_partial = True, command.partial
            return self.finish()
        elif isinstance(command, Init):
            return self.finish()
        return None

    def finish(self) -> PrintedTicket | None:
        """End the ticket in progress (cut, next job, or the job's connection closed)."""
        self._flush_text()
        ticket, self.current = self.current, PrintedTicket()
        return None if ticket.empty else ticket

    def _flush_text(self) -> None:
        if self._text:
            self.current.lines.append(self._text.decode("cp437").rstrip("\n"))
            self._text.clear()


def status_reply(state: PrinterState, n: int) -> int:
    """The byte a printer in `state` answers to DLE EOT n (fixed bits 0x12 always set)."""
    value = 0x12
    trouble = state in (PrinterState.COVER_OPEN, PrinterState.PAPER_OUT, PrinterState.OFFLINE)
    if n == 1 and trouble:
        value |= 0x08
    elif n == 2:
        value |= {
            PrinterState.COVER_OPEN: 0x04,
            PrinterState.PAPER_OUT: 0x20,
            PrinterState.OFFLINE: 0x40,
        }.get(state, 0)
    elif n == 4:
        if state is PrinterState.PAPER_NEAR_END:
            value |= 0x0C
        elif state is PrinterState.PAPER_OUT:
            value |= 0x6C
    return value


# ---------------------------------------------------------------------- the TCP printer


class PrinterEmulator:
    """A network printer on TCP: decodes jobs, answers status from `state`, saves PNGs."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        save_dir: Path | None = None,
        sock: socket.socket | None = None,
        keep: int = 50,
        keep_files: int = 500,
        read_bytes_per_s: float | None = None,
        receive_window: int | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.read_bytes_per_s = read_bytes_per_s
        """A slow printer takes data at this rate (cheap printers: ~5 KB/s)."""
        self.receive_window = receive_window
        """A small buffer (bytes): a slow printer's sender then waits for it, as on a real
        line, instead of handing everything to this emulator's memory at once."""
        self.stall_after: int | None = None
        """Stop taking data once a connection has received this many bytes (`resume`)."""
        self.close_after_job = False
        """Close the connection (an orderly FIN) as soon as a ticket is cut, as some printers
        and print servers do; whatever follows on it is read and ignored."""
        self.tickets_on_roll: int | None = None
        """Paper for this many more tickets: the roll runs out at the end of the last one,
        so the status asked right after it says paper end."""
        self.status_delay_after_job_s: float | None = None
        """Answer a DLE EOT that follows a ticket's data only this long after it came, as
        printers that answer once they have printed the ticket."""
        self._resumed = asyncio.Event()
        self.received = 0
        """Bytes taken from every connection, jobs and status queries alike."""
        self.save_dir = save_dir
        self.keep_files = keep_files
        """PNGs kept on disk: a demo left running all day does not fill it."""
        self.state = PrinterState.ONLINE
        self.tickets: deque[PrintedTicket] = deque(maxlen=keep)
        self.printed = 0
        self.discarded_bytes = 0
        self.status_queries = 0
        self.connections = 0
        self.most_connections = 0
        """The most connections open at once (a printer serves one client at a time)."""
        self.on_print: Callable[[PrintedTicket], None] | None = None
        self._sock = sock
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._changed = asyncio.Condition()
        self._drop_next_job = False
        self._carried_a_job: set[asyncio.StreamWriter] = set()
        self._closed_after_job: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    async def start(self) -> None:
        """Power on: listen (on the same port as before after a power off)."""
        if self._server is not None:
            return
        sock, self._sock = self._sock, None
        if sock is None and self.receive_window is not None:
            sock = bound_socket(self.host, self.port)
        if sock is not None and self.receive_window is not None:
            # Set on the listening socket, so accepted ones start with the small window.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_window)
        limit = self.receive_window or 65536
        if sock is not None:
            self._server = await asyncio.start_server(self._serve, sock=sock, limit=limit)
        else:
            self._server = await asyncio.start_server(
                self._serve, self.host, self.port, limit=limit
            )
        self.port = self._server.sockets[0].getsockname()[1]
        if self.save_dir is not None:
            self.save_dir.mkdir(parents=True, exist_ok=True)

    async def stop(self) -> None:
        """Power off: stop listening and cut every connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await server.wait_closed()

    def resume(self) -> None:
        """A stalled printer (`stall_after`) takes data again."""
        self.stall_after = None
        self._resumed.set()

    async def wait_idle(self) -> None:
        """Until no connection is open: whatever it was sent, it has had."""
        async with self._changed:
            await self._changed.wait_for(lambda: not self._writers)

    def drop_next_job(self) -> None:
        """Reset the connection as soon as the next job's first image block has arrived
        (the rest of the job, read or not, is thrown away)."""
        self._drop_next_job = True

    async def wait_for_tickets(self, count: int) -> list[PrintedTicket]:
        """Wait until `count` tickets in all have been printed; returns the last `count`."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.printed >= count)
        return list(self.tickets)[-count:] if count else []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        self.most_connections = max(self.most_connections, len(self._writers))
        decoder, roll = EscPosDecoder(), PaperRoll()
        chunk = 65536 if self.read_bytes_per_s is None else 512
        taken = 0
        try:
            while data := await reader.read(chunk):
                taken += len(data)
                self.received += len(data)
                for command in decoder.feed(data):
                    if not await self._handle(command, roll, writer):
                        return
                if self.read_bytes_per_s is not None:
                    await asyncio.sleep(len(data) / self.read_bytes_per_s)
                if self.stall_after is not None and taken >= self.stall_after:
                    self._resumed.clear()
                    await self._resumed.wait()
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            self._carried_a_job.discard(writer)
            self._closed_after_job.discard(writer)
            if not writer.transport.is_closing():
                await self._printed(roll.finish())
                writer.close()
            async with self._changed:
                self._changed.notify_all()

    async def _handle(
        self, command: Command, roll: PaperRoll, writer: asyncio.StreamWriter
    ) -> bool:
        """Act on one command; False once the connection has been dropped."""
        if writer in self._closed_after_job:
            return True  # its side is closed: nothing more is printed or answered
        if isinstance(command, StatusQuery):
            self.status_queries += 1
            if self.state is not PrinterState.NOT_ANSWERING:
                self._answer(writer, bytes((status_reply(self.state, command.n),)))
            return True
        if self.state not in (PrinterState.ONLINE, PrinterState.PAPER_NEAR_END):
            self.discarded_bytes += len(getattr(command, "data", b""))
            return True
        if isinstance(command, Raster) and self._drop_next_job:
            self._drop_next_job = False
            roll.current = PrintedTicket()  # half a ticket, torn off
            reset(writer.transport)  # dropped: a reset, as a printer that gives up on a job
            return False
        self._carried_a_job.add(writer)
        ticket = roll.apply(command)
        await self._printed(ticket)
        if ticket is not None and ticket.cut and self.close_after_job:
            self._closed_after_job.add(writer)
            writer.write_eof()
        return True

    def _answer(self, writer: asyncio.StreamWriter, reply: bytes) -> None:
        delay = self.status_delay_after_job_s
        if delay is None or writer not in self._carried_a_job:
            writer.write(reply)
            return

        def late() -> None:
            if not writer.transport.is_closing():
                writer.write(reply)

        asyncio.get_running_loop().call_later(delay, late)

    async def _printed(self, ticket: PrintedTicket | None) -> None:
        if ticket is None:
            return
        self.printed += 1
        self.tickets.append(ticket)
        if self.tickets_on_roll is not None:
            self.tickets_on_roll = max(0, self.tickets_on_roll - 1)
            if not self.tickets_on_roll:
                self.state = PrinterState.PAPER_OUT  # the end of the roll, after this one
        if self.on_print is not None:
            self.on_print(ticket)
        image = ticket.image()
        if self.save_dir is not None and image is not None:
            path = self.save_dir / f"ticket-{self.printed:05d}.png"
            old = self.save_dir / f"ticket-{self.printed - self.keep_files:05d}.png"
            await asyncio.to_thread(_save, image, path, old)
        async with self._changed:
            self._changed.notify_all()


def _save(image: Image.Image, path: Path, old: Path) -> None:
    image.save(path)
    old.unlink(missing_ok=True)


def bound_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket made now, so its (free) port is known before the loop runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(8)
    sock.setblocking(False)
    return sock


async def _main(args: argparse.Namespace) -> None:
    emulator = PrinterEmulator(args.host, args.port, save_dir=args.save_dir)
    emulator.state = PrinterState(args.state)
    await emulator.start()
    print(f"ESC/POS printer emulator on {emulator.url}, tickets to {args.save_dir}", flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()
    await emulator.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--save-dir", type=Path, default=Path("var/tickets"))
    parser.add_argument(
        "--state",
        choices=[s.value for s in PrinterState if s is not PrinterState.UNKNOWN],
        default="online",
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))
