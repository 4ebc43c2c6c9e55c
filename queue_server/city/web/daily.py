"""Every centre's day side by side: the measures of the centre's own daily report
(reports/daily.py: outcomes, waits, service times, satisfaction), computed by the same
code from the tickets the read model holds, one row per centre.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import psycopg

from ...reports.daily import TicketRecord, ticket_figures, within_target
from ...reports.spreadsheet import DIALECTS

_TICKETS = """
SELECT centre_id, ticket, number, service,
       extract(epoch FROM issued_at)::float8, outcome,
       extract(epoch FROM first_called_at)::float8, extract(epoch FROM began_at)::float8,
       extract(epoch FROM finished_at)::float8, untimed, counter, transfers, rating, reason
  FROM city.tickets
 WHERE day = %s
 ORDER BY centre_id, ticket
"""


async def centres_day(
    db: psycopg.AsyncConnection[Any], day: date, target_minutes: float
) -> list[dict[str, Any]]:
    """Each centre that has sent anything, with its figures for `day` (zeros for none);
    `wait_target` against the city's amber wait (the city does not know each centre's)."""
    cursor = await db.execute("SELECT centre_id FROM city.centres ORDER BY centre_id")
    by_centre: dict[str, list[TicketRecord]] = {c: [] for (c,) in await cursor.fetchall()}
    cursor = await db.execute(_TICKETS, (day,))
    for row in await cursor.fetchall():
        by_centre.setdefault(row[0], []).append(_record(row))
    return [
        {
            "centre_id": centre,
            **ticket_figures(tickets),
            "wait_target": within_target(tickets, target_minutes),
        }
        for centre, tickets in sorted(by_centre.items())
    ]


def _record(row: tuple[Any, ...]) -> TicketRecord:
    (_, ticket, number, service, issued, outcome, called, began, finished) = row[:9]
    untimed, counter, transfers, rating, reason = row[9:]
    return TicketRecord(
        id=int(ticket),
        number=number,
        service=service,
        priority=None,  # not kept by the city (personal data it does not need)
        issued_at=issued,
        lang="",
        outcome=outcome,
        first_called_at=called,
        began_at=began,
        finished_at=finished,
        finished_by_close=bool(untimed),
        counter=counter,
        transfers=int(transfers),
        rating=rating,
        rating_reason=reason,
    )


COLUMNS: dict[str, dict[str, str]] = {
    "centre": {"vi": "Trung tâm", "en": "Centre", "ar": "المركز"},
    "issued": {"vi": "Số đã cấp", "en": "Issued", "ar": "الصادرة"},
    "served": {"vi": "Đã phục vụ", "en": "Served", "ar": "تمت خدمتهم"},
    "ended_unstarted": {
        "vi": "Kết thúc khi chưa phục vụ",
        "en": "Ended unstarted",
        "ar": "انتهت دون خدمة",
    },
    "no_show": {"vi": "Vắng mặt", "en": "No-show", "ar": "لم يحضر"},
    "cancelled": {"vi": "Đã hủy", "en": "Cancelled", "ar": "ملغاة"},
    "expired": {"vi": "Hết hạn", "en": "Expired", "ar": "منتهية"},
    "open": {"vi": "Còn mở", "en": "Open", "ar": "مفتوحة"},
    "wait_median": {
        "vi": "Chờ trung vị (phút)",
        "en": "Median wait (min)",
        "ar": "وسيط الانتظار (دقيقة)",
    },
    "wait_mean": {
        "vi": "Chờ trung bình (phút)",
        "en": "Mean wait (min)",
        "ar": "متوسط الانتظار (دقيقة)",
    },
    "wait_p90": {"vi": "Chờ P90 (phút)", "en": "Wait p90 (min)", "ar": "الانتظار P90 (دقيقة)"},
    "wait_max": {
        "vi": "Chờ lâu nhất (phút)",
        "en": "Longest wait (min)",
        "ar": "أطول انتظار (دقيقة)",
    },
    "service_median": {
        "vi": "Phục vụ trung vị (phút)",
        "en": "Median service (min)",
        "ar": "وسيط الخدمة (دقيقة)",
    },
    "service_mean": {
        "vi": "Phục vụ trung bình (phút)",
        "en": "Mean service (min)",
        "ar": "متوسط الخدمة (دقيقة)",
    },
    "within_amber": {
        "vi": "Tỷ lệ chờ không quá ngưỡng vàng",
        "en": "Share within the amber wait",
        "ar": "نسبة الانتظار ضمن الحد الأصفر",
    },
    "rated": {"vi": "Lượt đánh giá", "en": "Rated", "ar": "التقييمات"},
    "satisfied_share": {"vi": "Tỷ lệ hài lòng", "en": "Satisfied share", "ar": "نسبة الرضا"},
}
"""The CSV's columns and their header in each language."""


def centres_csv(rows: list[dict[str, Any]], lang: str) -> str:
    """The rows as CSV for a spreadsheet in `lang`: its separator, decimal mark and
    header words, and a byte-order mark (as the centre's own CSV, reports/spreadsheet.py)."""
    dialect = DIALECTS[lang]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=dialect.separator, lineterminator="\r\n")
    writer.writerow(names[lang] for names in COLUMNS.values())
    for row in rows:
        waits, service = row["wait_minutes"], row["service_minutes"]
        share = row["satisfaction"]["satisfied_share"]
        within = row["wait_target"]["within_share"]
        cells: list[Any] = [
            row["centre_id"],
            *(row[k] for k in ("issued", "served", "ended_unstarted", "no_show")),
            *(row[k] for k in ("cancelled", "expired", "open")),
            waits["median"],
            waits["mean"],
            waits["p90"],
            waits["max"],
            service["median"],
            service["mean"],
            None if within is None else f"{within:.3f}",
            row["satisfaction"]["rated"],
            None if share is None else f"{share:.3f}",
        ]
        writer.writerow(_cell(value, dialect.decimal) for value in cells)
    return "\ufeff" + text.getvalue()


def _cell(value: Any, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", decimal)
    if isinstance(value, str) and value[:1].isdigit() and "." in value:
        return value.replace(".", decimal)
    return str(value)
