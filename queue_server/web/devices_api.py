"""Radio call buttons, for the admin: learn a button's code, bind it to a counter key.

    POST   /api/v1/devices/rf/learn          the next code any receiver hears (204: none)
    GET    /api/v1/devices/rf/buttons        the bindings
    POST   /api/v1/devices/rf/buttons        bind {code, counter, key}
    DELETE /api/v1/devices/rf/buttons/{code} unbind

Bindings are the centre's runtime data, kept beside its tokens
(queue_server/integrations/rf433/bindings.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from aiohttp import web

from .auth import ADMIN_ONLY, allow
from .context import CENTRE, RadioButton
from .errors import ApiError, json_response, read_json
from .fields import CounterId, RfCode

MAX_LEARN_S = 120.0
RfKey = Literal["next", "recall", "start", "done", "no_show", "pause", "resume"]


class LearnBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=MAX_LEARN_S)] = 30.0
    """How long to listen for a button, at most 120 s."""


class RfButtonBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    code: RfCode
    """The button's 24-bit code as 6 hex digits, as learned."""
    counter: CounterId
    key: RfKey


def button_view(button: RadioButton) -> dict[str, Any]:
    return {"code": button.code, "counter": button.counter, "key": button.key}


@allow(ADMIN_ONLY)
async def rf_learn(request: web.Request) -> web.Response:
    centre = request.app[CENTRE]
    rf = centre.radio
    if request.body_exists:
        body = await read_json(request, LearnBody)
    else:
        body = LearnBody()
    if rf is None:
        raise ApiError(409, "no_radio_receiver", "no rf433 line is configured in devices")
    heard = await rf.learn(body.timeout_s)
    if heard is None:
        return web.Response(status=204)
    return json_response(
        {
            "line": heard.line,
            "code": heard.code,
            "button": None if heard.button is None else button_view(heard.button),
        }
    )


@allow(ADMIN_ONLY)
async def list_rf_buttons(request: web.Request) -> web.Response:
    buttons = request.app[CENTRE].radio_bindings.buttons()
    return json_response({"buttons": [button_view(b) for b in buttons]})


@allow(ADMIN_ONLY)
async def bind_rf_button(request: web.Request) -> web.Response:
    body = await read_json(request, RfButtonBody)
    centre = request.app[CENTRE]
    if body.counter not in centre.engine.state.counters:
        raise ApiError(404, "unknown_counter", f"no counter {body.counter}")
    button = centre.radio_bindings.bind(body.code, body.counter, body.key)
    return json_response({"button": button_view(button)}, 201)


@allow(ADMIN_ONLY)
async def unbind_rf_button(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if not request.app[CENTRE].radio_bindings.unbind(code):
        raise ApiError(404, "unknown_rf_button", f"no radio button {code!r} is bound")
    return web.Response(status=204)
