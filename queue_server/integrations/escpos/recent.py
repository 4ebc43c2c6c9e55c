"""The last tickets the printers were given, for the admin page: what, where, when, and
the very image sent.

Kept in memory only (a few dozen, newest replacing the oldest): the event log already
holds every `TicketPrinted`/`TicketPrintFailed`; this adds the picture, so an IT officer
can see what came out of the printer without walking to the kiosk.

The image costs nothing on the ticket's path: the strips the render worker drew (and
the encoder sent) are kept as they are; they are stacked and PNG-encoded on another
thread the first time someone asks for them, and the PNG is kept.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

from PIL import Image

from devices.escpos.render import Strip, stack

from ...views import iso_time

log = logging.getLogger(__name__)

KEEP = 20
"""How many tickets the admin page can look back on."""
RENDER_WAIT_S = 5.0
"""How long an image request waits for a render still running (a failed print's)."""


class RecentTicket:
    """One ticket handed to the printers: the outcome, and the image drawn for it."""

    __slots__ = (
        "_job",
        "_png",
        "_strips",
        "at",
        "id",
        "kiosk",
        "lang",
        "number",
        "paper_mm",
        "printer",
        "printers_tried",
        "reason",
        "service",
        "status",
        "ticket",
    )

    def __init__(
        self,
        record: int,
        *,
        ticket: int,
        number: str,
        service: str,
        lang: str,
        kiosk: str,
        at: float,
        status: Literal["printed", "failed"],
        printer: str | None,
        printers_tried: Sequence[str],
        reason: str,
        paper_mm: int | None,
        job: asyncio.Future[bytes] | None,
        strips: list[Strip] | None,
    ) -> None:
        self.id, self.ticket, self.number, self.service = record, ticket, number, service
        self.lang, self.kiosk, self.at, self.status = lang, kiosk, at, status
        self.printer, self.printers_tried, self.reason = printer, list(printers_tried), reason
        self.paper_mm = paper_mm
        self._job = job
        """The render that filled `_strips`: done for a printed ticket, maybe not for a failed one."""
        self._strips = strips
        self._png: bytes | None = None

    @property
    def has_image(self) -> bool:
        job = self._job
        if job is None:
            return False
        return not job.done() or (not job.cancelled() and job.exception() is None)

    async def png(self) -> bytes | None:
        """The ticket's image as PNG (encoded once, off the event loop); None if never drawn."""
        if self._png is not None:
            return self._png
        job, strips = self._job, self._strips
        if job is None or strips is None:
            return None
        if not job.done():
            try:
                async with asyncio.timeout(RENDER_WAIT_S):
                    await asyncio.shield(job)
            except Exception:
                return None
        if job.cancelled() or job.exception() is not None or not strips:
            return None
        self._png = await asyncio.to_thread(encode_png, strips)
        self._strips = None  # the PNG is all that is needed now
        return self._png

    def view(self, zone: ZoneInfo, image_url: str) -> dict[str, Any]:
        """As the API lists it; `image_url` is where its PNG is served."""
        return {
            "id": self.id,
            "ticket": self.ticket,
            "number": self.number,
            "service": self.service,
            "lang": self.lang,
            "kiosk": self.kiosk,
            "status": self.status,
            "printer": self.printer,
            "printers_tried": self.printers_tried,
            "reason": self.reason,
            "at": iso_time(self.at, zone),
            "paper_mm": self.paper_mm,
            "image_url": image_url if self.has_image else None,
        }


def encode_png(strips: Sequence[Strip]) -> bytes:
    """The strips one under another, as the printer lays them, as a 1-bit PNG."""
    image: Image.Image = stack(strips)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


class RecentTickets:
    """The last `keep` tickets handed to the printers, newest first on request."""

    def __init__(self, keep: int | None = None) -> None:
        self._tickets: deque[RecentTicket] = deque(maxlen=KEEP if keep is None else keep)
        self._ids = itertools.count(1)

    def add(self, **fields: Any) -> RecentTicket:
        ticket = RecentTicket(next(self._ids), **fields)
        self._tickets.append(ticket)
        return ticket

    def newest_first(self) -> list[RecentTicket]:
        return list(reversed(self._tickets))

    def get(self, record: int) -> RecentTicket | None:
        for ticket in self._tickets:
            if ticket.id == record:
                return ticket
        return None
