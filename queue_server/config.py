"""The centre's configuration: one TOML file, checked completely before anything starts.

Shape errors (wrong type, missing or unknown field) come from msgspec with the
field's path; rules that span fields (a counter naming an unknown service, two
services sharing a prefix) are checked here.  Every error names the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

CONFIG_VERSION = 1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")

Durability = Literal["process", "full"]
LocalizedText = dict[str, str]


class ConfigError(ValueError):
    """A configuration that cannot run; the message names the field."""


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class Centre(_Strict, frozen=True):
    id: str
    name: LocalizedText
    timezone: str = "Asia/Ho_Chi_Minh"
    languages: list[str] = msgspec.field(default_factory=lambda: ["vi", "en"])
    ticket_footer: LocalizedText = msgspec.field(default_factory=dict)
    notice: LocalizedText = msgspec.field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0]


class Hours(_Strict, frozen=True):
    """Opening hours per weekday as "HH:MM-HH:MM" spans; an absent day is closed."""

    enforce: bool = True
    mon: list[str] = []
    tue: list[str] = []
    wed: list[str] = []
    thu: list[str] = []
    fri: list[str] = []
    sat: list[str] = []
    sun: list[str] = []

    def spans(self, weekday: int) -> list[tuple[time, time]]:
        """Parsed spans for a weekday (0 = Monday)."""
        return [_parse_span(s) for s in getattr(self, WEEKDAYS[weekday])]


class NoShowPolicy(_Strict, frozen=True):
    action: Literal["requeue", "out"] = "requeue"
    grace_minutes: float = 5.0
    max_requeues: int = 1


class QueueRules(_Strict, frozen=True):
    priority_ratio: tuple[int, int] = (2, 1)
    max_wait_minutes: float = 45.0
    transfer_keeps_place: bool = True
    service_choice: Literal["in_order", "oldest"] = "in_order"
    service_time_window: int = 20
    no_show: NoShowPolicy = NoShowPolicy()


class PriorityClass(_Strict, frozen=True):
    code: str
    name: LocalizedText


class Service(_Strict, frozen=True):
    """A service the centre offers; its tickets are numbered `prefix + digits` or in a band."""

    code: str
    name: LocalizedText
    prefix: str | None = None
    digits: int = 3
    band: tuple[int, int] | None = None
    expected_minutes: float = 10.0
    description: LocalizedText = msgspec.field(default_factory=dict)


class Counter(_Strict, frozen=True):
    id: int
    services: list[str]
    name: LocalizedText = msgspec.field(default_factory=dict)


class Store(_Strict, frozen=True):
    path: str = "var/queue.sqlite3"
    durability: Durability = "process"
    accounts_path: str = ""
    """Staff accounts and device tokens; default: beside the log, `<name>.accounts.sqlite3`."""

    def accounts_file(self, log_path: str | Path) -> Path:
        if self.accounts_path:
            return Path(self.accounts_path)
        log_path = Path(log_path)
        return log_path.with_name(log_path.stem + ".accounts.sqlite3")


class Security(_Strict, frozen=True):
    """Limits that keep one misbehaving client from flooding the centre."""

    kiosk_tickets_per_minute: float = 30.0
    kiosk_ticket_burst: int = 10
    status_requests_per_minute: float = 120.0
    status_burst: int = 30
    login_attempts_per_minute: float = 10.0
    login_burst: int = 5
    secure_cookies: bool = False
    """Mark the session cookie Secure; turn on when the centre is served over HTTPS."""


class Server(_Strict, frozen=True):
    host: str = "127.0.0.1"
    port: int = 8080


class Printer(_Strict, frozen=True):
    name: str
    url: str
    paper_mm: Literal[58, 80] = 80
    backups: list[str] = []


class Keypad(_Strict, frozen=True):
    address: int
    counter: int


class SerialLine(_Strict, frozen=True):
    name: str
    port: str
    protocol: Literal["keypad-rs485", "keypad-p2p", "rf433-sonoff", "rf433-fd", "modbus-display"]
    baud: int = 115200
    keypads: list[Keypad] = []


class Devices(_Strict, frozen=True):
    printers: list[Printer] = []
    serial_lines: list[SerialLine] = []


class CentreConfig(_Strict, frozen=True):
    version: int
    centre: Centre
    services: list[Service]
    counters: list[Counter]
    priority_classes: list[PriorityClass] = []
    hours: Hours = Hours(enforce=False)
    queue: QueueRules = QueueRules()
    store: Store = Store()
    server: Server = Server()
    security: Security = Security()
    devices: Devices = Devices()

    def service(self, code: str) -> Service:
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(code)

    @property
    def service_codes(self) -> list[str]:
        return [s.code for s in self.services]

    @property
    def counter_ids(self) -> list[int]:
        return [c.id for c in self.counters]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.centre.timezone)


def load_config(path: str | Path) -> CentreConfig:
    """Read and check a config file; raises ConfigError naming the file and field."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse_config(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config(raw: dict[str, object]) -> CentreConfig:
    """Turn a decoded TOML document into a checked CentreConfig."""
    if raw.get("version") != CONFIG_VERSION:
        raise ConfigError(
            f"version: expected {CONFIG_VERSION}, got {raw.get('version')!r} "
            "(this server reads config version 1)"
        )
    try:
        config = msgspec.convert(raw, CentreConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(_readable(str(exc))) from None
    problems = list(_semantic_problems(config))
    if problems:
        raise ConfigError("; ".join(problems))
    return config


def _readable(message: str) -> str:
    """msgspec says "... - at `$.counters[1].id`"; lead with the field as the TOML names it,
    and list the allowed values when a choice was wrong."""
    match = re.search(r" - at `\$\.?(.*)`$", message)
    if not match:
        return message
    path, problem = match.group(1), message[: match.start()]
    if problem.startswith("Invalid enum value"):
        allowed = _allowed_values(path)
        if allowed:
            problem += f" (allowed: {', '.join(repr(v) for v in allowed)})"
    return f"{path or '(top level)'}: {problem}"


def _allowed_values(path: str) -> list[object]:
    """The choices of the Literal field at a path like `store.durability`."""
    info: msgspec.inspect.Type = msgspec.inspect.type_info(CentreConfig)
    for name in re.findall(r"[A-Za-z_]\w*", path):
        while isinstance(info, msgspec.inspect.ListType):
            info = info.item_type
        if not isinstance(info, msgspec.inspect.StructType):
            return []
        fields = {f.encode_name: f.type for f in info.fields}
        if name not in fields:
            return []
        info = fields[name]
    return list(info.values) if isinstance(info, msgspec.inspect.LiteralType) else []


def _parse_span(span: str) -> tuple[time, time]:
    match = _SPAN.match(span)
    if not match:
        raise ValueError(f"{span!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise ValueError(f"{span!r} is not a valid time span")
    start = time(h1, m1)
    end = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
    if end <= start:
        raise ValueError(f"{span!r} ends before it starts")
    return start, end


def _semantic_problems(config: CentreConfig) -> Iterator[str]:
    centre = config.centre
    yield from _check_languages(config)
    try:
        ZoneInfo(centre.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"centre.timezone: unknown time zone {centre.timezone!r}"
    for day in WEEKDAYS:
        for i, span in enumerate(getattr(config.hours, day)):
            try:
                _parse_span(span)
            except ValueError as exc:
                yield f"hours.{day}[{i}]: {exc}"
    yield from _check_services(config)
    yield from _check_counters(config)
    yield from _check_queue_rules(config.queue)
    yield from _check_security(config.security)
    yield from _check_devices(config)


def _check_languages(config: CentreConfig) -> Iterator[str]:
    languages = config.centre.languages
    if not languages:
        yield "centre.languages: list at least one language; the first is the default"
        return
    if len(set(languages)) != len(languages):
        yield "centre.languages: a language is listed twice"
    default = languages[0]

    def need_default(field: str, text: LocalizedText, required: bool = True) -> Iterator[str]:
        if (required or text) and not text.get(default, "").strip():
            yield f"{field}: missing text in the default language {default!r}"
        for lang in text:
            if lang not in languages:
                yield f"{field}.{lang}: language not in centre.languages {languages}"

    yield from need_default("centre.name", config.centre.name)
    yield from need_default("centre.ticket_footer", config.centre.ticket_footer, False)
    yield from need_default("centre.notice", config.centre.notice, False)
    for i, s in enumerate(config.services):
        yield from need_default(f"services[{i}].name", s.name)
    for i, p in enumerate(config.priority_classes):
        yield from need_default(f"priority_classes[{i}].name", p.name)
    for i, c in enumerate(config.counters):
        yield from need_default(f"counters[{i}].name", c.name, False)


def _check_services(config: CentreConfig) -> Iterator[str]:
    if not config.services:
        yield "services: the centre needs at least one service"
    seen_codes: set[str] = set()
    seen_prefixes: dict[str, str] = {}
    bands: list[tuple[int, int, str]] = []
    for i, s in enumerate(config.services):
        where = f"services[{i}]"
        if not _CODE.match(s.code):
            yield f"{where}.code: {s.code!r} must be 1-16 letters, digits, '-' or '_'"
        if s.code in seen_codes:
            yield f"{where}.code: service code {s.code!r} is used twice"
        seen_codes.add(s.code)
        if (s.prefix is None) == (s.band is None):
            yield f"{where}: give exactly one of 'prefix' (A001 style) or 'band' (1001-1999 style)"
        if s.prefix is not None:
            if not re.match(r"^[A-Z]{1,3}$", s.prefix):
                yield f"{where}.prefix: {s.prefix!r} must be 1-3 capital letters"
            elif s.prefix in seen_prefixes:
                yield (
                    f"{where}.prefix: {s.prefix!r} is already the prefix of service "
                    f"{seen_prefixes[s.prefix]!r}; numbers would be ambiguous"
                )
            else:
                seen_prefixes[s.prefix] = s.code
            if not 1 <= s.digits <= 6:
                yield f"{where}.digits: {s.digits} must be between 1 and 6"
        if s.band is not None:
            first, last = s.band
            if not 0 < first <= last:
                yield f"{where}.band: [{first}, {last}] must be two positive numbers, first <= last"
            for other_first, other_last, other in bands:
                if first <= other_last and other_first <= last:
                    yield f"{where}.band: [{first}, {last}] overlaps the band of service {other!r}"
            bands.append((first, last, s.code))
        if s.expected_minutes <= 0:
            yield f"{where}.expected_minutes: must be positive"
    served = {code for c in config.counters for code in c.services}
    for i, s in enumerate(config.services):
        if s.code not in served:
            yield f"services[{i}]: service {s.code!r} is not served by any counter"
    seen_classes: set[str] = set()
    for i, p in enumerate(config.priority_classes):
        if not _CODE.match(p.code):
            yield f"priority_classes[{i}].code: {p.code!r} must be 1-16 letters, digits, '-' or '_'"
        if p.code in seen_classes:
            yield f"priority_classes[{i}].code: {p.code!r} is used twice"
        seen_classes.add(p.code)


def _check_counters(config: CentreConfig) -> Iterator[str]:
    if not config.counters:
        yield "counters: the centre needs at least one counter"
    known = set(config.service_codes)
    seen: set[int] = set()
    for i, c in enumerate(config.counters):
        where = f"counters[{i}]"
        if not 1 <= c.id <= 9999:
            yield f"{where}.id: {c.id} must be between 1 and 9999"
        if c.id in seen:
            yield f"{where}.id: counter {c.id} is defined twice"
        seen.add(c.id)
        if not c.services:
            yield f"{where}.services: a counter must serve at least one service"
        if len(set(c.services)) != len(c.services):
            yield f"{where}.services: a service is listed twice"
        for j, code in enumerate(c.services):
            if code not in known:
                yield (
                    f"{where}.services[{j}]: unknown service {code!r} "
                    f"(known: {', '.join(sorted(known))})"
                )


def _check_queue_rules(rules: QueueRules) -> Iterator[str]:
    p, n = rules.priority_ratio
    if p < 1 or n < 1:
        yield f"queue.priority_ratio: [{p}, {n}] must be two whole numbers >= 1 (priority, normal)"
    if rules.max_wait_minutes <= 0:
        yield "queue.max_wait_minutes: must be positive"
    if rules.service_time_window < 1:
        yield "queue.service_time_window: must be at least 1"
    if rules.no_show.grace_minutes < 0:
        yield "queue.no_show.grace_minutes: must not be negative"
    if rules.no_show.max_requeues < 0:
        yield "queue.no_show.max_requeues: must not be negative"


def _check_security(security: Security) -> Iterator[str]:
    for name in (
        "kiosk_tickets_per_minute",
        "status_requests_per_minute",
        "login_attempts_per_minute",
    ):
        if getattr(security, name) <= 0:
            yield f"security.{name}: must be positive"
    for name in ("kiosk_ticket_burst", "status_burst", "login_burst"):
        if getattr(security, name) < 1:
            yield f"security.{name}: must be at least 1"


def _check_devices(config: CentreConfig) -> Iterator[str]:
    counters = set(config.counter_ids)
    names = [p.name for p in config.devices.printers]
    for i, printer in enumerate(config.devices.printers):
        if names.count(printer.name) > 1:
            yield f"devices.printers[{i}].name: {printer.name!r} is used twice"
        scheme = printer.url.split("://", 1)[0]
        if "://" not in printer.url or scheme not in {"tcp", "serial", "usb", "file", "cups"}:
            yield (
                f"devices.printers[{i}].url: {printer.url!r} must start with "
                "tcp://, serial://, usb://, file:// or cups://"
            )
        for j, backup in enumerate(printer.backups):
            if backup not in names or backup == printer.name:
                yield f"devices.printers[{i}].backups[{j}]: {backup!r} is not another printer"
    for i, line in enumerate(config.devices.serial_lines):
        for j, keypad in enumerate(line.keypads):
            if keypad.counter not in counters:
                yield f"devices.serial_lines[{i}].keypads[{j}].counter: no counter {keypad.counter}"
            if not 1 <= keypad.address <= 247:
                yield f"devices.serial_lines[{i}].keypads[{j}].address: must be 1-247"
