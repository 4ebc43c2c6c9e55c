"""The day's report for the centre's head: JSON for the admin page, CSV for a spreadsheet."""

from __future__ import annotations

import asyncio
import csv
import io
import re

from aiohttp import web

from ..reports import DayReport, UnknownDay, day_report
from .auth import MANAGERS, allow
from .errors import ApiError, json_response
from .keys import CENTRE

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@allow(MANAGERS)
async def daily_report(request: web.Request) -> web.Response:
    report = await _report(request)
    return json_response(report.result())


@allow(MANAGERS)
async def daily_report_csv(request: web.Request) -> web.Response:
    report = await _report(request)
    rows = report.rows()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]) if rows else ["number"])
    writer.writeheader()
    writer.writerows(rows)
    centre = request.app[CENTRE].config.centre.id
    return web.Response(
        # With a byte-order mark, spreadsheets read the Vietnamese names as UTF-8.
        body=("\ufeff" + text.getvalue()).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{centre}-{report.day}.csv"'},
    )


async def _report(request: web.Request) -> DayReport:
    """The day asked for (`?day=YYYY-MM-DD`, default the latest), built on a thread: a
    whole day of events is read and decoded, and the loop keeps serving meanwhile."""
    day = request.query.get("day") or None
    if day is not None and not _DAY.fullmatch(day):
        raise ApiError(400, "invalid_day", f"day: expected YYYY-MM-DD, got {day!r}")
    centre = request.app[CENTRE]
    try:
        return await asyncio.to_thread(day_report, centre.log.path, centre.config, day)
    except UnknownDay as exc:
        held = ", ".join(exc.days[:7]) or "none yet"
        raise ApiError(404, "unknown_day", f"{exc}; days held, newest first: {held}") from None
