"""A flood of the same error makes a line, then one a while with a count, not megabytes."""

from __future__ import annotations

import asyncio
import errno
import logging

import pytest

from queue_server.web.throttled_log import ACCEPT_ERROR, ThrottledLog, quiet_accept_errors


async def test_accept_errors_are_logged_once_a_while_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    logger = logging.getLogger("test.throttled")
    other: list[str] = []
    handler = quiet_accept_errors(
        ThrottledLog(logger, every_s=10.0, clock=lambda: now[0]),
        lambda loop, context: other.append(context["message"]),
    )
    loop = asyncio.get_running_loop()
    error = OSError(errno.EMFILE, "Too many open files")
    with caplog.at_level(logging.WARNING, logger="test.throttled"):
        for _ in range(1000):  # what asyncio reports while descriptors run out
            handler(loop, {"message": f"{ACCEPT_ERROR}\nsocket: <socket>", "exception": error})
            now[0] += 0.001
        assert len(caplog.records) == 1
        now[0] += 10.0
        handler(loop, {"message": ACCEPT_ERROR, "exception": error})
    assert len(caplog.records) == 2
    assert "Too many open files" in caplog.records[0].getMessage()
    assert "and 999 more like it" in caplog.records[1].getMessage()
    handler(loop, {"message": "Task exception was never retrieved"})
    assert other == ["Task exception was never retrieved"]  # the rest goes on as before
