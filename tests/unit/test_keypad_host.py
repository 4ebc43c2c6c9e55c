"""The host's end of a keypad line, frame by frame: presses, duplicates, displays."""

from __future__ import annotations

from devices.keypad.frames import (
    Cmd,
    Display,
    FrameDecoder,
    Led,
    NakReason,
    encode_frame,
    show_payload,
)
from devices.keypad.host import Heard, Hello, HostLink, Press

A023 = Display("A023", 5, Led.ON)


# ---------------------------------------------------------------------- host link


def _host(*addresses: int) -> HostLink:
    link = HostLink(list(addresses) or [3])
    link.set_display(3, Display("A022", 6, Led.ON))
    link.send_displays()
    link.data_to_send()
    return link


def test_a_press_is_an_event_and_its_answer_is_a_show_with_its_seq() -> None:
    link = _host()
    link.receive_data(encode_frame(3, 1, Cmd.NEXT))
    assert link.events_received() == [Heard(3, Cmd.NEXT), Press(3, 1, Cmd.NEXT)]
    link.set_display(3, Display("A023", 5, Led.ON))
    link.answer(3, 1, None)
    tag = link.keypads[3].tag
    assert link.data_to_send() == encode_frame(3, 1, Cmd.SHOW, bytes((tag, Led.ON, 5, 0)) + b"A023")
    assert link.send_displays() == 0  # the answer carried the new display


def test_a_retransmitted_press_is_answered_again_and_never_taken_twice() -> None:
    link = _host()
    press = encode_frame(3, 1, Cmd.NEXT)
    link.receive_data(press)
    assert Press(3, 1, Cmd.NEXT) in link.events_received()
    link.receive_data(press)  # still executing: no answer yet, no new press
    assert link.events_received() == [Heard(3, Cmd.NEXT)]
    assert link.data_to_send() == b""
    link.answer(3, 1, 3)  # nobody waiting
    first = link.data_to_send()
    assert first == encode_frame(3, 1, Cmd.ERROR, b"\x03")
    link.receive_data(press)  # the answer was lost
    assert link.events_received() == [Heard(3, Cmd.NEXT)]
    assert link.data_to_send() == first
    assert link.keypads[3].duplicates == 2
    link.receive_data(encode_frame(3, 2, Cmd.NEXT))
    assert Press(3, 2, Cmd.NEXT) in link.events_received()


def test_hello_forgets_the_sequence() -> None:
    link = _host()
    link.receive_data(encode_frame(3, 1, Cmd.NEXT))
    link.answer(3, 1, None)
    link.receive_data(encode_frame(3, 0, Cmd.HELLO, b"\x01\x02"))
    assert Hello(3, 1, 2) in link.events_received()
    link.receive_data(encode_frame(3, 1, Cmd.NEXT))  # seq 1 again after a restart: new
    assert Press(3, 1, Cmd.NEXT) in link.events_received()


def test_idle_with_a_stale_tag_gets_the_display_again() -> None:
    link = _host()
    tag = link.keypads[3].tag
    link.receive_data(encode_frame(3, tag, Cmd.IDLE))
    assert link.send_displays() == 0
    link.receive_data(encode_frame(3, 0, Cmd.IDLE))  # the keypad restarted
    assert link.send_displays() == 1


def test_bad_frames_are_naked_and_others_ignored() -> None:
    link = _host()
    link.receive_data(encode_frame(3, 5, 0x42))
    assert link.data_to_send() == encode_frame(3, 5, Cmd.NAK, bytes((NakReason.UNKNOWN_COMMAND,)))
    link.receive_data(encode_frame(3, 6, Cmd.TRANSFER, b"C T"))
    assert link.data_to_send() == encode_frame(3, 6, Cmd.NAK, bytes((NakReason.BAD_PAYLOAD,)))
    link.receive_data(encode_frame(3, 0, Cmd.HELLO, b"\x03"))
    assert link.data_to_send() == encode_frame(
        3, 0, Cmd.NAK, bytes((NakReason.UNSUPPORTED_VERSION,))
    )
    link.receive_data(encode_frame(9, 1, Cmd.NEXT))  # not ours
    link.receive_data(encode_frame(3, 0, Cmd.POLL))  # our own echo
    assert link.events_received() == [Heard(3, 0x42), Heard(3, Cmd.TRANSFER), Heard(3, Cmd.HELLO)]
    assert (link.unknown_address, link.echoes) == (1, 1)


# ---------------------------------------------------------------------- displays on polls


def _online(*addresses: int, version: int | None = 2) -> HostLink:
    """Keypads that said HELLO (or, with version None, were only heard: IDLE)."""
    link = HostLink(list(addresses))
    for address in addresses:
        if version is None:
            link.receive_data(encode_frame(address, 0, Cmd.IDLE))
        else:
            link.receive_data(encode_frame(address, 0, Cmd.HELLO, bytes((version, 1))))
    link.data_to_send()
    link.events_received()
    return link


