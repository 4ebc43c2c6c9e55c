"""The hall's printers, for a volunteer's tablet, and the last tickets handed to them,
for the admin page (supervisors and admins).

    GET /api/v1/devices/printers                   each printer and whether it can print
    GET /api/v1/devices/printers/tickets           newest first, each with its image's URL
    GET /api/v1/devices/printers/tickets/{id}.png  the image the printer was sent

The images are a ticket's content (number, service, the QR code to its status page):
not cached anywhere (`no-store`), and only for managers.
"""

from __future__ import annotations

from aiohttp import web

from .auth import MANAGERS, PRINTER_PICKERS, allow
from .context import CENTRE
from .errors import ApiError, json_response

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def image_url(record: int) -> str:
    return f"/api/v1/devices/printers/tickets/{record}.png"


@allow(PRINTER_PICKERS)
async def list_printers(request: web.Request) -> web.Response:
    """The tablet offers the printers that can print; one asked now (not cached): a
    volunteer sends a citizen to the printer that will have their ticket."""
    printing = request.app[CENTRE].printers
    views = printing.printer_views() if printing is not None else []
    fields = ("name", "state", "up", "detail", "paper_mm")
    return json_response(
        {"printers": [{k: view[k] for k in fields} for view in views]},
        headers={"Cache-Control": "no-store"},
    )


@allow(MANAGERS)
async def list_printed_tickets(request: web.Request) -> web.Response:
    centre = request.app[CENTRE]
    printing = centre.printers
    recent = printing.recent.newest_first() if printing is not None else []
    zone = centre.config.zone
    return json_response(
        {"tickets": [ticket.view(zone, image_url(ticket.id)) for ticket in recent]},
        headers=NO_STORE,
    )


@allow(MANAGERS)
async def printed_ticket_image(request: web.Request) -> web.Response:
    record = int(request.match_info["id"])
    printing = request.app[CENTRE].printers
    ticket = printing.recent.get(record) if printing is not None else None
    if ticket is None:
        raise ApiError(
            404, "unknown_printed_ticket", f"no printed ticket {record} among the last ones kept"
        )
    png = await ticket.png()
    if png is None:
        raise ApiError(
            404, "no_ticket_image", f"ticket {ticket.number} was not drawn (no printer was tried)"
        )
    return web.Response(body=png, content_type="image/png", headers=NO_STORE)
