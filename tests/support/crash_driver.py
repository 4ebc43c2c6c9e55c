"""A real process that commits commands as fast as it can and reports each acknowledgement.

The crash test kills it with SIGKILL mid-stream.  One JSON line per acknowledged
command is written and flushed only after `Dispatcher.execute` returned, i.e.
after the commit: everything printed must survive the kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import sys

import msgspec

from queue_server.app import Centre
from queue_server.config import City
from queue_server.engine import Actor, CommandRejected
from queue_server.engine import commands as c
from queue_server.engine.events import TicketCalled, TicketIssued

from .centre import example_config

KIOSK = Actor("kiosk", "crash-kiosk")
STAFF = Actor("staff", "crash-staff")


async def drive(db: str, durability: str, city_dsn: str | None = None) -> None:
    config = example_config(db, "full" if durability == "full" else "process")
    if city_dsn:  # the city link test: the shipper runs beside the commits
        config = msgspec.structs.replace(config, city=City(dsn=city_dsn))
    centre = Centre(config)
    await centre.start()
    dispatcher = centre.dispatcher
    out = sys.stdout
    services = [s.code for s in config.services]
    for counter in config.counters:
        with contextlib.suppress(CommandRejected):  # already open from the previous run
            await dispatcher.execute(c.OpenCounter(counter=counter.id), STAFF)
    out.write('{"ready": true}\n')
    out.flush()
    counters = itertools.cycle(config.counter_ids)
    for i in itertools.count():
        if i % 3 == 2:
            command: c.Command = c.CallNext(counter=next(counters))
            actor = STAFF
        else:
            command = c.IssueTicket(
                service=services[i % len(services)],
                priority="elderly" if i % 5 == 0 else None,
                tracking_code=secrets.token_urlsafe(12),
            )
            actor = KIOSK
        try:
            events = await dispatcher.execute(command, actor)
        except CommandRejected:
            continue
        for event in events:
            if isinstance(event, TicketIssued | TicketCalled):
                out.write(msgspec.json.encode(event).decode() + "\n")
        out.flush()


if __name__ == "__main__":
    asyncio.run(drive(*sys.argv[1:4]))
