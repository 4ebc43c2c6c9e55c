"""The centre's keypad lines, built on devices/keypad.

service.py  presses become counter commands; keypads' displays follow their counters
sim.py      the demo's keypads and `queue-server keypad-sim`
"""
