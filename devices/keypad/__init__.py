"""Wired call keypads: protocol v2 (firmware_notes/keypad-protocol.md).

frames.py    pure: the frame, its CRC codec and payloads, the protocol's numbers
host.py      pure: the host's end of a line (HostLink): presses, displays, poll schedule
keypad.py    pure: the keypad's end (KeypadDevice), as its firmware runs it
adapter.py   one line on a serial port: reads, writes and sleeps for its HostLink
emulator.py  keypads behind a pseudo-terminal, paced at the baud rate
The centre's keypad lines (presses become commands, displays follow) and the demo's
keypads are queue_server/integrations/keypad.
"""
