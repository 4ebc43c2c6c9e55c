"""The day's tickets as a CSV file a spreadsheet opens right in the centre's language.

Why: a Vietnamese Excel splits columns on `;` and reads `3,5` as three and a half; an
English one splits on `,` and reads `3.5`. A file written one way opens as one column
of garbage the other way. So the separator and the decimal mark follow the language
asked for (the centre's, by default), the header row names the columns in it, and a
byte-order mark tells the spreadsheet the text is UTF-8 (Vietnamese letters intact).
Times of day are text (`08:05:10`); durations are numbers: minutes with one decimal,
and whole seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple


class Dialect(NamedTuple):
    separator: str
    decimal: str


DIALECTS = {"vi": Dialect(";", ","), "en": Dialect(",", "."), "ar": Dialect(";", ".")}
"""What Excel expects under each language's regional settings on Windows."""

COLUMNS: dict[str, dict[str, str]] = {
    "number": {"vi": "Số thứ tự", "en": "Number", "ar": "الرقم"},
    "service": {"vi": "Dịch vụ", "en": "Service", "ar": "الخدمة"},
    "priority": {"vi": "Ưu tiên", "en": "Priority", "ar": "الأولوية"},
    "arrival": {"vi": "Hình thức", "en": "Arrival", "ar": "طريقة الحضور"},
    "language": {"vi": "Ngôn ngữ", "en": "Language", "ar": "اللغة"},
    "issued": {"vi": "Giờ lấy số", "en": "Issued", "ar": "وقت الإصدار"},
    "called": {"vi": "Giờ gọi", "en": "Called", "ar": "وقت النداء"},
    "counter": {"vi": "Quầy", "en": "Counter", "ar": "الشباك"},
    "finished": {"vi": "Giờ xong", "en": "Finished", "ar": "وقت الانتهاء"},
    "wait_minutes": {"vi": "Chờ (phút)", "en": "Wait (min)", "ar": "الانتظار (دقيقة)"},
    "wait_seconds": {"vi": "Chờ (giây)", "en": "Wait (s)", "ar": "الانتظار (ثانية)"},
    "service_minutes": {"vi": "Phục vụ (phút)", "en": "Service (min)", "ar": "الخدمة (دقيقة)"},
    "service_seconds": {"vi": "Phục vụ (giây)", "en": "Service (s)", "ar": "الخدمة (ثانية)"},
    "outcome": {"vi": "Kết quả", "en": "Outcome", "ar": "النتيجة"},
    "transfers": {"vi": "Số lần chuyển", "en": "Transfers", "ar": "التحويلات"},
    "rating": {"vi": "Đánh giá", "en": "Rating", "ar": "التقييم"},
    "reason": {"vi": "Lý do", "en": "Reason", "ar": "السبب"},
    "staff": {"vi": "Cán bộ", "en": "Staff", "ar": "الموظف"},
}
"""The ticket rows' header, in the order of `DayReport.rows()`."""
STAFF_COLUMNS: dict[str, dict[str, str]] = {
    "staff": COLUMNS["staff"],
    "counters": {"vi": "Quầy", "en": "Counters", "ar": "الشبابيك"},
    "called": {"vi": "Đã gọi", "en": "Called", "ar": "نودي"},
    "served": {"vi": "Đã phục vụ", "en": "Served", "ar": "تمت خدمتهم"},
    "no_show": {"vi": "Vắng mặt", "en": "No-shows", "ar": "لم يحضروا"},
    "service_median_minutes": {
        "vi": "Phục vụ trung vị (phút)",
        "en": "Service median (min)",
        "ar": "وسيط الخدمة (دقيقة)",
    },
    "service_median_seconds": {
        "vi": "Phục vụ trung vị (giây)",
        "en": "Service median (s)",
        "ar": "وسيط الخدمة (ثانية)",
    },
    "service_p90_minutes": {
        "vi": "Phục vụ 90% (phút)",
        "en": "Service 90th pct (min)",
        "ar": "الخدمة 90٪ (دقيقة)",
    },
    "service_p90_seconds": {
        "vi": "Phục vụ 90% (giây)",
        "en": "Service 90th pct (s)",
        "ar": "الخدمة 90٪ (ثانية)",
    },
    "rated": {"vi": "Lượt đánh giá", "en": "Rated", "ar": "التقييمات"},
    "satisfied_percent": {"vi": "Hài lòng (%)", "en": "Satisfied (%)", "ar": "راضون (%)"},
    "open_minutes": {"vi": "Mở quầy (phút)", "en": "Open (min)", "ar": "مفتوح (دقيقة)"},
    "paused_minutes": {"vi": "Tạm dừng (phút)", "en": "Paused (min)", "ar": "متوقف (دقيقة)"},
}
"""The per-person rows' header, in the order of `DayReport.staff_rows()`."""
VALUES: dict[str, dict[str, str]] = {
    "done": {"vi": "đã phục vụ", "en": "served", "ar": "تمت الخدمة"},
    "ended": {"vi": "kết thúc khi chưa phục vụ", "en": "ended unstarted", "ar": "انتهت دون خدمة"},
    "no_show": {"vi": "vắng mặt", "en": "no-show", "ar": "لم يحضر"},
    "cancelled": {"vi": "đã hủy", "en": "cancelled", "ar": "ملغاة"},
    "expired": {"vi": "hết hạn", "en": "expired", "ar": "منتهية"},
    "waiting": {"vi": "đang chờ", "en": "waiting", "ar": "في الانتظار"},
    "at_counter": {"vi": "đang ở quầy", "en": "at the counter", "ar": "عند الشباك"},
    "very_satisfied": {"vi": "rất hài lòng", "en": "very satisfied", "ar": "راضٍ جدًا"},
    "satisfied": {"vi": "hài lòng", "en": "satisfied", "ar": "راضٍ"},
    "neutral": {"vi": "bình thường", "en": "neutral", "ar": "محايد"},
    "dissatisfied": {"vi": "không hài lòng", "en": "dissatisfied", "ar": "غير راضٍ"},
    "booked": {"vi": "đặt lịch trước", "en": "booked", "ar": "بحجز مسبق"},
    "booked_late": {
        "vi": "đặt lịch, đến muộn",
        "en": "booked, came late",
        "ar": "بحجز، حضر متأخرًا",
    },
    "walk_in": {"vi": "đến trực tiếp", "en": "walk-in", "ar": "حضور مباشر"},
}
"""Outcomes, ratings and arrivals (booked against walk-in) as people say them."""
LANGUAGES = tuple(DIALECTS)


def write_csv(
    rows: Iterable[Mapping[str, Any]],
    lang: str,
    reasons: Mapping[str, str] | None = None,
    columns: Mapping[str, Mapping[str, str]] = COLUMNS,
) -> str:
    """The rows (`DayReport.rows()`, or `staff_rows()` with `STAFF_COLUMNS`) as CSV text
    for `lang`, its header row first; `reasons`: the centre's rating reasons by code, in
    `lang`."""
    dialect = DIALECTS[lang]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=dialect.separator, lineterminator="\r\n")
    writer.writerow(columns[name][lang] for name in columns)
    for row in rows:
        cells = {name: _cell(row[name], dialect, lang) for name in columns}
        if reasons and row.get("reason"):
            cells["reason"] = reasons.get(row["reason"], row["reason"])
        writer.writerow(cells.values())
    return "\ufeff" + text.getvalue()


def _cell(value: Any, dialect: Dialect, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", dialect.decimal)
    if isinstance(value, list):  # a person's counters: "1 2", whatever the separator
        return " ".join(map(str, value))
    if isinstance(value, str) and value in VALUES:
        return VALUES[value][lang]
    return str(value)
