"""What the admin page needs beyond the queue: people, machine tokens, the server's parts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web

from ..accounts import AccountError, AccountStore, Role
from ..accounts.passwords import WeakPassword
from ..accounts.principal import PERSON_ROLES, TOKEN_ROLES
from ..accounts.store import TokenInfo, User
from .auth import ACCOUNTS, ADMIN_ONLY, MANAGERS, allow
from .context import CENTRE
from .errors import ApiError, json_response, read_json
from .fields import (
    CounterId,
    Counters,
    DisplayName,
    Password,
    PersonRole,
    TokenName,
    TokenRole,
    Username,
)
from .keys import HUB


class UserBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    username: Username
    password: Password
    role: PersonRole = "staff"
    name: DisplayName = ""
    counters: Counters = []
    """The counters a staff member may work at (empty: any)."""


class TokenBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    role: TokenRole
    name: TokenName
    counter: CounterId | None = None
    counters: Counters = []


def _user(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.display_name,
        "role": user.role.value,
        "disabled": user.disabled,
        "counters": list(user.counters),
    }


def _token(token: TokenInfo) -> dict[str, Any]:
    return {
        "name": token.name,
        "role": token.role.value,
        "counter": token.counter,
        "counters": token.counters,
        "created_at": token.created_at,
        "revoked": token.revoked,
    }


@allow(ADMIN_ONLY)
async def list_users(request: web.Request) -> web.Response:
    return json_response({"users": [_user(u) for u in request.app[ACCOUNTS].users()]})


@allow(ADMIN_ONLY)
async def add_user(request: web.Request) -> web.Response:
    body = await read_json(request, UserBody)
    if body.role not in {r.value for r in PERSON_ROLES}:
        raise ApiError(
            422, "invalid_role", "role: people are staff, supervisor, volunteer or admin"
        )
    accounts = request.app[ACCOUNTS]
    for counter in body.counters:
        request.app[CENTRE].engine.counter(counter)  # 404 for a counter that does not exist
    try:
        # Argon2 takes a tenth of a second: do it in a thread, on its own connection to the
        # accounts file (as the CLI does while the server runs), never on the loop.
        await asyncio.to_thread(
            _add_user,
            accounts.path,
            body.username,
            body.password,
            Role(body.role),
            body.name,
            body.counters,
        )
    except WeakPassword as exc:
        raise ApiError(422, "weak_password", f"password: {exc}") from None
    except AccountError as exc:
        status = 409 if "already exists" in str(exc) else 422
        raise ApiError(status, "account_refused", str(exc)) from None
    user = accounts.user(body.username)
    assert user is not None
    return json_response({"user": _user(user)}, 201)


def _add_user(
    path: Path, username: str, password: str, role: Role, name: str, counters: list[int]
) -> None:
    store = AccountStore(path)
    try:
        store.add_user(username, password, role, name, counters)
    finally:
        store.close()


@allow(ADMIN_ONLY)
async def list_tokens(request: web.Request) -> web.Response:
    return json_response({"tokens": [_token(t) for t in request.app[ACCOUNTS].tokens()]})


@allow(ADMIN_ONLY)
async def create_token(request: web.Request) -> web.Response:
    body = await read_json(request, TokenBody)
    if body.role not in {r.value for r in TOKEN_ROLES}:
        raise ApiError(
            422,
            "invalid_role",
            "role: tokens are for kiosk, display, device, partner, assistant or admin",
        )
    engine = request.app[CENTRE].engine
    for counter in [*body.counters, *([body.counter] if body.counter is not None else [])]:
        engine.counter(counter)  # 404 for a counter that does not exist
    accounts = request.app[ACCOUNTS]
    try:
        secret = accounts.create_token(Role(body.role), body.name, body.counter, body.counters)
    except AccountError as exc:
        status = 409 if "already exists" in str(exc) else 422
        raise ApiError(status, "token_refused", str(exc)) from None
    info = next(t for t in accounts.tokens() if t.name == body.name)
    return json_response({"token": secret, "info": _token(info)}, 201)


@allow(ADMIN_ONLY)
async def revoke_token(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    accounts = request.app[ACCOUNTS]
    try:
        accounts.revoke_token(name)
    except AccountError as exc:
        raise ApiError(404, "unknown_token", str(exc)) from None
    info = next(t for t in accounts.tokens() if t.name == name)
    return json_response({"token": _token(info)})


@allow(MANAGERS)
async def server_status(request: web.Request) -> web.Response:
    """The server's parts for the admin page: the voice, who is connected live, and every
    device's state read now (serial lines' counters move without a device message)."""
    announcer = request.app[CENTRE].announcer
    await announcer.checked()
    centre = request.app[CENTRE]
    devices = centre.device_states()
    return json_response(
        {
            "seq": centre.log.last_seq,
            "voice": announcer.status.as_dict(),
            "connections": request.app[HUB].clients(),
            "devices": devices,
        }
    )
