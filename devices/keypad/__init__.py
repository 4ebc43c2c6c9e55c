"""Wired call keypads: protocol v2 (firmware_notes/keypad-protocol.md).

protocol.py  pure: frames, CRC, the host's and the keypad's link state machines
adapter.py   one line on a serial port: polls an RS-485 bus or listens point-to-point
service.py   the centre's keypad lines: presses become commands, displays follow
emulator.py  keypads behind a pseudo-terminal, paced at the baud rate
sim.py       `queue-server keypad-sim`: press keys on a demo keypad from a terminal
"""
