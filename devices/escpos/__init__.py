"""Ticket printers speaking ESC/POS: render, encode, send, watch, emulate.

render.py    the ticket laid out with Pillow (raqm shaping for Vietnamese and Arabic)
protocol.py  pure: job bytes via python-escpos, DLE EOT status bytes parsed
address.py   pure: a printer's url from the config
adapters.py  connections: TCP 9100, serial, USB, file, CUPS
driver.py    one printer: one job at a time, status before and after each job
service.py   the centre's printers: kiosk routing, backups, polling, events
emulator.py  a fake network printer that decodes what it receives
demo.py      emulators for the demo's printers;  cli.py  `queue-server print-test`
See firmware_notes/printers.md.
"""
