"""`queue-server demo --simulate`: a busy morning, so every page moves within a minute.

Citizens arrive at the kiosk in waves and take tickets through the HTTP API with the
kiosk's token (so their tickets print on the emulated printers, as a real kiosk's
would); civil servants at most counters call, start, finish, sometimes recall, mark a
no-show or take a short pause, through the counters' API with the keypads' device
token.  Where the demo has emulated keypads (every counter has one), the keys are
pressed on them instead, so the keypad path (frames on an emulated RS-485 bus) is
exercised too; opening a counter, which a keypad has no key for, goes by the API.

It only uses the public interfaces, never the engine directly, and stops when the
server stops.  Random but reproducible with a seed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from devices.tasks import cancel_and_wait

from .config import CentreConfig
from .engine.events import RATINGS

log = logging.getLogger(__name__)

KeyPress = Callable[[int, str], bool]
"""(counter, action) -> True when an emulated keypad at that counter pressed the key."""
KEYPAD_SETTLE_S = 0.4
"""A key press travels the emulated bus and the keypad line's polling before it acts."""


def press_on_demo_keypads(keypads: Any) -> KeyPress:
    """Press keys on the demo's emulated keypads (`queue_server.integrations.keypad.sim.DemoKeypads`)."""
    from queue_server.integrations.keypad.sim import KEYS

    def press(counter: int, action: str) -> bool:
        key = KEYS.get(action.replace("-", "_"))
        if key is None or counter not in keypads.devices:
            return False
        keypads.wire.press(counter, key)
        return True

    return press


@dataclass(frozen=True)
class Pace:
    """How busy the morning is; the defaults show every page moving within a minute."""

    first_wave_s: float = 1.0
    wave_every_s: tuple[float, float] = (15.0, 30.0)
    wave_size: tuple[int, int] = (3, 8)
    between_arrivals_s: tuple[float, float] = (0.4, 2.0)
    priority_share: float = 0.15
    walk_to_counter_s: tuple[float, float] = (2.0, 5.0)
    serve_s: tuple[float, float] = (8.0, 30.0)
    idle_s: tuple[float, float] = (2.0, 6.0)
    recall_share: float = 0.12
    no_show_share: float = 0.06
    pause_share: float = 0.03
    pause_s: tuple[float, float] = (15.0, 30.0)
    open_share: float = 0.8
    rating_share: float = 0.6
    """Served citizens who rate the service on their phone."""
    ratings: tuple[float, float, float, float] = (0.45, 0.4, 0.1, 0.05)
    """How they rate: very satisfied, satisfied, neutral, dissatisfied."""


