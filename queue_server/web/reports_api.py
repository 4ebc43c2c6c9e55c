"""The day's report for the centre's head: JSON for the admin page, CSV for a spreadsheet."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web

from ..reports import DayReport, UnknownDay, day_report
from ..reports.spreadsheet import LANGUAGES as CSV_LANGUAGES
from .auth import MANAGERS, allow
from .context import CENTRE
from .errors import ApiError, json_response

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]")
_ROWS = ("tickets", "staff")
T = TypeVar("T")


@allow(MANAGERS)
async def daily_report(request: web.Request) -> web.Response:
    _, figures = await _report(request, DayReport.result)
    return json_response(figures)


@allow(MANAGERS)
async def daily_report_csv(request: web.Request) -> web.Response:
    """`?lang=vi|en|ar` (default: the centre's): the header's words, the separator and
    the decimal mark a spreadsheet in that language expects (reports/spreadsheet.py).
    `?rows=tickets` (default): one row per ticket; `?rows=staff`: one per person."""
    lang = request.query.get("lang") or None
    if lang is not None and lang not in CSV_LANGUAGES:
        raise ApiError(400, "invalid_lang", f"lang: one of {', '.join(CSV_LANGUAGES)}")
    rows = request.query.get("rows") or "tickets"
    if rows not in _ROWS:
        raise ApiError(400, "invalid_rows", f"rows: one of {', '.join(_ROWS)}")
    if rows == "staff":
        day, text = await _report(request, lambda report: report.staff_csv(lang))
    else:
        day, text = await _report(request, lambda report: report.csv(lang))
    centre = request.app[CENTRE].config.centre.id
    suffix = "-staff" if rows == "staff" else ""
    name = _UNSAFE_IN_NAME.sub("_", f"{centre}-{day}{suffix}.csv")  # a plain name in a header
    return web.Response(
        body=text.encode(),  # with its byte-order mark: spreadsheets read it as UTF-8
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _report(request: web.Request, shape: Callable[[DayReport], T]) -> tuple[str, T]:
    """The day asked for (`?day=YYYY-MM-DD`, default the latest), read and shaped on a
    thread: a whole day of events is decoded, and the loop keeps serving meanwhile."""
    day = request.query.get("day") or None
    if day is not None and not _DAY.fullmatch(day):
        raise ApiError(400, "invalid_day", f"day: expected YYYY-MM-DD, got {day!r}")
    centre = request.app[CENTRE]

    def build() -> tuple[str, T]:
        report = day_report(centre.log.path, centre.config, day)
        return report.day, shape(report)

    try:
        return await asyncio.to_thread(build)
    except UnknownDay as exc:
        held = ", ".join(exc.days[:7]) or "none yet"
        raise ApiError(404, "unknown_day", f"{exc}; days held, newest first: {held}") from None
