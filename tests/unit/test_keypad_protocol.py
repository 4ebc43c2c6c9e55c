"""Keypad protocol v2: the frames and CRC vectors of firmware_notes/keypad-protocol.md,
read from the document itself, and the host's and keypad's state machines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devices.crc import check_crc, crc16_modbus, with_crc
from devices.keypad.protocol import (
    Cmd,
    Display,
    Frame,
    FrameDecoder,
    Heard,
    Hello,
    HostLink,
    KeypadDevice,
    Led,
    NakReason,
    Press,
    encode_frame,
    parse_show,
    show_payload,
)

A023 = Display("A023", 5, Led.ON)

NOTES = Path(__file__).resolve().parents[2] / "firmware_notes" / "keypad-protocol.md"


def _table(heading: str) -> list[list[str]]:
    """The rows of the markdown table under a heading, as cells (header row dropped)."""
    text = NOTES.read_text(encoding="utf-8")
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not line.startswith("| ---"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows[1:]


def _hex(cell: str) -> bytes:
    return bytes.fromhex(re.sub(r"\(.*?\)", "", cell).replace("`", ""))


FRAMES = _table("## Frames on the wire")
CRC_VECTORS = _table("### CRC test vectors")


def test_the_notes_have_the_vectors() -> None:
    assert len(FRAMES) >= 14
    assert len(CRC_VECTORS) >= 4


@pytest.mark.parametrize("row", FRAMES, ids=[r[0] for r in FRAMES])
def test_frames_from_the_notes_decode_and_encode(row: list[str]) -> None:
    _name, address, seq, command, payload, wire = row
    data = _hex(wire)
    frames = FrameDecoder().feed(data)
    assert frames == [
        Frame(int(address, 16), int(seq, 16), int(command, 16), bytes.fromhex(payload))
    ]
    assert frames[0].encode() == data
    assert check_crc(data[1:])


@pytest.mark.parametrize("row", CRC_VECTORS, ids=[r[0] for r in CRC_VECTORS])
def test_crc_vectors_from_the_notes(row: list[str]) -> None:
    data, crc, wire = _hex(row[0]), int(row[1], 16), _hex(row[2])
    assert crc16_modbus(data) == crc
    assert with_crc(data)[-2:] == wire


def test_show_payload_round_trips() -> None:
    payload = show_payload(8, Display("A023", 5, Led.ON))
    assert payload == bytes.fromhex("08 01 05 00 41 30 32 33")
    assert parse_show(payload) == (8, Display("A023", 5, Led.ON))
    with pytest.raises(ValueError):
        parse_show(b"\x01\x02")


def test_a_frame_is_found_after_noise_and_a_false_start() -> None:
    decoder = FrameDecoder()
    frame = encode_frame(3, 1, Cmd.NEXT)
    noise = bytes.fromhex("00 FF A5 03 01 01 00 00 00 13")  # a false start: bad CRC
    assert decoder.feed(noise + frame) == [Frame(3, 1, Cmd.NEXT)]
    assert decoder.corrupt == 1


def test_a_frame_split_into_single_bytes_is_found() -> None:
    decoder = FrameDecoder()
    frame = encode_frame(3, 4, Cmd.TRANSFER, b"CT")
    found = [f for byte in frame for f in decoder.feed(bytes((byte,)))]
    assert found == [Frame(3, 4, Cmd.TRANSFER, b"CT")]


def test_an_impossible_length_is_corrupt() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(bytes.fromhex("A5 03 00 01 40") + encode_frame(3, 2, Cmd.NEXT)) == [
        Frame(3, 2, Cmd.NEXT)
    ]
    assert decoder.corrupt == 1


def test_the_decoder_says_how_much_of_a_begun_frame_is_missing() -> None:
    decoder = FrameDecoder()
    assert decoder.missing() == 0
    frame = encode_frame(3, 4, Cmd.TRANSFER, b"CT")
    decoder.feed(frame[:3])
    assert decoder.missing() == 7 + 32 - 3  # the length is not known yet: the longest
    decoder.feed(frame[3:6])
    assert decoder.missing() == len(frame) - 6
    assert decoder.feed(frame[6:]) == [Frame(3, 4, Cmd.TRANSFER, b"CT")]
    assert decoder.missing() == 0


def test_expire_drops_a_partial_frame_and_finds_what_was_inside() -> None:
    decoder = FrameDecoder()
    inner = encode_frame(3, 2, Cmd.NEXT)
    assert decoder.feed(bytes.fromhex("A5 03 00 01 20") + inner) == []  # waiting for 32 bytes
    assert decoder.expire() == [Frame(3, 2, Cmd.NEXT)]
    assert decoder.pending == 0


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


def test_missed_polls_take_a_keypad_offline() -> None:
    link = HostLink([3], offline_after=3)
    link.receive_data(encode_frame(3, 0, Cmd.IDLE))
    assert link.keypads[3].online
    link.missed(3)
    link.missed(3)
    assert link.keypads[3].online
    link.missed(3)
    assert not link.keypads[3].online


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
