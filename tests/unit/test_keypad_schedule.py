"""The host link's schedule, with time passed in: no pty, no clock, no sleeps.

Each test drives `HostLink` as the adapter does: `tick(now)` when `next_deadline()` has
come, `data_to_send(now)` written at once, keypad replies fed with `receive_data`.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from devices.keypad.frames import Cmd, Display, Frame, FrameDecoder, Led, encode_frame
from devices.keypad.host import (
    IDLE_AFTER_S,
    IDLE_CYCLE_S,
    OFFLINE_PROBE_S,
    P2P_IDLE_EXPIRE_S,
    REPLY_MARGIN_S,
    HostLink,
    Press,
)

TURNAROUND_S = 0.0005


def step(link: HostLink, now: float) -> list[Frame]:
    """What the adapter does at `now`: tick when due, then write what the link wants."""
    due = link.next_deadline()
    if due is not None and due <= now:
        link.tick(now)
    return FrameDecoder().feed(link.data_to_send(now))


def polled(frames: list[Frame]) -> list[int]:
    return [f.address for f in frames if f.command == Cmd.POLL]


def bus(*addresses: int, baud: int = 115200, offline_after: int = 3) -> HostLink:
    link = HostLink(list(addresses), offline_after=offline_after, baud=baud)
    link.line_opened(0.0)
    return link


def run_bus(
    link: HostLink,
    answering: set[int],
    until: float,
    press: tuple[int, float] | None = None,
) -> list[tuple[float, int]]:
    """Keypads in `answering` reply IDLE as soon as the poll is through the wire; the
    others never do; with `press` (address, time), that keypad answers its first poll
    from then on with a NEXT.  Returns (time, address) of every poll written."""
    polls: list[tuple[float, int]] = []
    now = 0.0
    while now < until:
        due = link.next_deadline()
        assert due is not None
        now = max(now, due)
        link.tick(now)
        data = link.data_to_send(now)
        frames = FrameDecoder().feed(data)
        polls += [(now, a) for a in polled(frames)]
        heard = [a for a in polled(frames) if a in answering]
        if heard:
            now += (len(data) + 7) * link.byte_s + TURNAROUND_S
            if press is not None and heard[0] == press[0] and now >= press[1]:
                link.receive_data(encode_frame(heard[0], 1, Cmd.NEXT), now)
                press = None
            else:
                link.receive_data(encode_frame(heard[0], 0, Cmd.IDLE), now)
    return polls


# ---------------------------------------------------------------------- RS-485


def test_an_idle_bus_polls_each_keypad_a_few_times_a_second_and_wakes_on_a_press() -> None:
    """Nobody pressed for IDLE_AFTER_S: cycles start IDLE_CYCLE_S apart instead of back to
    back (a quiet bus no longer costs the host a poll every millisecond); a press puts
    the bus back to full speed at once."""
    link = bus(1, 2, 3)
    press_at = IDLE_AFTER_S + 3.0
    polls = run_bus(link, {1, 2, 3}, press_at + IDLE_CYCLE_S + 0.1, press=(1, press_at))
    starts = [t for t, a in polls if a == 1]
    busy = [b - a for a, b in pairwise(t for t in starts if t < IDLE_AFTER_S - 0.1)]
    idle = [b - a for a, b in pairwise(t for t in starts if IDLE_AFTER_S + 0.6 < t < press_at)]
    woken = [b - a for a, b in pairwise(t for t in starts if t > press_at)]
    assert max(busy) < 0.01  # back to back while active
    assert idle and min(idle) >= IDLE_CYCLE_S - 1e-9
    assert max(idle) < IDLE_CYCLE_S + 0.01
    assert woken and max(woken) < 0.01  # the press woke it


def test_a_display_to_send_wakes_an_idle_bus() -> None:
    link = bus(1, 2)
    polls = run_bus(link, {1, 2}, IDLE_AFTER_S + 2.0)
    idle_since = polls[-1][0]
    link.set_display(2, Display("A001", 3, Led.ON))
    assert (link.next_deadline() or 0) - idle_since < IDLE_CYCLE_S


def test_a_cycle_polls_the_online_keypads_in_order() -> None:
    link = bus(1, 2, 3)
    seen: list[int] = []
    now = 0.0
    for n in range(6):
        frames = step(link, now)
        assert len(frames) == 1
        seen += polled(frames)
        now += 0.001
        link.receive_data(encode_frame(seen[-1], 0, Cmd.IDLE), now)
        assert link.cycles == (n + 1) // 3  # a cycle counts when its last reply is in
    assert seen == [1, 2, 3, 1, 2, 3]
    assert link.last_cycle_s == pytest.approx(0.003)
    assert link.keypads_online() == 3
    assert link.polls == 6 and link.timeouts == 0


def test_an_offline_keypad_is_probed_at_most_once_per_probe_interval() -> None:
    link = bus(1, 2, 3, 4)
    polls = run_bus(link, answering={1}, until=2.0)
    silent = [(t, a) for t, a in polls if a != 1]
    first, probes = silent[:9], silent[9:]  # three misses each take them offline
    assert sorted(a for _, a in first) == [2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert {a for _, a in probes} == {2, 3, 4}  # each is probed, in turn
    times = [t for t, _ in probes]
    assert all(b - a >= OFFLINE_PROBE_S for a, b in pairwise(times))
    assert len(probes) >= 6  # ... and not starved: about one per interval
    assert sum(1 for _, a in polls if a == 1) > 10 * len(probes)  # keypad 1 keeps its pace


def test_a_reply_deadline_counts_from_when_the_written_bytes_are_through_the_wire() -> None:
    link = bus(1, 2, baud=9600)
    step(link, 0.0)  # poll 1
    link.receive_data(encode_frame(1, 1, Cmd.NEXT), 0.02)  # its reply: a press
    (press,) = [e for e in link.events_received() if isinstance(e, Press)]
    assert polled(step(link, 0.02)) == [2]
    link.answer(press.address, press.seq, None)  # ready while keypad 2 may talk
    assert step(link, 0.021) == []
    link.receive_data(encode_frame(2, 0, Cmd.IDLE), 0.04)
    link.tick(0.04)
    data = link.data_to_send(0.04)
    assert [f.command for f in FrameDecoder().feed(data)] == [Cmd.SHOW, Cmd.POLL]
    deadline = 0.04 + len(data) * link.byte_s + link.reply_timeout_s
    assert link.next_deadline() == pytest.approx(deadline)
    assert step(link, deadline - 0.0001) == []  # still keypad 1's time
    assert link.timeouts == 0
    assert polled(step(link, deadline)) == [2]  # given up: the next keypad
    assert link.timeouts == 1


def test_a_long_reply_that_has_begun_is_given_its_time_once() -> None:
    link = bus(1, baud=9600)
    step(link, 0.0)
    first = link.next_deadline()
    assert first is not None
    transfer = encode_frame(1, 1, Cmd.TRANSFER, b"ABCDEFGHIJKLMNOP")  # 23 bytes, 24 ms
    link.receive_data(transfer[:5], first - 0.001)
    assert step(link, first) == []  # begun: not given up
    extended = first + (len(transfer) - 5) * link.byte_s + REPLY_MARGIN_S
    assert link.next_deadline() == pytest.approx(extended)
    link.receive_data(transfer[5:], extended - 0.001)
    assert Press(1, 1, Cmd.TRANSFER, "ABCDEFGHIJKLMNOP") in link.events_received()
    assert link.timeouts == 0
    # Once only: a reply that stalls after its extension is given up.
    step(link, extended)
    second = link.next_deadline()
    assert second is not None
    link.receive_data(transfer[:5], second - 0.001)
    step(link, second)
    again = link.next_deadline()
    assert again is not None
    link.receive_data(transfer[5:10], again - 0.001)
    assert polled(step(link, again)) == [1]
    assert link.timeouts == 1


def test_missed_replies_take_a_keypad_offline_after_offline_after_polls() -> None:
    link = bus(1, offline_after=3)
    step(link, 0.0)
    link.receive_data(encode_frame(1, 0, Cmd.IDLE), 0.001)
    assert link.keypads_online() == 1
    now = 0.001
    for miss in (1, 2, 3):
        step(link, now)  # the poll
        due = link.next_deadline()
        assert due is not None
        now = due
        link.tick(now)
        assert link.timeouts == miss
        assert link.keypads[1].online == (miss < 3)
    assert link.keypads_online() == 0
    # Offline, it is only probed: one probe now, then none until the probe interval.
    probed = now
    assert polled(step(link, probed)) == [1]
    due = link.next_deadline()
    assert due is not None
    assert step(link, due) == [] and link.timeouts == 4
    assert link.next_deadline() == pytest.approx(probed + OFFLINE_PROBE_S)


def test_a_press_answer_is_never_written_while_a_keypad_may_talk() -> None:
    link = bus(1, 2)
    step(link, 0.0)
    link.receive_data(encode_frame(1, 7, Cmd.NEXT), 0.001)
    assert polled(step(link, 0.001)) == [2]
    link.answer(1, 7, 3)  # the press is refused while keypad 2 has the bus
    assert step(link, 0.0015) == []
    due = link.next_deadline()
    assert due is not None
    frames = step(link, due)  # keypad 2 never answered: its time is up, then ours
    assert [(f.address, f.command, f.seq) for f in frames] == [
        (1, Cmd.ERROR, 7),
        (1, Cmd.POLL, 0),
    ]


def test_a_closed_line_has_nothing_due_and_drops_the_poll_in_flight() -> None:
    link = HostLink([1])
    assert link.next_deadline() is None
    link.line_opened(5.0)
    assert polled(step(link, 5.0)) == [1]
    link.line_closed()
    assert link.next_deadline() is None
    assert (link.timeouts, link.data_to_send(6.0)) == (0, b"")
    link.line_opened(7.0)
    assert polled(step(link, 7.0)) == [1]


# ---------------------------------------------------------------------- point-to-point


def usb(baud: int = 9600) -> HostLink:
    link = HostLink([7], mode="p2p", baud=baud)
    link.line_opened(0.0)
    return link


def test_p2p_a_burst_of_display_changes_while_the_wire_is_busy_is_one_show() -> None:
    link = usb()
    link.set_display(7, Display("A001", 0, Led.ON))
    (first,) = step(link, 0.0)
    busy_until = first.wire_bytes * link.byte_s  # 15.6 ms at 9600 baud
    for n in range(1, 11):
        link.set_display(7, Display("A001", n, Led.ON))
        assert step(link, n * 0.001) == []
    assert link.next_deadline() == pytest.approx(busy_until)
    (show,) = step(link, busy_until)
    assert show.command == Cmd.SHOW and show.payload[2] == 10  # the count as it is now
    assert link.next_deadline() is None


def test_p2p_a_display_waits_for_the_answer_of_the_press_being_executed() -> None:
    link = usb(115200)
    link.receive_data(encode_frame(7, 1, Cmd.NEXT), 1.0)
    assert Press(7, 1, Cmd.NEXT) in link.events_received()
    link.set_display(7, Display("A002", 3, Led.ON))
    assert step(link, 1.001) == []  # the answer will carry it
    assert link.next_deadline() is None
    link.answer(7, 1, None)
    (answer,) = step(link, 1.002)
    assert (answer.command, answer.seq, answer.payload[4:]) == (Cmd.SHOW, 1, b"A002")
    assert step(link, 1.01) == []  # not sent twice


def test_p2p_a_partial_frame_expires_when_the_line_is_idle() -> None:
    link = usb(115200)
    inner = encode_frame(7, 2, Cmd.NEXT)
    link.receive_data(bytes.fromhex("A5 07 00 01 20") + inner, 2.0)  # waits for 32 bytes
    assert link.events_received() == []
    assert link.next_deadline() == pytest.approx(2.0 + P2P_IDLE_EXPIRE_S)
    step(link, 2.0 + P2P_IDLE_EXPIRE_S - 0.001)
    assert link.events_received() == []
    step(link, 2.0 + P2P_IDLE_EXPIRE_S)
    assert Press(7, 2, Cmd.NEXT) in link.events_received()


def test_a_missed_reply_costs_one_poll_interval_even_after_replies_faster_than_the_wire() -> None:
    """Replies that arrive sooner than a real 9600 baud wire could carry them (an emulator,
    a converter with a buffer) must not push the link's idea of when the wire is free
    ahead of the clock: after one missed reply, the next poll goes out within one poll
    interval (the poll's wire time, the reply timeout and the margin)."""
    link = bus(1, 2, 3, baud=9600)
    now = 0.0
    for _ in range(3000):  # each reply arrives 0.1 ms after its poll was written
        now = max(now, link.next_deadline() or now)
        link.tick(now)
        frames = FrameDecoder().feed(link.data_to_send(now))
        (address,) = polled(frames)
        now += 0.0001
        link.receive_data(encode_frame(address, 0, Cmd.IDLE), now)
    now = max(now, link.next_deadline() or now)
    link.tick(now)
    assert polled(FrameDecoder().feed(link.data_to_send(now)))  # this one goes unanswered
    missed_at = now
    interval = 14 * link.byte_s + link.reply_timeout_s + REPLY_MARGIN_S
    while True:
        now = link.next_deadline() or now
        link.tick(now)
        if polled(FrameDecoder().feed(link.data_to_send(now))):
            break
    assert now - missed_at <= interval, f"stalled {now - missed_at:.3f} s"


def test_p2p_a_keypad_that_shows_another_display_gets_its_own_again() -> None:
    """A USB keypad rebooted (or lost a SHOW in a glitch): its IDLE heartbeat carries the
    tag of what it shows, and a stale tag brings the current display back at once, as on
    a bus (it used to wait for the next change of the counter, maybe an hour)."""
    link = usb(115200)
    link.set_display(7, Display("A005", 2, Led.ON))
    (show,) = step(link, 0.0)
    tag = show.payload[0]
    link.receive_data(encode_frame(7, tag, Cmd.IDLE), 1.0)
    assert step(link, 1.0) == []  # it shows what it should: nothing to send
    link.receive_data(encode_frame(7, 0, Cmd.IDLE), 2.0)  # rebooted: shows nothing
    assert link.next_deadline() is not None
    (again,) = step(link, link.next_deadline() or 2.0)
    assert (again.command, again.payload[4:]) == (Cmd.SHOW, b"A005")
