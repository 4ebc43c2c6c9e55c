"""Modbus RTU LED displays (firmware_notes/modbus-displays.md).

protocol.py  pure: FC16 requests, answers, text in registers
adapter.py   one RS-485 line: one request at a time, latest text wins, rewrite on return
displays.py  displays by counter, their register maps; the shapes of their settings
"""
