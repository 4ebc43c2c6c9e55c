"""The glue between the device libraries (`devices/`) and the queue.

Each kind of device has a folder here with its part of the centre's config (schema and
checks), the component the composition root (`app.py`) starts, and its tools (the
demo's emulators, CLI commands).  A key press becomes an engine command through
`counters.press`; a counter's display follows the dispatcher through `CounterWatch`.

escpos/    the centre's printers: kiosk routing, backups, printed/failed events
keypad/    keypad lines: presses become commands, displays follow; the demo's keypads
rf433/     radio call buttons: codes bound to counter keys, learn mode
modbus/    LED signs wired to the server, following their counters
lines.py   every serial line as one component;  lines_config.py  their config
"""
