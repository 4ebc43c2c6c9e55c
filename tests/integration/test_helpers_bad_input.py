"""The volunteers' and the robot's routes given what a careless client or a speech
recogniser might send (nothing, 10 kB, control characters, in every field and query
parameter they read): a 4xx with the JSON error body, or an empty result; never a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from queue_server.accounts import Role
from tests.support.server import Api, Token, serve_centre

BAD = {
    "empty": "",
    "10 kB": "khai sinh " * 1000,
    "control characters": "khai\x00sinh\x1b[2J\x07\u202e",
    "not a language": "vi\r\nSet-Cookie: x=1",
}
SECURITY = {
    "kiosk_ticket_burst": 1000,
    "kiosk_tickets_per_minute": 6000.0,
    "status_burst": 1000,
    "search_burst": 1000,
}


def gets(code: str) -> list[str]:
    """Each GET the helpers use, with one bad value in each of its parameters."""
    paths = []
    for value in BAD.values():
        q = quote(value, safe="")
        paths += [
            f"/api/v1/services/search?q={q}",
            f"/api/v1/services/search?q=khai%20sinh&lang={q}",
            f"/api/v1/services?lang={q}",
            f"/api/v1/tickets/{code}?lang={q}",
            f"/api/v1/tickets/{q or 'x'}?lang=vi",
            f"/api/v1/devices/printers?printer={q}",
        ]
    return paths


def posts() -> list[dict[str, Any]]:
    """Ticket requests with one bad value in each field."""
    good = {"service": "HT", "lang": "vi", "priority": "elderly", "printer": "printer-door"}
    return [{**good, field: value} for field in good for value in BAD.values()]


def acceptable(status: int, body: Any, path: str = "") -> bool:
    """A 4xx with the JSON error; or, for a bad phrase, an empty result; or, for a bad
    parameter that is not the phrase (an empty `lang` is the default), any 2xx."""
    if 400 <= status < 500:
        return isinstance(body, dict) and set(body) == {"error"}
    if "?q=" in path and "?q=khai%20sinh&" not in path:
        return status == 200 and isinstance(body, dict) and body.get("results", None) == []
    return 200 <= status < 300


async def test_no_bad_query_or_body_is_a_5xx_for_volunteers_and_robots(tmp_path: Path) -> None:
    tokens = {"robot": Token(Role.ASSISTANT)}
    people = {"hoa": Role.VOLUNTEER, "boss": Role.ADMIN}
    async with serve_centre(tmp_path, tokens=tokens, people=people, security=SECURITY) as server:
        robot, volunteer, boss = (
            Api(server.base, server.tokens["robot"]),
            Api(server.base),
            Api(server.base),
        )
        async with robot, volunteer, boss:
            await volunteer.login("hoa")
            await boss.login("boss")
            _, ticket = await boss.post("/api/v1/tickets", {"service": "HT"})
            wrong = []
            for name, client in {"robot": robot, "volunteer": volunteer}.items():
                for path in gets(ticket["tracking_code"]):
                    status, body = await client.get(path)
                    if not acceptable(status, body, path):
                        wrong.append(f"{name} GET {path[:80]}: {status} {str(body)[:200]}")
                for request in posts():
                    status, body = await client.post("/api/v1/tickets", request)
                    if not acceptable(status, body):
                        shown = {k: v[:20] for k, v in request.items()}
                        wrong.append(f"{name} POST {shown}: {status} {str(body)[:200]}")
            assert not wrong, "\n".join(wrong)
