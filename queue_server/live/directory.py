"""The centre's answers to the `/ws` conversation's questions (its `Directory`):
who a token or a session is, which ticket a tracking code opens, which counters exist."""

from __future__ import annotations

from collections.abc import Mapping

from ..accounts import AccountStore, Principal
from ..engine import Engine


class Lookups:
    """Accounts and the engine, asked only what the conversation needs."""

    def __init__(self, accounts: AccountStore, engine: Engine) -> None:
        self._accounts = accounts
        self._engine = engine

    def principal_for_token(self, token: str) -> Principal | None:
        return self._accounts.principal_for_token(token)

    def principal_for_session(self, session: str) -> Principal | None:
        return self._accounts.principal_for_session(session)

    def ticket_for_tracking_code(self, code: str) -> int | None:
        ticket = self._engine.ticket_by_tracking_code(code)
        return None if ticket is None else ticket.id

    def counter_services(self) -> Mapping[int, tuple[str, ...]]:
        return {c.id: c.services for c in self._engine.state.counters.values()}
