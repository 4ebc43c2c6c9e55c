"""How the queue looks from outside: plain dicts for the HTTP API and the live hub alike.

One function per thing shown, so the API's answer and the hub's message about
the same ticket or counter never disagree.  Public views carry no personal
data: a ticket is its number, service, status and place in line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .config import Service
from .engine import Engine
from .engine.state import CounterState, LineKey, Ticket, TicketStatus

WAITING_LIST_LIMIT = 50


def iso_time(at: float | None, zone: ZoneInfo) -> str | None:
    """Local time with its offset, e.g. 2026-11-28T08:15:02+07:00."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, zone).isoformat(timespec="seconds")


def _wait(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds)


def ticket_public(engine: Engine, ticket: Ticket) -> dict[str, Any]:
    """What anyone holding the ticket may see (the citizen status page)."""
    zone = engine.setup.zone
    at_counter = ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING)
    ahead = engine.people_ahead(ticket)
    return {
        "number": ticket.number,
        "service": ticket.service,
        "priority": ticket.priority,
        "status": ticket.status.value,
        "position": ahead,
        "estimated_wait_s": _wait(engine.ticket_estimated_wait_s(ticket, ahead)),
        "counter": ticket.counter if at_counter else None,
        "called_at": iso_time(ticket.called_at, zone) if at_counter else None,
        "recalls": ticket.recalls,
        "issued_at": iso_time(ticket.issued_at, zone),
        "rating": ticket.rating,
        "lang": ticket.lang,
    }


def ticket_issued(engine: Engine, ticket: Ticket) -> dict[str, Any]:
    """The kiosk's answer: the public view plus what to print (id and tracking code)."""
    view = ticket_public(engine, ticket)
    view["id"] = ticket.id
    view["tracking_code"] = ticket.tracking_code
    return view


def ticket_summary(engine: Engine, ticket: Ticket) -> dict[str, Any]:
    """A ticket as staff see it in lists."""
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "priority": ticket.priority,
        "status": ticket.status.value,
        "waiting_since": iso_time(ticket.waiting_since, engine.setup.zone),
        "recalls": ticket.recalls,
    }


def counter_view(engine: Engine, counter: CounterState) -> dict[str, Any]:
    tickets = engine.state.tickets
    current = tickets.get(counter.current) if counter.current is not None else None
    served = tickets.get(counter.last_served) if counter.last_served is not None else None
    lines: tuple[LineKey, ...] = (counter.id, *counter.services)
    return {
        "id": counter.id,
        "status": counter.status.value,
        "services": list(counter.services),
        "current": None if current is None else ticket_summary(engine, current),
        "waiting": sum(engine.waiting_count(line) for line in lines),
        # Whether it was rated, never how: the counter's own staff see this view, and a
        # citizen must be free to rate them badly.
        "last_served": None
        if served is None
        else {"id": served.id, "number": served.number, "rated": served.rating is not None},
    }


def service_view(engine: Engine, service: Service) -> dict[str, Any]:
    """A service with its names, its line and its estimated wait."""
    code = service.code
    ahead, wait = engine.service_estimate(code)
    return {
        "code": code,
        "name": service.name,
        "description": service.description,
        "waiting": ahead,
        "waiting_priority": engine.waiting_count(code, True),
        "estimated_wait_s": _wait(wait),
        "open_counters": engine.open_counters(code),
    }


def waiting_list(engine: Engine, line: LineKey, limit: int = WAITING_LIST_LIMIT) -> dict[str, Any]:
    """The first tickets of a line in calling order (priority lane first), and the total."""
    lines, tickets = engine.state.lines, engine.state.tickets
    orders = lines.first(line, True, limit)
    orders += lines.first(line, False, limit - len(orders))
    return {
        "line": line,
        "total": lines.count(line),
        "tickets": [ticket_summary(engine, tickets[lines.ticket_at[o]]) for o in orders],
    }


def state_snapshot(engine: Engine, services: Sequence[Service], seq: int) -> dict[str, Any]:
    """The whole centre at one seq: counters, services and the head of every line."""
    st = engine.state
    return {
        "seq": seq,
        "day": st.day,
        "day_closed": st.day_closed,
        "issued_today": st.issued_today,
        "services": [service_view(engine, s) for s in services],
        "counters": [counter_view(engine, c) for c in st.counters.values()],
        "waiting": [waiting_list(engine, key) for key in lines_in_order(engine)],
    }


def lines_in_order(engine: Engine) -> list[LineKey]:
    """The lines where someone waits: services as the configuration lists them, then the
    counters' own lines by id.  The same order whatever the history (the engine keeps
    lines in the order of their first use, which a restart from a saved state changes)."""
    services = {code: i for i, code in enumerate(engine.setup.service_codes)}

    def order(line: LineKey) -> tuple[int, int, str]:
        if isinstance(line, int):
            return (1, line, "")
        return (0, services.get(line, len(services)), line)

    return sorted(engine.state.lines.keys(), key=order)
