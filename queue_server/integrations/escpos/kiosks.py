"""Whether each kiosk can print, as a device state the kiosk's page and the staff follow.

A kiosk whose printers are all down must not go on handing out tickets that only live
on its screen (an elderly citizen without a phone leaves with nothing): its page shows
"out of order, please ask at the reception desk", and the staff see which kiosk it is.
A printer not asked yet counts as working: a kiosk is out of order only on the
printers' own word.  Pure: printers' statuses in, device views out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from devices.escpos.protocol import PrinterState, PrinterStatus

from .config import Kiosk


def is_down(status: PrinterStatus) -> bool:
    return status.state is not PrinterState.UNKNOWN and not status.printable


def kiosk_view(kiosk: Kiosk, statuses: Mapping[str, PrinterStatus]) -> dict[str, Any]:
    """A kiosk as a device (kind "kiosk"): `up` while one of its printers may print."""
    down = all(is_down(statuses[name]) for name in kiosk.printers)
    return {
        "name": f"kiosk:{kiosk.name}",
        "kind": "kiosk",
        "kiosk": kiosk.name,
        "state": "out_of_order" if down else "ready",
        "up": not down,
        "detail": "; ".join(f"{n}: {statuses[n].describe()}" for n in kiosk.printers)
        if down
        else "",
        "printers": list(kiosk.printers),
        "screen_tickets": kiosk.screen_ticket_when_printers_down,
    }


class KioskStates:
    """The kiosks' views as the printers change; says which views changed."""

    def __init__(self, kiosks: Sequence[Kiosk]) -> None:
        self.kiosks = {k.name: k for k in kiosks}
        self._last: dict[str, dict[str, Any]] = {}

    def views(self, statuses: Mapping[str, PrinterStatus]) -> list[dict[str, Any]]:
        views = [kiosk_view(k, statuses) for k in self.kiosks.values()]
        self._last = {view["kiosk"]: view for view in views}
        return views

    def changed(self, statuses: Mapping[str, PrinterStatus]) -> list[dict[str, Any]]:
        before = self._last
        return [view for view in self.views(statuses) if before.get(view["kiosk"]) != view]

    def refuses_tickets(self, kiosk: str, statuses: Mapping[str, PrinterStatus]) -> bool:
        """No printer of the kiosk can print and it may not show tickets on screen instead."""
        config = self.kiosks.get(kiosk)
        if config is None or config.screen_ticket_when_printers_down:
            return False
        return not kiosk_view(config, statuses)["up"]
