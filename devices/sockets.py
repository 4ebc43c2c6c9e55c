"""Cutting a TCP connection for certain, and bounding what the kernel holds for it.

`transport.abort()` drops what asyncio still buffers, but the kernel goes on sending
what it has queued, then a FIN: a peer that reads slowly gets old bytes for a long
time before it learns the connection is gone.  A reset (SO_LINGER with a zero
timeout) discards the kernel's queue too, and the peer's next read fails at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

_LINGER_NONE = struct.pack("ii", 1, 0)


def cap_send_buffer(transport: asyncio.BaseTransport, size: int) -> int:
    """Hold the kernel's send buffer for this connection to about `size` (no autotuning up
    to megabytes); returns the bytes the kernel may now hold for it (Linux doubles what
    it is asked for, for its bookkeeping), 0 if it has no socket."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return 0
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
    except OSError:
        return 0


def reset(transport: asyncio.BaseTransport) -> None:
    """Close with a TCP reset: nothing queued for the peer is sent after this."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_NONE)
    transport.abort()  # type: ignore[attr-defined]
