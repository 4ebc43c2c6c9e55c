"""A radio receiver on a pseudo-terminal: a button press becomes the receiver's frames.

Like the real boards, a press is a burst of repeats of the same code (a held button
repeats about every 100 ms), each frame paced at the line's baud rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty

from ..keypad.frames import byte_time
from .protocol import fd_frame, sonoff_frame


class RfReceiverEmulator:
    def __init__(self, protocol: str, baud: int, frame_length: int = 6) -> None:
        if protocol not in ("rf433-sonoff", "rf433-fd"):
            raise ValueError(protocol)
        self.protocol = protocol
        self.baud = baud
        self.frame_length = frame_length
        self.master, self._slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self._slave)
        self.slave_path = os.ttyname(self._slave)

    def frame(self, code: str) -> bytes:
        if self.protocol == "rf433-sonoff":
            return sonoff_frame(code)
        return fd_frame(code, self.frame_length)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    async def press(self, code: str, repeats: int = 3, interval_s: float = 0.1) -> None:
        """A button press: `repeats` frames of its code, `interval_s` apart."""
        frame = self.frame(code)
        for i in range(repeats):
            if i:
                await asyncio.sleep(interval_s)
            await asyncio.sleep(len(frame) * byte_time(self.baud))
            self.write(frame)

    def close(self) -> None:
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
