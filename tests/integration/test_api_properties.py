"""A property-based run of the whole API, generated from its own OpenAPI document.

schemathesis makes requests for every operation the document lists (whatever routes
exist: nothing here names one), valid ones and ones that break the schema, signed in as
a role the operation allows (its `x-roles`), against a real server in this process.  Every answer must be no 5xx, a
status the document lists, with the content type and body schema it gives.  Bounded for
`make test` (`API_EXAMPLES` per operation); `make drill` runs ten times as many.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from queue_server.accounts import Role
from queue_server.web.openapi import build_openapi
from tests.support.drill import API_EXAMPLES
from tests.support.server import PASSWORD, Token, serve_centre

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PREFERRED = ["admin", "supervisor", "staff", "kiosk", "display", "device", "citizen", "anonymous"]
"""The role a request is signed in as: the first of these the operation allows."""
TOKENS = {
    "admin under test": Token(Role.ADMIN),
    "kiosk under test": Token(Role.KIOSK),
    "display under test": Token(Role.DISPLAY, counter=1),
    "device under test": Token(Role.DEVICE, counter=1),
}
"""Named with spaces, which generated token names (revoked at random) are unlikely to have."""
PEOPLE = {"supervisor": Role.SUPERVISOR, "staff": Role.STAFF}
OPERATIONS = sorted(
    (method.upper(), path)
    for path, ops in build_openapi("listing").get("paths", {}).items()
    for method in ops
    if path != "/ws"  # a websocket handshake, not a request and answer
)
"""Every operation of the document, read from the route table as the server builds it."""


class Centre:
    """A real centre served from a thread of this process, with one signed-in caller per role."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self.base = ""
        self.tokens: dict[str, str] = {}

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve_centre(self._tmp_path, people=PEOPLE, tokens=TOKENS) as server:
            self.base, self.tokens = server.base, server.tokens
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> Centre:
        self._thread.start()
        assert self._ready.wait(30), "the centre did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def caller(self, role: str) -> tuple[requests.Session, dict[str, str]]:
        """A session and the headers that sign a request in as `role`."""
        session = requests.Session()
        token = self.tokens.get(f"{role} under test")
        if token is not None:
            return session, {"Authorization": f"Bearer {token}"}
        if role in PEOPLE:
            login: dict[str, Any] = {"username": role, "password": PASSWORD, "counter": 1}
            answer = session.post(self.base + "/api/v1/login", json=login, timeout=10)
            assert answer.status_code == 200, answer.text
            return session, {"X-CSRF-Token": answer.json()["csrf_token"]}
        return session, {}


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    with Centre(tmp_path_factory.mktemp("api-properties")) as running:
        yield running


@pytest.fixture(scope="module")
def schema(centre: Centre) -> Any:
    served = requests.get(centre.base + "/api/v1/openapi.json", timeout=10)
    assert served.status_code == 200
    return schemathesis.openapi.from_dict(served.json())


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_answer_is_documented_and_never_a_5xx(
    centre: Centre, schema: Any, method: str, path: str
) -> None:
    operation = schema[path][method]
    roles = operation.definition.raw.get("x-roles", [])
    role = next((r for r in PREFERRED if r in roles), "anonymous")
    session, headers = centre.caller(role)

    valid_or_not = operation.as_strategy() | operation.as_strategy(
        generation_mode=schemathesis.GenerationMode.NEGATIVE
    )

    @given(case=valid_or_not)
    @settings(
        max_examples=API_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run: a failure reproduces
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: Any) -> None:
        response = case.call(base_url=centre.base, session=session, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS)

    answers_as_documented()
