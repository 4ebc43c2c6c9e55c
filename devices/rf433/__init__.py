"""433 MHz call buttons through a serial receiver (firmware_notes/rf433.md).

protocol.py  pure: Sonoff RF Bridge and FD...DF frame decoders, the repeat filter
emulator.py  a receiver behind a pseudo-terminal
"""
