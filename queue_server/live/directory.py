"""The centre's answers to the `/ws` conversation's questions (its `Directory`):
who a token or a session is, which ticket a tracking code opens, which counters exist."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from ..accounts import AccountStore, Principal
from ..engine import Engine


class Lookups:
    """Accounts and the engine, asked only what the conversation needs."""

    def __init__(
        self,
        accounts: AccountStore,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        lookup_wait: Callable[[str], float | None] = lambda client: None,
    ) -> None:
        self._accounts = accounts
        self._engine = engine
        self._clock = clock
        self.lookup_wait = lookup_wait
        """The status lookups' rate limit, shared with the HTTP API's (web/keys.py)."""

    def principal_for_token(self, token: str) -> Principal | None:
        return self._accounts.principal_for_token(token)

    def principal_for_session(self, session: str) -> Principal | None:
        return self._accounts.principal_for_session(session)

    def credentials_version(self) -> int:
        return self._accounts.credentials_version()

    def ticket_for_tracking_code(self, code: str) -> int | None:
        """Today's ticket, or one of the closed day's while it may still be looked up."""
        ticket = self._engine.recent_ticket(code, self._clock())
        return None if ticket is None else ticket.id

    def counter_services(self) -> Mapping[int, tuple[str, ...]]:
        return {c.id: c.services for c in self._engine.state.counters.values()}