def test_a_new_display_rides_on_the_keypads_own_poll() -> None:
    link = _online(3, 4)
    link.set_display(3, A023)
    tag = link.keypads[3].tag
    link.poll(4)
    assert link.data_to_send() == encode_frame(4, 0, Cmd.POLL)  # not keypad 4's
    link.poll(3)
    assert link.data_to_send() == encode_frame(3, 0, Cmd.POLL, show_payload(tag, A023))
    link.receive_data(encode_frame(3, tag, Cmd.IDLE))  # it shows the new display
    link.poll(3)
    assert link.data_to_send() == encode_frame(3, 0, Cmd.POLL)
    assert link.keypads[3].version == 2


def test_a_version_1_keypad_gets_a_show_before_its_poll() -> None:
    link = _online(3, version=1)
    link.set_display(3, A023)
    tag = link.keypads[3].tag
    link.poll(3)
    show = encode_frame(3, 0, Cmd.SHOW, show_payload(tag, A023))
    assert link.data_to_send() == show + encode_frame(3, 0, Cmd.POLL)


def test_a_keypad_that_ignores_the_display_in_its_poll_is_taken_for_version_1() -> None:
    """The host restarted: no HELLO, so it tries a poll with the display; the keypad's
    IDLE still shows the old tag, so it is a version 1 keypad: SHOW frames from then on."""
    link = _online(3, version=None)
    link.set_display(3, A023)
    tag = link.keypads[3].tag
    link.poll(3)
    assert link.data_to_send() == encode_frame(3, 0, Cmd.POLL, show_payload(tag, A023))
    link.receive_data(encode_frame(3, 0, Cmd.IDLE))
    assert link.keypads[3].version == 1
    link.poll(3)
    show = encode_frame(3, 0, Cmd.SHOW, show_payload(tag, A023))
    assert link.data_to_send() == show + encode_frame(3, 0, Cmd.POLL)


def test_a_lost_poll_proves_nothing_about_the_version() -> None:
    link = _online(3, version=None)
    link.set_display(3, A023)
    tag = link.keypads[3].tag
    link.poll(3)
    link.data_to_send()
    link.missed(3)  # the poll with the display was lost on the way
    link.poll(3)
    assert link.data_to_send() == encode_frame(3, 0, Cmd.POLL)
    link.receive_data(encode_frame(3, 0, Cmd.IDLE))  # the old display: send it again
    assert link.keypads[3].version is None
    link.poll(3)
    assert link.data_to_send() == encode_frame(3, 0, Cmd.POLL, show_payload(tag, A023))


def test_an_offline_keypad_is_polled_without_its_display() -> None:
    link = HostLink([3])
    link.set_display(3, A023)
    link.poll(3)
    assert link.data_to_send() == encode_frame(3, 0, Cmd.POLL)
    assert link.keypads[3].dirty


def test_waiting_counts_alone_go_out_sparingly_and_numbers_at_once() -> None:
    """A call changes the waiting count on many keypads: those updates take turns, at
    most one per `waiting_every_polls` polls on the line and one per keypad every 2 s;
    a new number is never held back."""
    addresses = [1, 2, 3, 4]
    link = _online(*addresses)
    link.waiting_every_polls = 3
    for a in addresses:
        link.set_display(a, A023)
    for a in addresses:  # the first displays: new numbers, all at once
        link.poll(a, now=0.0, waiting_every_s=2.0)
    assert all(f.payload for f in FrameDecoder().feed(link.data_to_send()))
    for a in addresses:
        link.set_display(a, Display("A023", 4, Led.ON))
    carried = []
    for n in range(12):
        a = addresses[n % 4]
        link.poll(a, now=2.0 + n * 0.01, waiting_every_s=2.0)
        if FrameDecoder().feed(link.data_to_send())[0].payload:
            carried.append(n)
    assert carried == [0, 3, 6, 9]  # keypads 1, 4, 3, 2 in turn, one poll in 3
    for a in addresses:
        link.set_display(a, Display("A023", 3, Led.ON))
    link.poll(1, now=2.5, waiting_every_s=2.0)  # keypad 1 had its count 0.5 s ago
    assert link.data_to_send() == encode_frame(1, 0, Cmd.POLL)
    link.set_display(1, Display("A024", 3, Led.ON))
    link.poll(1, now=2.6, waiting_every_s=2.0)
    assert FrameDecoder().feed(link.data_to_send())[0].payload.endswith(b"A024")


def test_missed_polls_take_a_keypad_offline() -> None:
    link = HostLink([3], offline_after=3)
    link.receive_data(encode_frame(3, 0, Cmd.IDLE))
    assert link.keypads[3].online
    link.missed(3)
    link.missed(3)
    assert link.keypads[3].online
    link.missed(3)
    assert not link.keypads[3].online
