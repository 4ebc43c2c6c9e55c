"""`queue-server report`: the day's figures in a terminal, or its tickets as CSV."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .cli_accounts import add_location
from .config import CentreConfig, load_config
from .reports import UnknownDay, day_report
from .reports.spreadsheet import LANGUAGES as CSV_LANGUAGES


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="a day's waits, service times and satisfaction")
    report.add_argument("--day", help="YYYY-MM-DD (default: the latest day in the log)")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="one row per ticket, for a spreadsheet")
    output.add_argument(
        "--staff-csv", action="store_true", help="one row per person, for a spreadsheet"
    )
    output.add_argument("--json", action="store_true", help="the figures as the API gives them")
    report.add_argument(
        "--lang",
        choices=CSV_LANGUAGES,
        help="the CSV's header, separator and decimal mark (default: the centre's language)",
    )
    add_location(report)
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        report = day_report(args.db or config.store.path, config, args.day)
    except UnknownDay as exc:
        print(f"{exc}; days held: {', '.join(exc.days[:10]) or 'none'}", file=sys.stderr)
        return 1
    if args.csv:
        sys.stdout.write(report.csv(args.lang))
    elif args.staff_csv:
        sys.stdout.write(report.staff_csv(args.lang))
    elif args.json:
        print(json.dumps(report.result(), ensure_ascii=False, indent=1))
    else:
        print(summary(config, report.result()))
    return 0


def summary(config: CentreConfig, day: dict[str, Any]) -> str:
    """The figures a centre's head reads first, then per service and per counter."""
    lang = config.centre.default_language
    names = {s.code: s.name.get(lang, s.code) for s in config.services}
    counters = {k.id: k.name.get(lang) or f"#{k.id}" for k in config.counters}
    t = day["tickets"]
    state = "closed" if day["complete"] else "open: figures until now"
    lines = [
        f"{config.centre.name.get(lang, config.centre.id)}: {day['day']} ({state})",
        f"Tickets    issued {t['issued']}, served {t['served']}, ended unstarted "
        f"{t['ended_unstarted']}, no-show {t['no_show']}, cancelled {t['cancelled']}, "
        f"expired {t['expired']}, still open {t['open']}",
        f"Wait       {_spread(day['wait_minutes'], 'called')}",
        f"Service    {_spread(day['service_minutes'], 'timed')}",
        f"Satisfied  {_satisfied(day['satisfaction'])}",
        "",
        f"{'Service':<32} {'issued':>6} {'served':>6} {'no-show':>7} {'wait med':>8} "
        f"{'wait p90':>8} {'satisfied':>9}",
    ]
    for s in day["services"]:
        lines.append(
            f"{_cut(names.get(s['code'], s['code']), 32):<32} {s['issued']:>6} {s['served']:>6} "
            f"{s['no_show']:>7} {_num(s['wait_minutes']['median']):>8} "
            f"{_num(s['wait_minutes']['p90']):>8} {_share(s['satisfaction']):>9}"
        )
    lines += ["", f"{'Counter':<32} {'called':>6} {'served':>6} {'svc med':>8} {'satisfied':>9}"]
    for k in day["counters"]:
        lines.append(
            f"{_cut(counters.get(k['id'], str(k['id'])), 32):<32} {k['called']:>6} "
            f"{k['served']:>6} {_num(k['service_minutes']['median']):>8} "
            f"{_share(k['satisfaction']):>9}"
        )
    if day["staff"]:
        lines += [
            "",
            f"{'Staff':<20} {'counters':<8} {'called':>6} {'served':>6} {'svc med':>8} "
            f"{'svc p90':>8} {'no-show':>7} {'satisfied':>9} {'open':>6} {'paused':>6}",
        ]
    for p in day["staff"]:
        times = p["service_minutes"]
        lines.append(
            f"{_cut(p['staff'], 20):<20} {_cut(' '.join(map(str, p['counters'])), 8):<8} "
            f"{p['called']:>6} {p['served']:>6} {_num(times['median']):>8} "
            f"{_num(times['p90']):>8} {p['no_show']:>7} {_share(p['satisfaction']):>9} "
            f"{_clock(p['open_s']):>6} {_clock(p['paused_s']):>6}"
        )
    return "\n".join(lines)


def _clock(seconds: int) -> str:
    """Hours and minutes of a working day: 1:05."""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _spread(m: dict[str, Any], what: str) -> str:
    if not m["count"]:
        return "none yet"
    return (
        f"median {m['median']} min, 90% within {m['p90']} min, longest {m['max']} min "
        f"({m['count']} {what})"
    )


def _satisfied(s: dict[str, Any]) -> str:
    if not s["rated"]:
        return "no rating yet"
    return (
        f"{_share(s)} of {s['rated']} ratings: very satisfied {s['very_satisfied']}, "
        f"satisfied {s['satisfied']}, neutral {s['neutral']}, dissatisfied {s['dissatisfied']}"
    )


def _share(s: dict[str, Any]) -> str:
    return "-" if s["satisfied_share"] is None else f"{round(100 * s['satisfied_share'])}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
