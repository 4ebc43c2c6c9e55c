"""Device libraries: one folder per kind of hardware, none of them knows the queue.

Each kind has a sans-I/O protocol module (bytes in, facts out), asyncio adapters
that own the ports and sockets, and an emulator speaking the same bytes for tests
and the demo.  Nothing here imports `queue_server`: the glue that turns a key press
into a queue command, or a committed call into a display, is the server's
(`queue_server/integrations/`).  `make lint` enforces it.
"""
