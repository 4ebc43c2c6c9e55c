"""One server per event log: a second one on the same file is refused, by name.

Two servers writing one log would both number events from the same seq and leave a
log that no longer replays.  The server takes an exclusive lock on `<log>.lock` (an
advisory `flock`, released by the kernel when the process ends, even by `kill -9`) and
writes its PID there, so the second one can say who holds it.  Reports and the CLI read
the log without it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .eventlog import StoreError


class LogLock:
    """Held while a server owns the log; `release` (or the process's end) frees it."""

    def __init__(self, log_path: str | Path) -> None:
        self.path = Path(log_path).with_name(Path(log_path).name + ".lock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A file object, not a bare descriptor: if the server is dropped half built, the
        # collector closes it and the lock goes with it.
        self._file = open(self.path, "a+b")  # noqa: SIM115 (held for the server's life)
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read(64).decode(errors="replace").strip() or "unknown"
            self._file.close()
            raise StoreError(
                f"{Path(log_path)}: another server (pid {holder}) is using this event log; "
                "stop it first, or give this one a log of its own (--db)"
            ) from None
        self._file.truncate(0)
        self._file.write(f"{os.getpid()}\n".encode())
        self._file.flush()

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
