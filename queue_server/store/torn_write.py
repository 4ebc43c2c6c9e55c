"""What a power cut left at the end of the log: an unfinished write, dropped at start.

SQLite recovers its write-ahead log (the `-wal` file beside the log) by itself: it keeps
the frames up to the last whole commit whose checksums hold and ignores the rest. It
does not say how much it ignored, and whoever runs the centre should hear that a power
cut cost an unfinished write (never an acknowledged ticket, with durability "full"). So,
before SQLite opens the log: the WAL's size and salts; after: how many frames SQLite
kept (`PRAGMA wal_checkpoint` says); the bytes of this generation's frames after those
are what was dropped. The WAL is reused from its start after a checkpoint, not cut
short, so frames of older generations may follow: they carry other salts and were not
lost. Format: https://www.sqlite.org/fileformat.html#the_write_ahead_log
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

WAL_HEADER = 32
FRAME_HEADER = 24
_SALTS = slice(16, 24)
"""In the WAL header; each frame's header repeats them at 8..16."""


class WalAtStart(NamedTuple):
    path: Path
    size: int
    salts: bytes
    """b"" when the WAL's header itself is incomplete."""


def wal_at_start(log_path: Path) -> WalAtStart:
    """Read before SQLite opens the log (its recovery may rewrite the WAL later)."""
    path = log_path.with_name(log_path.name + "-wal")
    try:
        with path.open("rb") as wal:
            header = wal.read(WAL_HEADER)
            size = os.fstat(wal.fileno()).st_size
    except FileNotFoundError:
        return WalAtStart(path, 0, b"")
    return WalAtStart(path, size, header[_SALTS] if len(header) == WAL_HEADER else b"")


def dropped_bytes(wal: WalAtStart, kept_frames: int, page_size: int) -> int:
    """Bytes of the WAL's current generation after the frames SQLite kept."""
    if wal.size == 0:
        return 0
    if not wal.salts:
        return wal.size  # cut before its header was whole: nothing in it was committed
    frame = FRAME_HEADER + page_size
    kept_end = WAL_HEADER + max(kept_frames, 0) * frame
    end = kept_end
    with wal.path.open("rb") as file:
        while end < wal.size:
            file.seek(end)
            header = file.read(FRAME_HEADER)
            if len(header) < FRAME_HEADER:
                end = wal.size  # a frame cut inside its header
            elif header[8:16] != wal.salts:
                break  # an older generation's frame: not part of the last run
            else:
                end = min(end + frame, wal.size)
    return end - kept_end
