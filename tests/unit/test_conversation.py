"""The `/ws` conversation alone: client messages and the time in, decisions out; no sockets.

Both carriers of `/ws` (HubSocket and the aiohttp handler) do what it decides, so what
is proved here holds for both."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from queue_server.accounts import Principal, Role
from queue_server.live.conversation import (
    HELLO_TIMEOUT_S,
    Close,
    Conversation,
    Join,
    Phase,
    Reply,
)
from queue_server.live.messages import PONG, Welcome
from queue_server.live.topics import View

TOKENS = {
    "hall": Principal(Role.DISPLAY, "hall-1", counters=(1, 2)),
    "keypad-3": Principal(Role.DEVICE, "keypad-3", counter=3),
    "kiosk": Principal(Role.KIOSK, "kiosk-1"),
}
SESSIONS = {"s-lan": Principal(Role.STAFF, "lan", counter=2)}


class Directory:
    """The centre as the conversation sees it: two sessions' worth of accounts, a ticket."""

    def __init__(self) -> None:
        self.tokens = dict(TOKENS)
        self.sessions = dict(SESSIONS)
        self.waits: dict[str, float] = {}
        """Clients that must wait before their next tracking-code lookup."""

    def principal_for_token(self, token: str) -> Principal | None:
        return self.tokens.get(token)

    def principal_for_session(self, session: str) -> Principal | None:
        return self.sessions.get(session)

    def credentials_version(self) -> int:
        return 0

    def lookup_wait(self, client: str) -> float | None:
        return self.waits.get(client)

    def ticket_for_tracking_code(self, code: str) -> int | None:
        return 42 if code == "abc" else None

    def counter_services(self) -> Mapping[int, tuple[str, ...]]:
        return {1: ("HT",), 2: ("HT", "CT"), 3: ("CT",)}


def hello(**fields: object) -> str:
    return json.dumps({"type": "hello", **fields})


def talk(session: str | None = None) -> Conversation:
    return Conversation(Directory(), opened_at=100.0, session=session)


def test_a_display_says_hello_joins_then_its_pings_are_answered() -> None:
    conversation = talk()
    decision = conversation.text(hello(role="display", token="hall", last_seq=7))
    assert decision == Join(
        View("hall", counters=(1, 2)),
        Welcome(role="display", view="hall", name="hall-1"),
        "display:hall-1",
        7,
    )
    ping = json.dumps({"type": "ping"})
    assert conversation.text(ping) is None  # joining: a client that does not wait is ignored
    conversation.joined()
    assert conversation.text(ping) == Reply(PONG)
    assert conversation.text(json.dumps({"type": "call-next"})) == Close(
        4400, "unknown message type 'call-next'"
    )
    assert conversation.phase is Phase.CLOSED
    assert conversation.text(ping) is None  # closed: nothing more to decide


@pytest.mark.parametrize(
    ("first", "code", "reason"),
    [
        ("not json", 4400, "not valid JSON"),
        (hello(role="display"), 4401, "present a token"),
        (hello(role="display", token="qs_wrong"), 4401, "unknown"),
        (hello(role="display", tokn="x"), 4400, "unknown field"),
        (hello(role="display", token="hall", protocol=9), 4400, "protocol 1"),
        (json.dumps({"type": "subscribe"}), 4400, "bad hello"),
        (hello(role="citizen", tracking_code="nope"), 4404, "tracking code"),
        (hello(role="kiosk", token="hall"), 4403, "for a display"),
        (hello(role="kiosk", token="kiosk", view="hall"), 4403, "may not open"),
        (hello(role="display", token="hall", view="counter"), 4400, "needs a counter"),
        (hello(role="display", token="hall", counters=[99]), 4400, "no counter 99"),
        (hello(role="device", token="keypad-3", view="counter", counter=1), 4403, "bound"),
    ],
)
def test_bad_hellos_are_closed_with_a_code_and_reason(first: str, code: int, reason: str) -> None:
    decision = talk().text(first)
    assert isinstance(decision, Close) and decision.code == code
    assert reason in decision.reason


def test_a_citizen_follows_the_ticket_its_code_opens_and_has_no_name() -> None:
    decision = talk().text(hello(role="citizen", tracking_code="abc"))
    assert isinstance(decision, Join)
    assert decision.view == View("citizen", ticket=42)
    assert decision.welcome == Welcome(role="citizen", view="citizen")


def test_a_client_that_looked_up_too_many_codes_is_told_to_wait() -> None:
    """Codes cannot be found by trying them over /ws either: the same limit as HTTP."""
    directory = Directory()
    directory.waits["203.0.113.9"] = 2.2
    conversation = Conversation(directory, opened_at=0.0)
    conversation.client = "203.0.113.9"
    decision = conversation.text(hello(role="citizen", tracking_code="abc"))
    assert decision == Close(4429, "too many tickets looked up; try again in 3 s")
    other = Conversation(directory, opened_at=0.0)
    other.client = "203.0.113.10"
    assert isinstance(other.text(hello(role="citizen", tracking_code="abc")), Join)


def test_a_staff_console_is_known_by_its_session_and_sees_its_counters_services() -> None:
    decision = talk(session="s-lan").text(hello(role="staff"))
    assert isinstance(decision, Join)
    assert decision.view == View("staff", counters=(2,), services=("HT", "CT"))
    refused = talk(session="s-gone").text(hello(role="staff"))
    assert isinstance(refused, Close) and refused.code == 4401


def test_no_hello_in_time_is_closed_with_4408_and_a_hello_stops_the_clock() -> None:
    late = talk()
    assert late.deadline == 100.0 + HELLO_TIMEOUT_S
    assert late.tick(100.0 + HELLO_TIMEOUT_S - 0.001) is None
    assert late.tick(100.0 + HELLO_TIMEOUT_S) == Close(4408, "say hello within 10 s")
    assert late.tick(1e9) is None  # said once
    prompt = talk()
    assert isinstance(prompt.text(hello(role="display", token="hall")), Join)
    assert prompt.deadline is None and prompt.tick(1e9) is None


def test_binary_messages_are_refused_whenever_they_come() -> None:
    assert talk().binary() == Close(4400, "this endpoint speaks JSON text frames")
    live = talk()
    live.text(hello(role="display", token="hall"))
    live.joined()
    assert live.binary() == Close(4400, "this endpoint speaks JSON text frames")
    assert live.binary() is None


def test_a_credential_that_ends_while_connected_closes_with_4401() -> None:
    directory = Directory()
    display = Conversation(directory, opened_at=100.0)
    display.text(hello(role="display", token="hall"))
    staff = Conversation(directory, opened_at=100.0, session="s-lan")
    staff.text(hello(role="staff"))
    citizen = Conversation(directory, opened_at=100.0)
    citizen.text(hello(role="citizen", tracking_code="abc"))
    kiosk = Conversation(directory, opened_at=100.0)
    kiosk.text(hello(role="kiosk", token="kiosk"))
    for live in (display, staff, citizen, kiosk):
        live.joined()
        assert live.recheck() is None  # nothing ended yet

    del directory.tokens["hall"]
    assert display.recheck() == Close(4401, "this token has been revoked")
    assert display.recheck() is None  # closed: decided once
    del directory.sessions["s-lan"]  # logged out, or the password changed
    assert staff.recheck() == Close(
        4401, "the session has ended (logged out, or the password changed): log in again"
    )
    directory.tokens["kiosk"] = Principal(Role.DISPLAY, "kiosk-1")  # another role now
    assert isinstance(kiosk.recheck(), Close)
    assert citizen.recheck() is None  # a tracking code is no identity to end
