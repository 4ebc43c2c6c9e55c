"""The host's end of a keypad line: which presses are new, what each keypad is sent.

Sans-I/O (firmware_notes/keypad-protocol.md): bytes go in with `receive_data()`, facts
come out of `events_received()`, and what must go on the wire comes out of
`data_to_send()`, the shape of the `websockets` protocol objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .frames import (
    DISPLAY_IN_POLL_VERSION,
    KEYS,
    SUPPORTED_VERSIONS,
    Cmd,
    Display,
    Frame,
    FrameDecoder,
    Led,
    NakReason,
    encode_frame,
    service_of,
    show_payload,
)

WAITING_EVERY_POLLS = 16
"""RS-485: on the whole line, at most one display whose waiting count alone changed rides
on a poll in this many polls (8 bytes in 16 turns of 14: under 4% of the line's time; a
new number or LED is never held back)."""


@dataclass(frozen=True, slots=True)
class Press:
    """A new key press from a keypad (never a retransmission of one already taken)."""

    address: int
    seq: int
    key: Cmd
    service: str | None = None


@dataclass(frozen=True, slots=True)
class Heard:
    """Any valid frame from a configured keypad: the answer a poll waits for."""

    address: int
    command: int


@dataclass(frozen=True, slots=True)
class Hello:
    address: int
    version: int
    firmware: int


LinkEvent = Press | Heard | Hello

_IN_FLIGHT = -1


@dataclass(slots=True)
class KeypadState:
    """What the host remembers about one keypad."""

    address: int
    last_seq: int | None = None
    last_key: int | None = None
    last_payload: bytes = b""
    result: int | None = _IN_FLIGHT
    """Error code of the last press's answer, None for a SHOW, _IN_FLIGHT while executing."""
    display: Display = field(default_factory=Display)
    tag: int = 0
    """Tag of the current display (1-255, cycling); 0 until a display is set."""
    dirty: bool = False
    urgent: bool = False
    """The number or the LED changed (not only the waiting count): send it at once."""
    shown_at: float = float("-inf")
    online: bool = False
    misses: int = 0
    presses: int = 0
    duplicates: int = 0
    firmware: int | None = None
    version: int | None = None
    """From its HELLO; None until one is heard (a keypad keeps running when the host
    restarts), and then taken as 2 until the keypad shows it ignores displays in polls."""
    carried: int = 0
    """The tag of the display that rode on the poll now waiting for this keypad's reply."""


def next_tag(tag: int) -> int:
    return 1 if tag >= 255 else tag + 1