class Simulation:
    def __init__(
        self,
        config: CentreConfig,
        kiosk_token: str,
        device_token: str,
        display_token: str,
        *,
        pace: Pace | None = None,
        seed: int | None = None,
        press: KeyPress | None = None,
    ) -> None:
        self.config = config
        self.kiosk_token = kiosk_token
        self.device_token = device_token
        self.display_token = display_token
        """What the civil servant sees on the counter's display: a screen's token reads
        the counters, a keypad's only acts (the README's roles)."""
        self.pace = pace or Pace()
        self.random = random.Random(seed)  # noqa: S311 (a simulation, not a secret)
        self.press = press
        self.issued = 0
        self.calls = 0
        self.rated = 0
        self._codes: dict[int, str] = {}
        """Tracking codes of the tickets issued, by id: what a citizen's phone holds."""

    async def run(self, base_url: str) -> None:
        """Run until cancelled."""
        async with aiohttp.ClientSession(base_url=base_url) as http:
            counters = [c.id for c in self.config.counters]
            opened = [c for c in counters if self.random.random() < self.pace.open_share]
            if not opened:
                opened = counters[:1]
            tasks = [asyncio.create_task(self._arrivals(http), name="simulated arrivals")]
            for counter in opened:
                await self._counter(http, counter, "open")
                tasks.append(
                    asyncio.create_task(self._staff(http, counter), name=f"simulated {counter}")
                )
            log.info("simulating a busy morning at counters %s", opened)
            try:
                await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    await cancel_and_wait(task)

    def _between(self, span: tuple[float, float]) -> float:
        return self.random.uniform(*span)

    async def _arrivals(self, http: aiohttp.ClientSession) -> None:
        pace = self.pace
        services = [s.code for s in self.config.services]
        # Short services are asked for more often, as in a real ward centre.
        weights = [1.0 / max(1.0, s.expected_minutes) ** 0.5 for s in self.config.services]
        priorities = [p.code for p in self.config.priority_classes if not p.at_desk]
        await asyncio.sleep(pace.first_wave_s)
        while True:
            for _ in range(self.random.randint(*pace.wave_size)):
                service = self.random.choices(services, weights)[0]
                body: dict[str, object] = {
                    "service": service,
                    "lang": self.random.choice(self.config.centre.languages),
                }
                if priorities and self.random.random() < pace.priority_share:
                    body["priority"] = self.random.choice(priorities)
                status, ticket = await self._request(
                    http, "/api/v1/tickets", self.kiosk_token, body
                )
                if status == 201:
                    self.issued += 1
                    self._codes[ticket["id"]] = ticket["tracking_code"]
                await asyncio.sleep(self._between(pace.between_arrivals_s))
            await asyncio.sleep(self._between(pace.wave_every_s))

    async def _staff(self, http: aiohttp.ClientSession, counter: int) -> None:
        """One civil servant's morning at one counter."""
        pace = self.pace
        await asyncio.sleep(self._between(pace.idle_s))
        while True:
            status = await self._counter(http, counter, "next")
            if status == 202:  # pressed on a keypad: see what it did
                await asyncio.sleep(KEYPAD_SETTLE_S)
                status = 200 if await self._has_caller(http, counter) else 204
            if status != 200:
                await asyncio.sleep(self._between(pace.idle_s))
                continue
            self.calls += 1
            await asyncio.sleep(self._between(pace.walk_to_counter_s))
            roll = self.random.random()
            if roll < pace.no_show_share:
                await self._counter(http, counter, "no-show")
            else:
                if roll < pace.no_show_share + pace.recall_share:
                    await self._counter(http, counter, "recall")
                    await asyncio.sleep(self._between(pace.walk_to_counter_s))
                await self._counter(http, counter, "start")
                await asyncio.sleep(self._between(pace.serve_s))
                await self._counter(http, counter, "done")
                if self.random.random() < pace.rating_share:
                    await self._rate_last_served(http, counter)
            if self.random.random() < pace.pause_share:
                await self._counter(http, counter, "pause")
                await asyncio.sleep(self._between(pace.pause_s))
                await self._counter(http, counter, "resume")
            await asyncio.sleep(self._between(pace.idle_s))

    async def _counter(self, http: aiohttp.ClientSession, counter: int, action: str) -> int:
        """The action at a counter: on its keypad when it has one (202), else by the API."""
        if self.press is not None and self.press(counter, action):
            await asyncio.sleep(KEYPAD_SETTLE_S)
            return 202
        return await self._post(http, f"/api/v1/counters/{counter}/{action}", self.device_token)

    async def _rate_last_served(self, http: aiohttp.ClientSession, counter: int) -> None:
        """The citizen just served rates the service on the phone their ticket's QR opened."""
        served = (await self._counter_state(http, counter) or {}).get("last_served")
        code = self._codes.pop(served["id"], None) if served else None
        if code is None:
            return
        rating = self.random.choices(RATINGS, self.pace.ratings)[0]
        status, _ = await self._request(
            http, f"/api/v1/tickets/{code}/rating", None, {"rating": rating}
        )
        if status == 200:
            self.rated += 1

    async def _counter_state(
        self, http: aiohttp.ClientSession, counter: int
    ) -> dict[str, Any] | None:
        headers = {"Authorization": f"Bearer {self.display_token}"}
        try:
            async with http.get("/api/v1/counters", headers=headers) as response:
                body = await response.json()
        except (aiohttp.ClientError, ValueError):
            return None
        for state in body.get("counters", []):
            if state["id"] == counter:
                found: dict[str, Any] = state
                return found
        return None

    async def _has_caller(self, http: aiohttp.ClientSession, counter: int) -> bool:
        """Whether the counter has just called someone (after a keypad's NEXT)."""
        current = (await self._counter_state(http, counter) or {}).get("current")
        return current is not None and current["status"] == "called"

    async def _post(
        self,
        http: aiohttp.ClientSession,
        path: str,
        token: str,
        body: dict[str, object] | None = None,
    ) -> int:
        status, _ = await self._request(http, path, token, body)
        return status

    async def _request(
        self,
        http: aiohttp.ClientSession,
        path: str,
        token: str | None,
        body: dict[str, object] | None = None,
    ) -> tuple[int, Any]:
        """POST `body`; the status and the decoded answer (0 and None when unreachable)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with http.post(path, json=body or {}, headers=headers) as response:
                if response.status >= 400 and response.status not in (409, 429):
                    log.debug("simulation: %s answered %d", path, response.status)
                answer = (
                    await response.json() if response.content_type == "application/json" else None
                )
                return response.status, answer
        except (aiohttp.ClientError, ValueError) as exc:
            log.debug("simulation: %s failed: %s", path, exc)
            await asyncio.sleep(1.0)
            return 0, None
