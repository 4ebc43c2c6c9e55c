"""Wired call keypads: protocol v2 (firmware_notes/keypad-protocol.md).

frames.py    pure: the frame, its CRC codec and payloads, the protocol's numbers
host.py      pure: the host's end of a line (HostLink): presses, displays, poll schedule
keypad.py    pure: the keypad's end (KeypadDevice), as its firmware runs it
adapter.py   one line on a serial port: polls an RS-485 bus or listens point-to-point
service.py   the centre's keypad lines: presses become commands, displays follow
emulator.py  keypads behind a pseudo-terminal, paced at the baud rate
sim.py       `queue-server keypad-sim`: press keys on a demo keypad from a terminal
"""