class HostLink:
    """The host's end of one line: which presses are new, what each keypad must be sent.

    Duplicate suppression: the host remembers, per address, the SEQ and key of the last
    press it took.  The same press again (the keypad did not hear the answer) is not a
    new press: the host answers it again (the current display, or the same error), or
    says nothing while the first one is still executing.  A HELLO (the keypad restarted)
    forgets the SEQ, since the keypad's counting starts again.
    """

    def __init__(
        self,
        addresses: list[int] | tuple[int, ...],
        offline_after: int = 3,
        waiting_every_polls: int = WAITING_EVERY_POLLS,
    ) -> None:
        self.keypads: dict[int, KeypadState] = {a: KeypadState(a) for a in addresses}
        self.decoder = FrameDecoder()
        self.offline_after = offline_after
        self.waiting_every_polls = waiting_every_polls
        self._polls_since_waiting = waiting_every_polls
        self._events: list[LinkEvent] = []
        self._out = bytearray()
        self.unknown_address = 0
        self.naks = 0
        self.echoes = 0

    # -- bytes in
    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        for frame in self.decoder.feed(data):
            self._receive_frame(frame)

    def expire(self) -> None:
        """The line went quiet with a partial frame pending."""
        for frame in self.decoder.expire():
            self._receive_frame(frame)

    def events_received(self) -> list[LinkEvent]:
        events, self._events = self._events, []
        return events

    # -- bytes out
    def data_to_send(self) -> bytes:
        data = bytes(self._out)
        self._out.clear()
        return data

    def poll(self, address: int, now: float | None = None, waiting_every_s: float = 0.0) -> None:
        """RS-485: "your turn to talk", with the keypad's display when it must be sent.

        A display goes in the keypad's own slot of the cycle, so the cycle's extra line
        time is spread over it rather than heaped after each call: inside the POLL for a
        version 2 keypad, as a SHOW just before the POLL for a version 1 keypad.  Only to
        a keypad that is online.  A new number or LED goes at once; with `now`, a change
        of the waiting count alone goes at most every `waiting_every_s` per keypad and at
        most once every `waiting_every_polls` polls on the line.
        """
        self._polls_since_waiting += 1
        state = self.keypads.get(address)
        payload = b""
        if state is not None and self._display_due(state, now, waiting_every_s):
            display = show_payload(state.tag, state.display)
            if state.version is not None and state.version < DISPLAY_IN_POLL_VERSION:
                self._out += encode_frame(address, 0, Cmd.SHOW, display)
            else:
                payload = display
                state.carried = state.tag
            state.dirty = state.urgent = False
            if now is not None:
                state.shown_at = now
        self._out += encode_frame(address, 0, Cmd.POLL, payload)

    def _display_due(self, state: KeypadState, now: float | None, waiting_every_s: float) -> bool:
        if not (state.dirty and state.tag and state.online):
            return False
        if state.urgent or now is None:
            return True
        if now - state.shown_at < waiting_every_s:
            return False
        if self._polls_since_waiting < self.waiting_every_polls:
            return False
        self._polls_since_waiting = 0
        return True

    def answer(self, address: int, seq: int, error: int | None) -> None:
        """The result of a press: a SHOW of the current display, or an ERROR."""
        state = self.keypads[address]
        if state.last_seq == seq:
            state.result = error
        self._answer(state, seq, error)

    def set_display(self, address: int, display: Display) -> bool:
        """A new display for a keypad; True when it changed (and will be sent)."""
        state = self.keypads[address]
        if state.tag and state.display == display:
            return False
        old = state.display
        state.display = display
        state.tag = next_tag(state.tag)
        state.dirty = True
        state.urgent = state.urgent or old.text != display.text or old.led != display.led
        return True

    def send_displays(self) -> int:
        """Point-to-point: queue a SHOW for every keypad whose display changed; returns how
        many.  (On a bus a display rides on the keypad's poll instead: see `poll`.)"""
        sent = 0
        for state in self.keypads.values():
            if not (state.dirty and state.tag):
                continue
            self._out += encode_frame(
                state.address, 0, Cmd.SHOW, show_payload(state.tag, state.display)
            )
            state.dirty = state.urgent = False
            sent += 1
        return sent

    def signal(self, address: int, led: Led, beeps: int) -> None:
        self._out += encode_frame(address, 0, Cmd.SIGNAL, bytes((int(led), min(beeps, 255))))

    def resend_all(self) -> None:
        """After the line reopened: every keypad gets its display again."""
        for state in self.keypads.values():
            state.dirty = state.urgent = bool(state.tag)

    # -- polling bookkeeping
    def missed(self, address: int) -> None:
        state = self.keypads[address]
        state.carried = 0
        state.misses += 1
        if state.misses >= self.offline_after:
            state.online = False

    def line_closed(self) -> None:
        self.decoder.reset()
        for state in self.keypads.values():
            state.online = False
            state.misses = 0

    # -- internals
    def _answer(self, state: KeypadState, seq: int, error: int | None) -> None:
        if error is None:
            payload = show_payload(state.tag, state.display)
            self._out += encode_frame(state.address, seq, Cmd.SHOW, payload)
            state.dirty = state.urgent = False
        else:
            self._out += encode_frame(state.address, seq, Cmd.ERROR, bytes((error,)))

    def _nak(self, frame: Frame, reason: NakReason) -> None:
        self.naks += 1
        self._out += encode_frame(frame.address, frame.seq, Cmd.NAK, bytes((reason,)))

    def _receive_frame(self, frame: Frame) -> None:
        if frame.command >= 0x80:
            self.echoes += 1  # our own frames (RS-485 local echo) or another master's
            return
        state = self.keypads.get(frame.address)
        if state is None:
            self.unknown_address += 1
            return
        state.online = True
        state.misses = 0
        carried, state.carried = state.carried, 0
        self._events.append(Heard(frame.address, frame.command))
        command = frame.command
        if command == Cmd.IDLE:
            if state.tag and frame.seq != state.tag:
                state.dirty = True  # the keypad shows something else: send it again
                state.urgent = state.urgent or frame.seq == 0  # it restarted: blank
                if carried == state.tag and state.version is None:
                    # It answered the poll that carried this display, and shows another:
                    # a version 1 keypad, which ignores a POLL's payload.  SHOW frames.
                    state.version = 1
                    state.urgent = True
            return
        if command == Cmd.HELLO:
            if len(frame.payload) < 1 or frame.payload[0] not in SUPPORTED_VERSIONS:
                self._nak(frame, NakReason.UNSUPPORTED_VERSION)
                return
            state.version = frame.payload[0]
            state.last_seq = None
            state.last_key = None
            state.firmware = frame.payload[1] if len(frame.payload) > 1 else None
            # The answer to a HELLO is the display (blank, tag 0, when there is none yet).
            self._out += encode_frame(
                state.address, 0, Cmd.SHOW, show_payload(state.tag, state.display)
            )
            state.dirty = False
            self._events.append(Hello(frame.address, frame.payload[0], state.firmware or 0))
            return
        if command not in KEYS:
            self._nak(frame, NakReason.UNKNOWN_COMMAND)
            return
        service = None
        if command == Cmd.TRANSFER:
            service = service_of(frame.payload)
            if service is None:
                self._nak(frame, NakReason.BAD_PAYLOAD)
                return
        elif frame.payload:
            self._nak(frame, NakReason.BAD_PAYLOAD)
            return
        if (
            state.last_seq == frame.seq
            and state.last_key == command
            and state.last_payload == frame.payload
        ):
            state.duplicates += 1
            if state.result != _IN_FLIGHT:
                self._answer(state, frame.seq, state.result)
            return
        state.last_seq = frame.seq
        state.last_key = command
        state.last_payload = frame.payload
        state.result = _IN_FLIGHT
        state.presses += 1
        self._events.append(Press(frame.address, frame.seq, Cmd(command), service))
