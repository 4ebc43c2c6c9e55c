"""The example keypad sketch, compiled for an Uno/Nano and run in simavr: it fits the
board, answers polls at once, acts on a short press when it goes down, beeps without
stopping, writes its display only when it changes, and shows ---- when the host is gone.

Times here are the simulator's (CPU cycles at 16 MHz), not this machine's: the same on a
busy CI machine as on an idle one.  "Within 1 ms" is the protocol's rule for a keypad
(keypad-protocol.md, "A polled keypad answers within 1 ms"), measured conservatively from
the start of the poll's last byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.keypad.frames import Cmd, Display, Frame, Led, show_payload
from tests.support.simulated_keypad import SimulatedKeypad, build_simulator
from tests.support.sketch import FLASH_BYTES, RAM_BYTES, build_sketch, sketch_sizes

ADDRESS = 3
POLL = Frame(ADDRESS, 0, Cmd.POLL)
A023 = show_payload(8, Display("A023", 5, Led.ON))
REPLY_MS = 1.0


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("avr")
    return build_sketch(folder), build_simulator(folder)


def start(builds: tuple[Path, Path], *, p2p: bool = False) -> SimulatedKeypad:
    elf, simulator = builds
    keypad = SimulatedKeypad.start(simulator, elf, address=ADDRESS, p2p=p2p)
    keypad.run_ms(50)
    return keypad


@pytest.fixture
def keypad(builds: tuple[Path, Path]) -> Iterator[SimulatedKeypad]:
    """A bus keypad at address 3 that said HELLO and shows A023 (tag 8)."""
    keypad = start(builds)
    assert keypad.display.shows == "----"  # no word from the host yet
    hello, _ = keypad.reply_to(POLL)
    assert (hello.command, hello.payload[0]) == (Cmd.HELLO, 2)
    keypad.receive(Frame(ADDRESS, 0, Cmd.SHOW, A023))
    keypad.run_ms(10)
    assert keypad.display.shows == "A023"
    yield keypad
    keypad.close()


def test_the_sketch_fits_an_uno_or_a_nano(builds: tuple[Path, Path]) -> None:
    flash, ram = sketch_sizes(builds[0])
    assert flash < FLASH_BYTES
    assert ram < RAM_BYTES // 2  # the rest is the stack's


def test_polls_are_answered_at_once_and_the_display_written_only_on_a_change(
    keypad: SimulatedKeypad,
) -> None:
    writes = len(keypad.display.writes)
    for _ in range(50):
        idle, after_ms = keypad.reply_to(POLL, within_ms=2)
        assert idle == Frame(ADDRESS, 8, Cmd.IDLE)
        assert after_ms < REPLY_MS
    assert len(keypad.display.writes) == writes

    # A display riding on a poll is taken first: the reply shows its tag, then the digits.
    ride = Frame(ADDRESS, 0, Cmd.POLL, show_payload(9, Display("C107", 6, Led.ON)))
    idle, after_ms = keypad.reply_to(ride)
    assert idle == Frame(ADDRESS, 9, Cmd.IDLE)
    assert after_ms < REPLY_MS
    keypad.run_ms(10)
    assert keypad.display.writes[writes:] == [(keypad.display.writes[-1][0], "C107")]


def test_a_short_press_acts_when_the_key_goes_down(keypad: SimulatedKeypad) -> None:
    for _ in range(3):  # the contacts bounce
        keypad.key("NEXT", down=True)
        keypad.run_ms(1)
        keypad.key("NEXT", down=False)
        keypad.run_ms(1)
    keypad.key("NEXT", down=True)
    keypad.run_ms(30)  # a quick press: 30 ms, and the key is still down
    press, after_ms = keypad.reply_to(POLL)
    assert press == Frame(ADDRESS, 1, Cmd.NEXT)
    assert after_ms < REPLY_MS
    keypad.key("NEXT", down=False)
    keypad.run_ms(30)
    keypad.receive(Frame(ADDRESS, 1, Cmd.SHOW, show_payload(10, Display("A024", 4, Led.ON))))
    idle, _ = keypad.reply_to(POLL)
    assert idle == Frame(ADDRESS, 10, Cmd.IDLE)  # one press, not one per bounce
    assert keypad.display.shows == "A024"


def test_beeps_do_not_hold_up_the_replies(keypad: SimulatedKeypad) -> None:
    keypad.receive(Frame(ADDRESS, 0, Cmd.SIGNAL, bytes((Led.BLINK, 5))))
    for _ in range(5):
        idle, after_ms = keypad.reply_to(POLL, within_ms=20)
        assert idle == Frame(ADDRESS, 8, Cmd.IDLE)
        assert after_ms < REPLY_MS


def test_an_error_shows_for_two_seconds(keypad: SimulatedKeypad) -> None:
    keypad.key("RECALL", down=True)
    keypad.run_ms(25)
    assert keypad.reply_to(POLL)[0] == Frame(ADDRESS, 1, Cmd.RECALL)
    keypad.receive(Frame(ADDRESS, 1, Cmd.ERROR, bytes((4,))))
    keypad.run_ms(20)
    assert keypad.display.shows == "E-04"
    for _ in range(4):  # polls go on meanwhile
        keypad.run_ms(500)
        assert keypad.reply_to(POLL)[0] == Frame(ADDRESS, 8, Cmd.IDLE)
    assert keypad.display.shows == "A023"


def test_a_bus_keypad_shows_dashes_when_the_polls_stop(keypad: SimulatedKeypad) -> None:
    keypad.run_ms(5_000)  # an idle bus may poll this rarely (idle_cycle_ms up to 5000)
    assert keypad.display.shows == "A023"
    keypad.run_ms(1_100)
    assert keypad.display.shows == "----"
    assert keypad.reply_to(POLL)[0] == Frame(ADDRESS, 8, Cmd.IDLE)
    keypad.run_ms(10)
    assert keypad.display.shows == "A023"


def test_a_point_to_point_keypad_shows_dashes_after_five_tries(
    builds: tuple[Path, Path],
) -> None:
    keypad = start(builds, p2p=True)
    keypad.run_ms(400)
    assert [s.frame.command for s in keypad.sent] == [Cmd.HELLO]
    keypad.receive(Frame(ADDRESS, 0, Cmd.SHOW, A023))
    keypad.run_ms(10)
    assert keypad.display.shows == "A023"
    keypad.key("DONE", down=True)
    keypad.run_ms(25)
    assert keypad.sent[-1].frame == Frame(ADDRESS, 1, Cmd.DONE)  # at once, key still down
    keypad.key("DONE", down=False)
    keypad.run_ms(1_300)  # four more tries, 300 ms apart
    assert [s.frame for s in keypad.sent[1:]] == [Frame(ADDRESS, 1, Cmd.DONE)] * 5
    assert keypad.display.shows == "----"
    keypad.receive(Frame(ADDRESS, 1, Cmd.SHOW, A023))
    keypad.run_ms(10)
    assert keypad.display.shows == "A023"
    keypad.close()
