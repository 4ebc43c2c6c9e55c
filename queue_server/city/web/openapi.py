"""`GET /api/v1/city/openapi.json`: the city service's API described (OpenAPI 3.1), built
from its route table, its request bodies (msgspec Structs with their constraints) and
its answers, with who may call each operation (`x-roles`, as the centre's document)."""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec
from aiohttp import web

from ..dashboard import CentreRow, HourRow, ServiceRow
from . import api
from .accounts import CityUser, Session
from .http import Handler, json_response, public

BODIES: dict[str, type[msgspec.Struct]] = {"log_in": api.Login, "add_user": api.NewUser}
ANSWERS: tuple[type[msgspec.Struct], ...] = (CentreRow, HourRow, ServiceRow, Session, CityUser)
QUERIES: dict[str, list[tuple[str, str]]] = {
    "centres": [("day", "YYYY-MM-DD; default: today in the city's zone")],
    "centre_day": [("day", "YYYY-MM-DD; default: today in the city's zone")],
    "daily_report": [
        ("day", "YYYY-MM-DD; default: today in the city's zone"),
        ("format", "json (default) or csv"),
        ("lang", "the CSV's language: vi (default), en or ar"),
    ],
}
_PARAM = re.compile(r"\{(\w+)\}")


@public
async def openapi_document(request: web.Request) -> web.Response:
    return json_response(document())


@functools.cache
def document() -> dict[str, Any]:
    from .app import ROUTES  # the table names this handler: read it once, when asked

    _, components = msgspec.json.schema_components(
        (*BODIES.values(), *ANSWERS), ref_template="#/components/schemas/{name}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in ROUTES:
        paths.setdefault(path, {})[method.lower()] = _operation(path, handler)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Queue server: the city service", "version": "1"},
        "paths": paths,
        "components": {"schemas": components},
    }


def _operation(path: str, handler: Handler) -> dict[str, Any]:
    roles = handler.allowed_roles  # type: ignore[attr-defined]
    name = handler.__name__
    doc = (handler.__doc__ or name.replace("_", " ")).strip().splitlines()[0]
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": doc,
        "x-roles": ["anyone"] if roles is None else sorted(role.value for role in roles),
        "responses": {"default": {"description": "the answer, or the JSON error body"}},
    }
    parameters = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in _PARAM.findall(path)
    ]
    parameters += [
        {"name": q, "in": "query", "description": text, "schema": {"type": "string"}}
        for q, text in QUERIES.get(name, [])
    ]
    if parameters:
        operation["parameters"] = parameters
    body = BODIES.get(name)
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}
            },
        }
    return operation
