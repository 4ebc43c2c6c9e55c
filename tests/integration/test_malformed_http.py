"""Requests that are not HTTP, or not well-formed HTTP, get the project's JSON error body.

aiohttp refuses these before any handler runs, and answered them in plain text; the
front door refuses what it can judge itself (a request line or head too long).  Each is
written as raw bytes over a real TCP connection to a real server.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from queue_server.web.doorkeeper import DOORKEEPER
from queue_server.web.front_door import MAX_HEAD_BYTES, MAX_REQUEST_LINE_BYTES
from tests.support.devices import until
from tests.support.server import RunningCentre, serve_centre


async def exchange(server: RunningCentre, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Write the bytes, read the answer until the server closes the connection."""
    host, port = server.base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(5):
            answer = await reader.read()  # every such answer closes the connection
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def assert_json_error(answer: tuple[int, dict[str, str], bytes], status: int, code: str) -> None:
    got, headers, body = answer
    assert got == status, (got, headers, body)
    assert headers["content-type"].startswith("application/json"), headers
    parsed: dict[str, Any] = json.loads(body)
    assert set(parsed) == {"error"}, parsed
    assert parsed["error"]["code"] == code, parsed
    assert isinstance(parsed["error"]["message"], str) and parsed["error"]["message"]


LOGIN = b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

REFUSED_BY_AIOHTTP = {
    "not a request line": (b"GARBAGE\r\n\r\n", 400, "bad_request_line"),
    "lower-case method": (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request_line"),
    "unknown version": (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, "bad_request_line"),
    "TLS to a plain port": (
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        400,
        "bad_request_line",
    ),
    "NUL in the path": (b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request_line"),
    "space in a header name": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        400,
        "bad_request",
    ),
    "header without colon": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n",
        400,
        "bad_request",
    ),
    "header field too long": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n",
        431,
        "header_too_large",
    ),
    "too many header fields": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: a\r\n" % i for i in range(200))
        + b"\r\n",
        431,
        "too_many_headers",
    ),
    "bad chunk size": (
        LOGIN + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n",
        400,
        "bad_request",
    ),
    "chunked and a length": (
        LOGIN + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "bad_request",
    ),
    "length not a number": (LOGIN + b"Content-Length: abc\r\n\r\n", 400, "bad_request"),
    "unknown transfer coding": (LOGIN + b"Transfer-Encoding: gzip\r\n\r\n", 400, "bad_request"),
    "unsupported content coding": (
        LOGIN + b"Content-Encoding: br\r\nContent-Length: 5\r\n\r\nabcde",
        400,
        "bad_body_encoding",
    ),
}


@pytest.mark.parametrize("case", REFUSED_BY_AIOHTTP)
async def test_what_aiohttp_refuses_is_answered_in_json(tmp_path: Path, case: str) -> None:
    data, status, code = REFUSED_BY_AIOHTTP[case]
    async with serve_centre(tmp_path) as server:
        answer = await exchange(server, data)
        assert_json_error(answer, status, code)  # and closed: `exchange` read to the end
        assert (
            await exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        )[0] == 200


async def test_a_body_that_does_not_decompress_is_a_400_not_a_500(tmp_path: Path) -> None:
    """The coding is known (gzip) but the bytes are not gzip: found while the handler reads."""
    async with serve_centre(tmp_path) as server:
        body = b"not gzip at all"
        head = LOGIN + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
        assert_json_error(await exchange(server, head + body), 400, "bad_body_encoding")
        good = gzip.compress(b'{"username": "nobody", "password": "x"}')
        head = LOGIN + b"Content-Encoding: gzip\r\nConnection: close\r\n"
        head += b"Content-Length: %d\r\n\r\n" % len(good)
        status, _, _ = await exchange(server, head + good)
        assert status == 401  # decoded, read, and refused for what it says


async def test_a_request_line_too_long_is_a_414_at_the_door(tmp_path: Path) -> None:
    async with serve_centre(tmp_path) as server:
        path = b"/" + b"a" * MAX_REQUEST_LINE_BYTES
        whole = b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        assert_json_error(await exchange(server, whole), 414, "uri_too_long")
        unfinished = b"GET " + path  # refused before its end comes
        assert_json_error(await exchange(server, unfinished), 414, "uri_too_long")


async def test_a_head_too_large_is_a_431_at_the_door(tmp_path: Path) -> None:
    """Each field within aiohttp's limit, but together past the door's bound on a head."""
    async with serve_centre(tmp_path) as server:
        fields = b"".join(
            b"X-%d: %s\r\n" % (i, b"b" * 4000) for i in range(MAX_HEAD_BYTES // 4000 + 1)
        )
        whole = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n"
        assert_json_error(await exchange(server, whole), 431, "header_too_large")
        unfinished = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields
        assert_json_error(await exchange(server, unfinished), 431, "header_too_large")


async def test_a_body_too_large_is_a_413_in_json(tmp_path: Path) -> None:
    async with serve_centre(tmp_path) as server:
        body = b"a" * 100_000
        head = LOGIN + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        assert_json_error(await exchange(server, head + body), 413, "body_too_large")


def reading_a_body(server: RunningCentre) -> bool:
    """A handler is waiting for its request's body (aiohttp's handler of the connection)."""
    doors = server.app[DOORKEEPER]._inside
    return any(getattr(d, "serving", None) and d.serving._current_request for d in doors)  # type: ignore[attr-defined]


async def test_a_bad_chunk_after_the_body_began_is_a_400_at_once(tmp_path: Path) -> None:
    """The handler is already reading when the bad chunk comes: it is told, not left to wait
    for the body timeout (408)."""
    async with serve_centre(tmp_path, security={"request_body_timeout_s": 30.0}) as server:
        host, port = server.base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            writer.write(LOGIN + b'Transfer-Encoding: chunked\r\n\r\n3\r\n{"u\r\n')
            await until(lambda: reading_a_body(server))
            writer.write(b"ZZ\r\nabc\r\n0\r\n\r\n")
            async with asyncio.timeout(5):
                answer = await reader.read()
        finally:
            writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split()[1] == b"400" and answer.count(b"HTTP/1.") == 1, answer
        assert json.loads(body)["error"]["code"] == "bad_body_encoding", answer


async def test_a_client_that_leaves_mid_body_is_no_unexpected_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="queue_server.web.errors")
    async with serve_centre(tmp_path) as server:
        host, port = server.base.removeprefix("http://").split(":")
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(LOGIN + b'Content-Length: 10\r\n\r\n{"u')
        await until(lambda: reading_a_body(server))
        writer.close()
        await until(lambda: any(r.name == "queue_server.web.errors" for r in caplog.records))
    said = [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "queue_server.web.errors"
    ]
    assert said == [("DEBUG", "a client left before its request body came: POST /api/v1/login")]
