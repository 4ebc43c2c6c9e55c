"""The centre's ticket printers, built on devices/escpos.

config.py   `[[devices.printers]]` and `[[devices.kiosks]]`: schema and checks
service.py  kiosk routing, backups, polling, TicketPrinted/TicketPrintFailed events
recent.py   the last tickets as printed, for the admin page
demo.py     emulators for the demo's printers;  cli.py  `queue-server print-test`
"""
