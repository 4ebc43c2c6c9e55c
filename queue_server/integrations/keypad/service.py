"""The centre's keypad lines: a press becomes a counter command; displays follow the counters.

A press at keypad `address` on line `name` is the command of its key at the keypad's
counter, by the actor `keypad:<name>:<address>`.  The answer is the counter's display
after the command (its current number and how many wait) or an error code from the
engine's refusal.  Calls made elsewhere (the web console, another keypad at the same
counter, the day closing) reach the keypads through a dispatcher listener.
"""

from __future__ import annotations

import logging
from typing import Any

from devices.keypad.adapter import KeypadLine
from devices.keypad.frames import ERROR_FOR_REJECTION, Cmd, Display, ErrorCode, Led
from devices.keypad.host import Press
from devices.shown import Shown

from ...dispatcher import Dispatcher
from ...engine import Actor
from ..counters import CounterWatch, press
from ..lines_config import SerialLine

log = logging.getLogger(__name__)

KEY_NAMES = {
    Cmd.NEXT: "next",
    Cmd.RECALL: "recall",
    Cmd.START: "start",
    Cmd.DONE: "done",
    Cmd.NO_SHOW: "no_show",
    Cmd.TRANSFER: "transfer",
    Cmd.PAUSE: "pause",
    Cmd.RESUME: "resume",
}
LEDS = {"open": Led.ON, "paused": Led.BLINK, "closed": Led.OFF}
KEYPAD_PROTOCOLS = ("keypad-rs485", "keypad-p2p")


def display_of(shown: Shown) -> Display:
    return Display(shown.number, shown.waiting, LEDS[shown.status])


def error_code(rejection: str) -> int:
    if rejection == "store_unavailable":
        return ErrorCode.SERVER_ERROR
    return ERROR_FOR_REJECTION.get(rejection, ErrorCode.REJECTED)


def press_request(seq: int, key: int, payload: bytes) -> str:
    """How a press is named in its events' actor (`Actor.request`)."""
    return f"{seq}:{key}:{payload.hex()}"


def parse_press_request(request: str) -> tuple[int, int, bytes] | None:
    """The (seq, key, payload) of `press_request`; None for what it did not write."""
    try:
        seq, key, payload = request.split(":")
        return int(seq), int(key), bytes.fromhex(payload)
    except ValueError:
        return None


class KeypadService:
    def __init__(self, dispatcher: Dispatcher, lines: list[SerialLine]) -> None:
        self.dispatcher = dispatcher
        self.lines: list[KeypadLine] = []
        self._counter: dict[tuple[str, int], int] = {}
        self._at_counter: dict[int, list[tuple[KeypadLine, int]]] = {}
        for config in lines:
            if config.protocol not in KEYPAD_PROTOCOLS:
                continue
            line = KeypadLine(
                config.name,
                config.port,
                config.baud,
                "rs485" if config.protocol == "keypad-rs485" else "p2p",
                [k.address for k in config.keypads],
                self._on_press,
                reply_timeout_s=config.reply_timeout_ms / 1000 or None,
                offline_after=config.offline_after,
                idle_cycle_s=config.idle_cycle_ms / 1000,
            )
            self.lines.append(line)
            for keypad in config.keypads:
                self._counter[(line.name, keypad.address)] = keypad.counter
                self._at_counter.setdefault(keypad.counter, []).append((line, keypad.address))
        self.watch = CounterWatch(dispatcher.engine, self._at_counter, self._show)
        """Listens to the dispatcher once the composition root registers it (app.py)."""

    async def start(self) -> None:
        self._remember_presses(self.dispatcher.replayed_requests)
        self.watch.active = True
        self._show(self.watch.all_shown())
        for line in self.lines:
            await line.start()

    async def stop(self) -> None:
        self.watch.active = False
        for line in self.lines:
            await line.stop()

    def line(self, name: str) -> KeypadLine:
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)

    def _show(self, changes: dict[int, Shown]) -> None:
        for counter, shown in changes.items():
            display = display_of(shown)
            for line, address in self._at_counter.get(counter, ()):
                line.set_display(address, display)

    async def _on_press(self, line: KeypadLine, event: Press) -> int | None:
        counter = self._counter.get((line.name, event.address))
        if counter is None:
            return ErrorCode.NOT_CONFIGURED
        actor = Actor(
            "keypad",
            f"{line.name}:{event.address}",
            request=press_request(event.seq, event.key, event.payload),
        )
        refused = await press(self.dispatcher, KEY_NAMES[event.key], counter, actor, event.service)
        if refused is None:
            return None
        # Refusals are the queue's ordinary answers (nobody waiting...): not worth a line each.
        log.debug("keypad %s:%d: %s refused: %s", line.name, event.address, event.key.name, refused)
        return error_code(refused)

    def _remember_presses(self, requests: dict[tuple[str, str], str]) -> None:
        """Tell each keypad's link the last press the log says it ran (before a restart)."""
        for line in self.lines:
            for address in line.link.keypads:
                request = requests.get(("keypad", f"{line.name}:{address}"))
                if request and (press := parse_press_request(request)) is not None:
                    line.link.remember_press(address, *press)

    def device_states(self) -> list[dict[str, Any]]:
        """Each line's state, for /metrics and the hub's device messages to admins."""
        states = []
        for line in self.lines:
            link = line.link
            states.append(
                {
                    "name": f"line:{line.name}",
                    "kind": "keypad-line",
                    "line": line.name,
                    "protocol": "keypad-rs485" if line.mode == "rs485" else "keypad-p2p",
                    "port": line.port.port,
                    "up": line.online,
                    "online": line.online,
                    "reconnects": max(0, line.port.opened - 1),
                    "keypads": len(link.keypads),
                    "keypads_online": line.keypads_online(),
                    "corrupt_frames": link.decoder.corrupt,
                    "presses": sum(k.presses for k in link.keypads.values()),
                    "duplicates": sum(k.duplicates for k in link.keypads.values()),
                    "polls": line.polls,
                    "poll_timeouts": line.timeouts,
                    "cycle_ms": round(line.last_cycle_s * 1000, 2),
                }
            )
        return states
