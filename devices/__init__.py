"""Hardware around the queue: one folder per kind of device.

Each kind has a sans-I/O protocol module (bytes in, facts out), asyncio adapters
that own the ports and sockets, and an emulator speaking the same bytes for tests
and the demo.  Devices know the engine; the engine knows none of them.
"""
