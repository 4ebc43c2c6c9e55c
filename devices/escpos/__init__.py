"""Ticket printers speaking ESC/POS: render, encode, send, watch, emulate.

render.py    the ticket laid out with Pillow (raqm shaping for Vietnamese and Arabic)
protocol.py  pure: job bytes via python-escpos, DLE EOT status bytes parsed
address.py   pure: a printer's url
adapters.py  connections: TCP 9100, serial, USB, file, CUPS
driver.py    one printer: one job at a time, status before and after each job
emulator.py  a fake network printer that decodes what it receives
The centre's printers (kiosk routing, backups, events) are queue_server/integrations/escpos.
See firmware_notes/printers.md.
"""
