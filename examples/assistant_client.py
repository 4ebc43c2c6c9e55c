"""A small client of the centre for a robot's dialogue system (or any assistant).

The robot holds an `assistant` token (`queue-server token create --role assistant --name
robot-1`; a `[[devices.kiosks]]` entry named `robot-1` gives it printers).  Each answer
a robot would speak carries `say`, a sentence in the citizen's language with the ticket
number read the way the hall's voice reads it: hand it to the robot's text-to-speech.

    async with AssistantClient("http://192.168.1.10:8080", token) as centre:
        found = await centre.find("làm giấy khai sinh cho con", lang="vi")
        speak(found.say)                       # "Thủ tục Đăng ký khai sinh thuộc ..."
        if found.best is not None:
            ticket = await centre.take_ticket(found.best.service, lang="vi")
            speak(ticket.say)                  # "Số của quý khách là A không hai ba, ..."
        later = await centre.status(ticket.tracking_code, lang="vi")
        speak((await centre.waits(lang="en")).say)

Every refusal is an `AssistantError` with the server's stable `code` (`too_many_requests`
with `retry_after` seconds, `centre_closed`, `no_open_counter`, ...): the dialogue picks
what to say for it.  Nothing here keeps state between calls; one client serves many
conversations at once.

As a script (the token from the environment, never on the command line):

    QS_TOKEN=qs_... python examples/assistant_client.py http://127.0.0.1:8080 find "so do"
    QS_TOKEN=qs_... python examples/assistant_client.py http://127.0.0.1:8080 take HT --lang en
    QS_TOKEN=qs_... python examples/assistant_client.py http://127.0.0.1:8080 status CODE
    QS_TOKEN=qs_... python examples/assistant_client.py http://127.0.0.1:8080 waits

Needs only aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp

TIMEOUT_S = 5.0
"""A robot mid-sentence cannot wait long: past this the call fails (code `timeout`)."""


class AssistantError(Exception):
    """The centre refused, or could not be reached (status 0)."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


@dataclass(frozen=True)
class Match:
    """One service the finder found: its code (to take a ticket), name, procedure, papers."""

    service: str
    name: str
    procedure: str | None
    papers: list[str]


@dataclass(frozen=True)
class Found:
    say: str
    matches: list[Match]

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


@dataclass(frozen=True)
class Ticket:
    say: str
    number: str
    tracking_code: str
    """Keep it to ask for the ticket's status later (it is also in the ticket's QR code)."""
    status: str
    people_ahead: int | None
    printed: bool


@dataclass(frozen=True)
class Waits:
    say: str
    services: list[dict[str, Any]]


class AssistantClient:
    """The centre's API as a robot uses it: find, take a ticket, its status, the waits."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> AssistantClient:
        self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def find(self, words: str, *, lang: str = "vi") -> Found:
        """The services (and procedures) for the citizen's own words, best first."""
        body = await self._call("GET", "/api/v1/services/search", params={"q": words, "lang": lang})
        matches = [
            Match(
                service=r["service"],
                name=r["name"],
                procedure=r["procedure"]["name"] if r["procedure"] else None,
                papers=r["procedure"]["papers"] if r["procedure"] else [],
            )
            for r in body["results"]
        ]
        return Found(body["say"], matches)

    async def take_ticket(
        self, service: str, *, lang: str = "vi", priority: str | None = None
    ) -> Ticket:
        """Issue a ticket for the citizen in front of the robot; it prints on the robot's
        printers, if it has any."""
        request: dict[str, Any] = {"service": service, "lang": lang}
        if priority is not None:
            request["priority"] = priority
        body = await self._call("POST", "/api/v1/tickets", json_body=request)
        return _ticket(body, printed=body["print"]["status"] == "printed")

    async def status(self, tracking_code: str, *, lang: str | None = None) -> Ticket:
        """Where a ticket stands (lang: default, the ticket's own language)."""
        params = {"lang": lang} if lang else {}
        path = f"/api/v1/tickets/{quote(tracking_code, safe='')}"
        body = await self._call("GET", path, params=params)
        return _ticket({**body, "tracking_code": tracking_code}, printed=False)

    async def waits(self, *, lang: str = "vi") -> Waits:
        """Every line: how many wait, for about how long."""
        body = await self._call("GET", "/api/v1/services", params={"lang": lang})
        return Waits(body["say"], body["services"])

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if self._session is None:
            raise RuntimeError("use the client in 'async with AssistantClient(...)'")
        try:
            async with self._session.request(
                method, self.base_url + path, params=params, json=json_body
            ) as response:
                body = await response.json(content_type=None)
                if response.status >= 400:
                    error = (body or {}).get("error", {})
                    retry = response.headers.get("Retry-After")
                    raise AssistantError(
                        response.status,
                        error.get("code", f"http_{response.status}"),
                        error.get("message", ""),
                        float(retry) if retry else None,
                    )
                result: dict[str, Any] = body
                return result
        except TimeoutError:
            raise AssistantError(
                0, "timeout", f"no answer within {self._timeout.total} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise AssistantError(0, "unreachable", str(exc)) from None


def _ticket(body: dict[str, Any], *, printed: bool) -> Ticket:
    return Ticket(
        say=body["say"],
        number=body["number"],
        tracking_code=body["tracking_code"],
        status=body["status"],
        people_ahead=body["position"],
        printed=printed,
    )


async def _main(args: argparse.Namespace) -> int:
    token = os.environ.get("QS_TOKEN", "")
    if not token:
        print("set QS_TOKEN to the assistant's token", file=sys.stderr)
        return 2
    async with AssistantClient(args.url, token) as centre:
        try:
            answer: Any
            if args.command == "find":
                answer = await centre.find(args.words, lang=args.lang)
            elif args.command == "take":
                answer = await centre.take_ticket(args.service, lang=args.lang)
            elif args.command == "status":
                answer = await centre.status(args.code, lang=args.lang)
            else:
                answer = await centre.waits(lang=args.lang)
        except AssistantError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
    print(answer.say)
    print(json.dumps(answer.__dict__, ensure_ascii=False, default=lambda o: o.__dict__))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the centre, e.g. http://127.0.0.1:8080")
    parser.add_argument("--lang", default="vi", help="the citizen's language (vi, en, ar)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("find", help="find the service for a phrase").add_argument("words")
    commands.add_parser("take", help="take a ticket for a service").add_argument("service")
    commands.add_parser("status", help="a ticket's status").add_argument("code")
    commands.add_parser("waits", help="every line's wait")
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
