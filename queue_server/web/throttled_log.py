"""Log lines that cannot flood the log: the first of a kind, then one a while with a count.

Why: a few hundred slow connections once wrote 34 MB of the same accept error; a log
that size hides what matters and fills the disk of a small centre's PC."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

ACCEPT_ERROR = "socket.accept() out of system resource"
"""asyncio's message when accepting fails for lack of file descriptors (EMFILE, ENFILE)."""


class ThrottledLog:
    """Per kind of message: the first is logged, then at most one per `every_s`, saying how
    many were left out since."""

    def __init__(
        self,
        logger: logging.Logger,
        every_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._every_s = every_s
        self._clock = clock
        self._next: dict[str, float] = {}
        self._left_out: dict[str, int] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        now = self._clock()
        if now < self._next.get(kind, 0.0):
            self._left_out[kind] = self._left_out.get(kind, 0) + 1
            return
        self._next[kind] = now + self._every_s
        left_out = self._left_out.pop(kind, 0)
        if left_out:
            message += f" (and {left_out} more like it in the last {self._every_s:g} s)"
        self._logger.warning(message, *args)


ExceptionHandler = Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object]


def quiet_accept_errors(
    throttled: ThrottledLog, fallback: ExceptionHandler | None
) -> ExceptionHandler:
    """A loop exception handler that throttles accept errors and passes the rest on."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith(ACCEPT_ERROR):
            throttled.warning(
                "accept",
                "cannot accept connections: %s ([security] max_connections is above what "
                "the system allows this process)",
                context.get("exception"),
            )
        elif fallback is not None:
            fallback(loop, context)
        else:
            loop.default_exception_handler(context)

    return handle
