"""What counter devices share: the keys staff press, and what a counter shows.

A key press (wired keypad or radio button) becomes one engine command at one counter.
A counter's device display (keypad, LED sign) shows its current number, how many wait
for it and whether it is open; `CounterWatch` follows the dispatcher and says, after each
commit, which of those changed, so devices stay in step whoever acted (a keypad, the
web console, the day closing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, get_args

from devices.shown import Shown

from ..dispatcher import Delivery, Dispatcher
from ..engine import Actor, CommandRejected, Engine, Event
from ..engine import commands as c
from ..engine import events as ev
from ..engine.state import LineKey
from ..store import StoreError

Key = Literal["next", "recall", "start", "done", "no_show", "transfer", "pause", "resume"]
KEYS: tuple[str, ...] = get_args(Key)

_SIMPLE: dict[str, type[c.CallNext | c.Recall | c.StartService | c.Finish | c.MarkNoShow]] = {
    "next": c.CallNext,
    "recall": c.Recall,
    "start": c.StartService,
    "done": c.Finish,
    "no_show": c.MarkNoShow,
}


def command_for(key: str, counter: int, service: str | None = None) -> c.Command:
    """The engine command a key means at a counter."""
    if key in _SIMPLE:
        return _SIMPLE[key](counter=counter)
    if key == "pause":
        return c.PauseCounter(counter=counter)
    if key == "resume":
        return c.ResumeCounter(counter=counter)
    if key == "transfer":
        return c.Transfer(counter=counter, to_service=service)
    raise ValueError(f"unknown key {key!r} (known: {', '.join(KEYS)})")


async def press(
    dispatcher: Dispatcher, key: str, counter: int, actor: Actor, service: str | None = None
) -> str | None:
    """Run a key press; None when done, else the refusal's stable code."""
    try:
        await dispatcher.execute(command_for(key, counter, service), actor)
    except CommandRejected as exc:
        return exc.code
    except StoreError:
        return "store_unavailable"
    return None


class CounterWatch:
    """A dispatcher listener: which watched counters show something new after a commit.

    The change is computed right after the events are applied (the engine's state
    matches them) and handed to `on_change` only once they are durable.
    """

    def __init__(
        self,
        engine: Engine,
        counters: Iterable[int],
        on_change: Callable[[dict[int, Shown]], None],
    ) -> None:
        self.engine = engine
        self.on_change = on_change
        self.counters = sorted(set(counters))
        self._lines: dict[LineKey, list[int]] = {}
        for counter in self.counters:
            state = engine.state.counters[counter]
            lines: tuple[LineKey, ...] = (counter, *state.services)
            for line in lines:
                self._lines.setdefault(line, []).append(counter)
        self._last: dict[int, Shown] = {}
        self.active = False
        """Set by the device's component while it runs."""

    def shown(self, counter: int) -> Shown:
        engine = self.engine
        state = engine.state.counters[counter]
        current = engine.state.tickets.get(state.current) if state.current is not None else None
        waiting = engine.waiting_count(counter)
        for service in state.services:
            waiting += engine.waiting_count(service)
        return Shown(
            number="" if current is None else current.number,
            waiting=waiting,
            status=state.status.value,
        )

    def all_shown(self) -> dict[int, Shown]:
        shown = {counter: self.shown(counter) for counter in self.counters}
        self._last.update(shown)
        return shown

    def __call__(self, first_seq: int, events: Sequence[Event]) -> Delivery | None:
        if not self.active:
            return None
        touched = self._touched(events)
        if not touched:
            return None
        changes: dict[int, Shown] = {}
        for counter in touched:
            shown = self.shown(counter)
            if self._last.get(counter) != shown:
                self._last[counter] = shown
                changes[counter] = shown
        if not changes:
            return None
        on_change = self.on_change
        return lambda: on_change(changes)

    def _touched(self, events: Sequence[Event]) -> set[int]:
        touched: set[int] = set()
        for event in events:
            kind = type(event)
            if kind is ev.DayOpened or kind is ev.DayClosed:
                return set(self.counters)
            fold = _TOUCHES.get(kind)
            if fold is not None:
                fold(self, event, touched)
        return touched

    def touch_counter(self, counter: int | None, touched: set[int]) -> None:
        if counter is not None and counter in self._lines:
            touched.add(counter)

    def touch_line_of(self, ticket_id: int, touched: set[int]) -> None:
        """The watched counters that serve the ticket's line (a service's, or a counter's)."""
        ticket = self.engine.state.tickets.get(ticket_id)
        if ticket is not None:
            touched.update(self._lines.get(ticket.line, ()))


def _counter(watch: CounterWatch, event: Any, touched: set[int]) -> None:
    watch.touch_counter(event.counter, touched)


def _ticket(watch: CounterWatch, event: Any, touched: set[int]) -> None:
    watch.touch_line_of(event.ticket, touched)


def _ticket_at_counter(watch: CounterWatch, event: Any, touched: set[int]) -> None:
    watch.touch_counter(event.counter, touched)
    watch.touch_line_of(event.ticket, touched)


def _transfer(watch: CounterWatch, event: ev.TicketTransferred, touched: set[int]) -> None:
    watch.touch_counter(event.counter, touched)
    watch.touch_counter(event.to_counter, touched)
    watch.touch_line_of(event.ticket, touched)


_TOUCHES: dict[type[Event], Callable[[CounterWatch, Any, set[int]], None]] = {
    ev.TicketIssued: _ticket,
    ev.TicketCalled: _ticket_at_counter,
    ev.TicketRecalled: _ticket_at_counter,
    ev.ServiceStarted: _ticket_at_counter,
    ev.TicketFinished: _ticket_at_counter,
    ev.TicketNoShow: _ticket_at_counter,
    ev.TicketRequeued: _ticket,
    ev.TicketReactivated: _ticket,
    ev.TicketPriorityChanged: _ticket,
    ev.TicketTransferred: _transfer,
    ev.TicketCancelled: _ticket,
    ev.TicketExpired: _ticket,
    ev.CounterOpened: _counter,
    ev.CounterPaused: _counter,
    ev.CounterResumed: _counter,
    ev.CounterClosed: _counter,
}
"""Which counters an event may change the display of, by event type: the engine's way of
folding events (one table, no probing of attributes).  A day opening or closing touches
every counter; ratings and printing change nothing a counter's device shows."""
