"""The OpenAPI document validates, and it describes exactly what is served."""

from __future__ import annotations

import re
from pathlib import Path

from openapi_spec_validator import validate

from queue_server.accounts import Role
from queue_server.web.routes import PAGES_TAG, ROUTES
from tests.support.server import Api, serve_centre

CONCRETE = {
    "counter": "1",
    "ticket": "1",
    "code": "no-such-code",
    "lang": "vi",
    "call": "A001-1",
    "name": "no-such-token",
    "id": "1",
}
PAGES = {(r.method, r.path) for r in ROUTES if r.tag == PAGES_TAG}
"""The rule: routes tagged "pages" (HTML, scripts, styles) are served but not in the API document."""


async def test_document_validates_and_matches_the_router(tmp_path: Path) -> None:
    async with (
        serve_centre(tmp_path, people={"admin": Role.ADMIN}) as server,
        Api(server.base) as admin,
    ):
        status, doc = await admin.get("/api/v1/openapi.json")
        assert status == 200
        validate(doc)

        documented = {
            (method.upper(), path) for path, ops in doc["paths"].items() for method in ops
        }
        served = set()
        for route in server.app.router.routes():
            if route.method == "HEAD":
                continue
            info = route.resource.get_info() if route.resource else {}
            path = info.get("path") or info.get("formatter", "")
            served.add((route.method, re.sub(r"{(\w+):[^}]+}", r"{\1}", path)))
        assert served >= PAGES and not PAGES & documented
        assert documented == served - PAGES

        await admin.login("admin")
        for method, path in sorted(documented):
            if path == "/ws":
                continue
            url = re.sub(r"{(\w+)}", lambda m: CONCRETE[m.group(1)], path)
            got, body = await admin.request(method, url)
            route_missing = got == 405 or (got == 404 and body["error"]["code"] == "not_found")
            assert not route_missing, f"{method} {path} is documented but not served ({got})"
            documented_statuses = doc["paths"][path][method.lower()]["responses"]
            assert str(got) in documented_statuses, f"{method} {url} answered {got}, not documented"
