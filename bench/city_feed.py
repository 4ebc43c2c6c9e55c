"""A busy centre's day for `bench.city`: commands decided by the real engine, one
command's events at a time, as the dispatcher commits them.

Citizens take tickets (a quarter with a priority), counters call, start, finish (a few
no-shows, recalls, transfers) and a third of the served rate the service, so the city
receives the same mix of events a real centre sends, with realistic bodies.
"""

from __future__ import annotations

import random

from queue_server.config import CentreConfig
from queue_server.engine import CommandRejected, Engine, Event
from queue_server.engine import commands as c
from queue_server.engine.events import RATINGS
from queue_server.engine.state import TicketStatus

from .common import KIOSK, STAFF

ISSUE_SHARE = 0.26
"""Of the commands, the share that issues a ticket: a ticket takes about four commands
(issue, call, start, finish), so a little more than a quarter keeps a line waiting."""


class BusyCentre:
    def __init__(self, config: CentreConfig, seed: int) -> None:
        self.config = config
        self.engine = Engine(config.queue_setup())
        self.rng = random.Random(seed)
        self.tickets = 0
        self._counters = [k.id for k in config.counters]
        self._services = config.service_codes
        self._classes = [p.code for p in config.priority_classes]
        self._opened = False

    def next_events(self, at: float) -> list[Event]:
        """The events of the next command that the engine accepts at `at` (never empty)."""
        if not self._opened:
            self._opened = True
            return [e for k in self._counters for e in self._do(c.OpenCounter(counter=k), at)]
        while True:
            if self.rng.random() < ISSUE_SHARE:
                events = self._issue(at)
            else:
                events = self._step(self.rng.choice(self._counters), at)
            if events:
                return events

    def _issue(self, at: float) -> list[Event]:
        rng = self.rng
        self.tickets += 1
        priority = rng.choice(self._classes) if self._classes and rng.random() < 0.25 else None
        command = c.IssueTicket(
            service=rng.choice(self._services), tracking_code=f"t{self.tickets}", priority=priority
        )
        return self._do(command, at)

    def _step(self, counter: int, at: float) -> list[Event]:
        rng, state = self.rng, self.engine.state
        current = state.counters[counter].current
        if current is None:
            return self._do(c.CallNext(counter=counter), at)
        ticket = state.tickets[current]
        roll = rng.random()
        if ticket.status is TicketStatus.CALLED:
            if roll < 0.05:
                return self._do(c.MarkNoShow(counter=counter), at)
            if roll < 0.08:
                return self._do(c.Recall(counter=counter), at)
            return self._do(c.StartService(counter=counter), at)
        if roll < 0.04:
            others = [s for s in self._services if s != ticket.service]
            return self._do(c.Transfer(counter=counter, to_service=rng.choice(others)), at)
        finished = self._do(c.Finish(counter=counter), at)
        if finished and rng.random() < 0.33:
            rating = rng.choices(RATINGS, (5, 3, 1, 1))[0]
            rated = self._do(c.RateService(ticket=current, rating=rating), at)
            finished += rated
        return finished

    def _do(self, command: c.Command, at: float) -> list[Event]:
        """Housekeeping first, as the dispatcher does; a refused command gives nothing
        but that housekeeping (nobody waiting, a band used up: staff move on)."""
        due = self.engine.housekeeping(at)
        self.engine.apply_all(due)
        actor = KIOSK if isinstance(command, c.IssueTicket) else STAFF
        try:
            decided = self.engine.decide(command, at, actor)
        except CommandRejected:
            return due
        self.engine.apply_all(decided)
        return due + decided
