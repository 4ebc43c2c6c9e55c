"""The keypad's own end, alone and talking with the host's end."""

from __future__ import annotations

from devices.keypad.frames import Cmd, Display, Frame, FrameDecoder, Led, NakReason, show_payload
from devices.keypad.host import Hello, HostLink, Press
from devices.keypad.keypad import KeypadDevice

A023 = Display("A023", 5, Led.ON)


def test_a_keypad_takes_the_display_from_its_poll_and_answers_with_its_tag() -> None:
    keypad = KeypadDevice(3, polled=True)
    keypad.receive_frame(Frame(3, 0, Cmd.SHOW, show_payload(1, Display())))  # HELLO answered
    keypad.receive_frame(Frame(3, 0, Cmd.POLL, show_payload(9, A023)))
    assert (keypad.tag, keypad.display) == (9, A023)
    assert keypad.reply_to_poll(0.0) == Frame(3, 9, Cmd.IDLE)
    old = KeypadDevice(3, polled=True, version=1)
    old.receive_frame(Frame(3, 0, Cmd.SHOW, show_payload(1, Display())))
    old.receive_frame(Frame(3, 0, Cmd.POLL, show_payload(9, A023)))
    assert old.reply_to_poll(0.0) == Frame(3, 1, Cmd.IDLE)


def test_a_display_in_a_poll_does_not_answer_a_hello() -> None:
    keypad = KeypadDevice(3, polled=True)
    keypad.receive_frame(Frame(3, 0, Cmd.POLL, show_payload(9, A023)))
    assert keypad.reply_to_poll(0.0) == Frame(3, 0, Cmd.HELLO, b"\x02\x01")


def test_a_keypad_refused_by_a_version_1_host_speaks_version_1() -> None:
    keypad = KeypadDevice(3, polled=True)
    assert keypad.reply_to_poll(0.0).payload[0] == 2
    keypad.receive_frame(Frame(3, 0, Cmd.NAK, bytes((NakReason.UNSUPPORTED_VERSION,))))
    assert keypad.reply_to_poll(0.1) == Frame(3, 0, Cmd.HELLO, b"\x01\x01")
    host = HostLink([3])
    host.receive_data(keypad.reply_to_poll(0.2).encode())
    assert Hello(3, 1, 1) in host.events_received()
    assert host.keypads[3].version == 1


# ---------------------------------------------------------------------- both ends


def _exchange(host: HostLink, keypad: KeypadDevice, now: float, drop_answer: bool = False) -> None:
    host.poll(keypad.address)
    for frame in FrameDecoder().feed(host.data_to_send()):
        if frame.command == Cmd.POLL:
            host.receive_data(keypad.reply_to_poll(now).encode())
    for event in host.events_received():
        if isinstance(event, Press):
            host.answer(event.address, event.seq, None)
    data = host.data_to_send()
    if not drop_answer:
        for frame in FrameDecoder().feed(data):
            keypad.receive_frame(frame)


def test_polled_keypad_hello_press_answer_and_lost_answer() -> None:
    host = HostLink([3])
    host.set_display(3, Display("A022", 6, Led.ON))
    keypad = KeypadDevice(3, polled=True)
    _exchange(host, keypad, 0.0)  # HELLO, answered with the display
    assert not keypad.hello_pending and keypad.display.text == "A022"
    keypad.press(Cmd.NEXT)
    _exchange(host, keypad, 0.1, drop_answer=True)
    assert keypad.busy and not keypad.answers
    _exchange(host, keypad, 0.2)  # the same press again
    assert [a.seq for a in keypad.answers] == [1]
    assert host.keypads[3].presses == 1 and host.keypads[3].duplicates == 1


def test_p2p_keypad_retries_on_its_own_clock() -> None:
    keypad = KeypadDevice(3, polled=False, retry_s=0.3, heartbeat_s=5.0)
    assert keypad.due(0.0) == Frame(3, 0, Cmd.HELLO, b"\x02\x01")
    assert keypad.due(0.1) is None
    keypad.receive_frame(Frame(3, 0, Cmd.SHOW, show_payload(1, Display("", 0))))
    keypad.press(Cmd.RECALL)
    assert keypad.due(0.2) == Frame(3, 1, Cmd.RECALL)
    assert keypad.due(0.3) is None
    assert keypad.due(0.55) == Frame(3, 1, Cmd.RECALL)
    keypad.receive_frame(Frame(3, 1, Cmd.ERROR, b"\x04"))
    assert keypad.pending is None and keypad.error == 4
    assert keypad.due(1.0) is None
    assert keypad.due(5.6) == Frame(3, 1, Cmd.IDLE)
