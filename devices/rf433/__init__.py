"""433 MHz call buttons through a serial receiver (firmware_notes/rf433.md).

protocol.py  pure: Sonoff RF Bridge and FD...DF frame decoders, the repeat filter
service.py   receivers on serial lines; codes bound to counter keys; learn mode
emulator.py  a receiver behind a pseudo-terminal
"""
