"""`demo --simulate`'s driver: citizens arrive and counters call, through the public API."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from queue_server.accounts import Role
from queue_server.simulate import Pace, Simulation
from tests.support.server import Token, serve_centre

FAST = Pace(
    first_wave_s=0.0,
    wave_every_s=(0.2, 0.4),
    wave_size=(3, 4),
    between_arrivals_s=(0.0, 0.05),
    walk_to_counter_s=(0.0, 0.05),
    serve_s=(0.05, 0.1),
    idle_s=(0.0, 0.1),
    pause_s=(0.05, 0.1),
)


async def test_a_simulated_morning_issues_and_calls(tmp_path: Path) -> None:
    tokens = {
        "kiosk": Token(Role.KIOSK),
        "keypads": Token(Role.DEVICE),
        "displays": Token(Role.DISPLAY),
    }
    security = {"kiosk_tickets_per_minute": 6000.0, "kiosk_ticket_burst": 1000}
    async with serve_centre(tmp_path, tokens=tokens, security=security) as server:
        simulation = Simulation(
            server.centre.config,
            server.tokens["kiosk"],
            server.tokens["keypads"],
            server.tokens["displays"],
            pace=FAST,
            seed=7,
        )
        task = asyncio.create_task(simulation.run(server.base))
        try:
            async with asyncio.timeout(20):
                while simulation.calls < 5 or simulation.issued < 8 or simulation.rated < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        state = server.centre.engine.state
        assert state.issued_today >= 8
        assert any(c.status.value == "open" for c in state.counters.values())
        assert any(t.called_at is not None for t in state.tickets.values())
        rated = [t for t in state.tickets.values() if t.rating is not None]
        assert len(rated) >= 2 and all(t.status.value == "done" for t in rated)
