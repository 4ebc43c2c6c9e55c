"""The engine's state at the close of a day, stored so that a restart replays only since.

A busy ward centre writes about a million events a year, and replaying them all takes
seconds that grow with every day.  At `DayClosed` every ticket is final and forgotten
(`Engine._on_day_closed`): what is left is small (the counters, the recent service
times, the day and the counters of ids, the appointments booked ahead and those whose
personal data is still kept), so it is captured there, and a restart
restores it and replays the events after it.  Captures are taken while the log is
replayed (`dispatcher.replay_log`): at start, and on a thread after each close.

A capture holds for the code and the configuration that made it: `FORMAT` and a
fingerprint of the server's release and of what the engine reads (`setup.QueueSetup`)
go with it, and a restore refuses anything else (the caller then replays the whole log, which is always
right, and captures afresh).
"""

from __future__ import annotations

from collections import deque
from importlib.metadata import PackageNotFoundError, version

import msgspec

from .engine import Engine
from .setup import QueueSetup
from .state import Appointment, CounterState, CounterStatus, Ticket

FORMAT = 3
"""Bump when the engine's state changes shape or meaning: older captures are ignored.
2: the closed day's tickets are kept (their citizens' pages, late ratings).
3: appointments (they outlive the day), and the counters' booked:walk-in cycles."""


class CounterAtDayEnd(msgspec.Struct, frozen=True, array_like=True):
    id: int
    status: str
    priority_run: int
    normal_run: int
    booked_run: int = 0
    walk_in_run: int = 0


class DayEnd(msgspec.Struct, frozen=True):
    format: int
    config: str
    """`fingerprint` of the configuration the state was built under."""
    at: float
    """When the day closed (the clock of later events never goes before it)."""
    day: str | None
    day_ends_at: float
    counters: list[CounterAtDayEnd]
    service_times: dict[str, list[float]]
    serials: dict[str, int]
    next_ticket_id: int
    next_order: int
    issued_today: int
    closed_at: float
    closed_tickets: list[Ticket]
    appointments: list[Appointment] = []


try:
    _RELEASE = version("queue-server")
except PackageNotFoundError:  # run from a source tree that was never installed
    _RELEASE = "unknown"
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(DayEnd)


def fingerprint(setup: QueueSetup) -> str:
    """A digest of what the engine reads from the configuration (`QueueSetup`: not names,
    devices, accounts, the server or the log's own path, so changing those keeps captures
    usable), and of the server's release, in case a change to how events apply went
    without a new `FORMAT`."""
    return setup.fingerprint(_RELEASE)


def capture(engine: Engine, at: float) -> bytes | None:
    """The state right after a `DayClosed` was applied, encoded; None if it is not the
    clean state a closed day leaves (then there is nothing safe to capture)."""
    st = engine.state
    if not st.day_closed or st.tickets or st.parked or st.lines.ticket_at:
        return None
    if any(c.current is not None or c.staff is not None for c in st.counters.values()):
        return None  # a close signs everyone out, so the capture need not hold who was in
    return _encoder.encode(
        DayEnd(
            format=FORMAT,
            config=fingerprint(engine.setup),
            at=at,
            day=st.day,
            day_ends_at=st.day_ends_at,
            counters=[
                CounterAtDayEnd(
                    c.id, c.status.value, c.priority_run, c.normal_run, c.booked_run, c.walk_in_run
                )
                for c in st.counters.values()
            ],
            service_times={k: list(v) for k, v in st.service_times.samples.items()},
            serials=dict(st.serials),
            next_ticket_id=st.next_ticket_id,
            next_order=st.next_order,
            issued_today=st.issued_today,
            closed_at=st.closed_at,
            closed_tickets=list(st.closed_tickets.values()),
            appointments=list(st.appointments.by_code.values()),
        )
    )


def restore(engine: Engine, body: bytes) -> float | None:
    """Put a fresh engine in the captured state; returns the capture's time, or None
    (and the engine untouched) when the capture is not for this code and configuration."""
    try:
        saved = _decoder.decode(body)
        statuses = [CounterStatus(kept.status) for kept in saved.counters]
    except (msgspec.DecodeError, ValueError):  # checked whole before anything changes
        return None
    if saved.format != FORMAT or saved.config != fingerprint(engine.setup):
        return None
    st = engine.state
    if st.tickets or st.day is not None or st.next_ticket_id != 1:
        raise RuntimeError("a capture is restored into a fresh engine only")
    for kept, status in zip(saved.counters, statuses, strict=True):
        counter = st.counters.get(kept.id)
        if counter is None:  # dropped from the configuration: kept as replay would keep it
            counter = st.counters[kept.id] = CounterState(kept.id, ())
        counter.status = status
        counter.priority_run, counter.normal_run = kept.priority_run, kept.normal_run
        counter.booked_run, counter.walk_in_run = kept.booked_run, kept.walk_in_run
    times = st.service_times
    for service, samples in saved.service_times.items():
        times.samples[service] = deque(samples, maxlen=times.window)
    st.serials.update(saved.serials)
    st.day, st.day_ends_at, st.day_closed = saved.day, saved.day_ends_at, True
    st.next_ticket_id, st.next_order = saved.next_ticket_id, saved.next_order
    st.issued_today = saved.issued_today
    st.closed_at = saved.closed_at
    st.closed_tickets = {t.id: t for t in saved.closed_tickets}
    st.closed_by_code = {t.tracking_code: t.id for t in saved.closed_tickets}
    for appointment in saved.appointments:
        st.appointments.add(appointment)
    return saved.at
