"""The centre's configuration: one TOML file, checked completely before anything starts.

Shape errors (wrong type, missing or unknown field) come from msgspec with the
field's path; rules that span fields (a counter naming an unknown service, two
services sharing a prefix) are checked here.  Every error names the field.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from .engine.setup import (
    WEEKDAYS,
    AppointmentRules,
    CounterSetup,
    OpeningHours,
    QueueRules,
    QueueSetup,
    ServiceSetup,
    parse_span,
)
from .integrations.escpos.config import Kiosk, Printer, printer_problems
from .integrations.lines_config import DisplayModel, SerialLine, serial_line_problems

CONFIG_VERSION = 1
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,16}$"
"""Services' and priority classes' codes (the API's bodies take the same: web/fields.py)."""
_CODE = re.compile(CODE_PATTERN)
_CITY_CENTRE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_DSN = re.compile(r"^(postgres(ql)?://\S*|\S+=\S*(\s+\S+=\S*)*)$")
_ORIGIN = re.compile(r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?/?$")

Durability = Literal["process", "full"]
LocalizedText = dict[str, str]


class ConfigError(ValueError):
    """A configuration that cannot run; the message names the field."""


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class CentreInfo(_Strict, frozen=True):
    """The `[centre]` table: who the centre is and the languages it speaks."""

    id: str
    name: LocalizedText
    timezone: str = "Asia/Ho_Chi_Minh"
    languages: list[str] = msgspec.field(default_factory=lambda: ["vi", "en"])
    ticket_footer: LocalizedText = msgspec.field(default_factory=dict)
    notice: LocalizedText = msgspec.field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0]


Hours = OpeningHours
"""The `[hours]` table (engine/setup.py)."""


class PriorityClass(_Strict, frozen=True):
    code: str
    name: LocalizedText
    at_desk: bool = False
    """Checked by a person (papers, a card): the kiosk sends the citizen to the reception
    desk, which gives their ticket the class; a self-declared tap is not enough."""


class Procedure(_Strict, frozen=True):
    """One procedure (thủ tục) of a service, as citizens ask for it: the procedure finder
    (queue_server/finder.py) matches their words to it, and the kiosk shows its papers."""

    code: str
    name: LocalizedText
    words: dict[str, list[str]] = msgspec.field(default_factory=dict)
    """Per language, what citizens call it ("làm sổ đỏ", "gcn", "sang tên"): abbreviations
    and everyday names the official name does not contain."""
    papers: dict[str, list[str]] = msgspec.field(default_factory=dict)
    """Per language, the papers to bring: a short list."""


class Service(_Strict, frozen=True):
    """A service the centre offers; its tickets are numbered `prefix + digits` or in a band."""

    code: str
    name: LocalizedText
    prefix: str | None = None
    digits: int = 3
    band: tuple[int, int] | None = None
    expected_minutes: float = 10.0
    description: LocalizedText = msgspec.field(default_factory=dict)
    procedures: list[Procedure] = []
    """What the procedure finder searches (`GET /api/v1/services/search`)."""


class Counter(_Strict, frozen=True):
    id: int
    services: list[str]
    name: LocalizedText = msgspec.field(default_factory=dict)


class Store(_Strict, frozen=True):
    path: str = "var/queue.sqlite3"
    durability: Durability = "process"
    accounts_path: str = ""
    """Staff accounts and device tokens; default: beside the log, `<name>.accounts.sqlite3`."""
    private_files: bool = True
    """Files and folders the server makes (log, accounts, backups, printed tickets' images)
    are its user's alone (0600, folders 0700): they hold who came when and the secrets'
    digests.  false: readable by the machine's other users (0644, 0755)."""

    def file_mask(self) -> int:
        """The umask the server makes its files with."""
        return 0o077 if self.private_files else 0o022

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
    search_requests_per_minute: float = 120.0
    """Searches of the procedure finder one client may make (the kiosk searches as the
    citizen types: a pause in typing is one search)."""
    search_burst: int = 30
    login_attempts_per_minute: float = 10.0
    login_burst: int = 5
    bookings_per_minute: float = 6.0
    """Bookings one address may make (the public booking page)."""
    booking_burst: int = 3
    partner_bookings_per_minute: float = 600.0
    """Bookings one partner token may make (an app booking for many citizens)."""
    partner_booking_burst: int = 60
    secure_cookies: bool = False
    """Mark the session cookie Secure; turn on when the centre is served over HTTPS."""
    max_connections: int = 2000
    """Connections held at once, all clients together: keeps file descriptors for everyone
    (the server raises its own limit to fit, or serves fewer and says so at start)."""
    max_connections_per_address: int = 600
    """Connections from one address: generous, since a hall full of phones may share the
    centre's Wi-Fi behind one NAT (a page and its live feed: two each)."""
    request_head_timeout_s: float = 10.0
    """A request's head (its line and headers) must come within this, and an idle
    keep-alive connection is closed after it."""
    request_body_timeout_s: float = 30.0
    """A request's body (16 KiB at most) must come within this, or it is answered 408."""
    allowed_origins: list[str] = []
    """Web sites, besides the server's own, whose pages may open `/ws` in a browser
    (`https://intranet.example`); the server's own pages always may."""
    trusted_proxies: list[str] = []
    """Reverse proxies (addresses or networks: `127.0.0.1`, `10.0.0.0/24`) whose
    `X-Forwarded-For` names the client, for rate limits and connection caps; nobody
    else's header is believed."""
    login_failures_before_backoff: int = 5
    """Wrong passwords for one account before each further try must wait: 1 s, then
    twice as long after each further failure, up to `login_backoff_max_s`."""
    login_backoff_max_s: float = 900.0


class Server(_Strict, frozen=True):
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    """How citizens' phones reach this server (http://192.168.1.10:8080), for the QR code on
    tickets; default: the address the kiosk used."""


class Devices(_Strict, frozen=True):
    """`[devices]`: each kind's schema and checks are its integration's
    (queue_server/integrations/)."""

    printers: list[Printer] = []
    kiosks: list[Kiosk] = []
    serial_lines: list[SerialLine] = []
    display_models: list[DisplayModel] = []


DEFAULT_TEMPLATES: dict[str, str] = {
    "vi": "Mời số {number} đến quầy {counter}",
    "en": "Number {number}, counter {counter}",
    "ar": "الرقم {number}، الشباك {counter}",
}
"""The shortest phrases that still say the number and the counter: each call is said in
two languages at most, and a busy hall has about 10 s for it (vi + ar: 9 s with the chime)."""
DEFAULT_TICKET_TEMPLATES: dict[str, str] = {
    "vi": "Số thứ tự của quý khách là {number}. Xin mời quý khách ngồi chờ đến lượt.",
    "en": "Your number is {number}. Please take a seat until it is called.",
    "ar": "رقمك هو {number}. يرجى الجلوس حتى يُنادى عليه.",
}
DEFAULT_VOICES: dict[str, str] = {"vi": "vi", "en": "en-gb", "ar": "ar"}
_PLACEHOLDER = re.compile(r"{([^{}]*)}")


class Voice(_Strict, frozen=True):
    """The hall's spoken announcements, made offline with espeak-ng, one phrase per language."""

    enabled: bool = True
    languages: list[str] = []
    """The languages the hall may speak (empty: every centre language with a template).  Each
    call is said in the centre's language, then in the ticket's if it is another."""
    templates: LocalizedText = msgspec.field(default_factory=dict)
    """Per language; `{number}` and `{counter}` are replaced.  Built-in phrases for vi, en, ar."""
    voices: dict[str, str] = msgspec.field(default_factory=dict)
    """espeak-ng voice per language (`espeak-ng --voices`; not mbrola `mb-*`); default: vi, en-gb, ar."""
    kiosk: bool = True
    """The kiosk says the ticket's number aloud as it prints, in the citizen's language."""
    ticket_templates: LocalizedText = msgspec.field(default_factory=dict)
    """What the kiosk says; `{number}` is replaced.  Built-in phrases for vi, en, ar."""
    numbers: Literal["digits", "whole"] = "digits"
    """"digits": A023 is read "A không hai ba"; "whole": "A hai mươi ba"."""
    speed: int = 140
    """Words per minute."""
    cache_dir: str = "var/voice"
    max_delay_seconds: float = 20.0
    """A call not announced this long after it was made is left unsaid (it is still shown):
    a voice that falls behind must not call citizens minutes late.  Recalls are said again."""

    def template(self, lang: str) -> str | None:
        return self.templates.get(lang) or DEFAULT_TEMPLATES.get(lang)

    def ticket_template(self, lang: str) -> str | None:
        return self.ticket_templates.get(lang) or DEFAULT_TICKET_TEMPLATES.get(lang)

    def voice(self, lang: str) -> str:
        return self.voices.get(lang) or DEFAULT_VOICES.get(lang) or lang

    def announced_languages(self, centre_languages: list[str]) -> list[str]:
        if self.languages:
            return list(self.languages)
        return [lang for lang in centre_languages if self.template(lang)]


class RatingReason(_Strict, frozen=True):
    code: str
    name: LocalizedText


DEFAULT_RATING_REASONS = [
    RatingReason(
        "long_wait",
        {"vi": "Chờ quá lâu", "en": "I waited too long", "ar": "انتظرت طويلًا"},
    ),
    RatingReason(
        "attitude",
        {
            "vi": "Thái độ phục vụ chưa tốt",
            "en": "The staff were not helpful",
            "ar": "الموظف لم يكن متعاونًا",
        },
    ),
    RatingReason(
        "unclear",
        {
            "vi": "Hướng dẫn chưa rõ ràng",
            "en": "The guidance was unclear",
            "ar": "الإرشادات غير واضحة",
        },
    ),
    RatingReason(
        "come_back",
        {
            "vi": "Phải đi lại nhiều lần",
            "en": "I have to come back again",
            "ar": "علي العودة مرة أخرى",
        },
    ),
    RatingReason("other", {"vi": "Lý do khác", "en": "Something else", "ar": "سبب آخر"}),
]


class Ratings(_Strict, frozen=True):
    """`[ratings]`: what a dissatisfied citizen is asked (one reason, or none)."""

    reasons: list[RatingReason] = msgspec.field(default_factory=lambda: DEFAULT_RATING_REASONS)
    """A short list, kept with the rating and counted in the day's report; `[]`: not asked."""


class City(_Strict, frozen=True):
    """`[city]`: copy every committed event to the city's PostgreSQL (docs/city.md).
    Absent, the centre knows nothing of PostgreSQL."""

    dsn: str
    """`postgresql://centre_role@host/db?sslmode=verify-full` (a password goes in
    ~/.pgpass or PGPASSWORD, not here)."""
    centre_id: str = ""
    """The centre's id in the city's database; default `centre.id`."""


class Hall(_Strict, frozen=True):
    """`[hall]`: the hall display's pace."""

    min_show_seconds: float = 4.0
    """The big "now calling" panel shows each call at least this long; calls made meanwhile
    wait their turn (and stand at once in the list of recent calls)."""


class QueueConfig(QueueRules, frozen=True):
    """`[queue]`: the engine's rules, and what the pages measure the queue against."""

    target_wait_minutes: float = 20.0
    """The wait the centre aims at: the supervisor's view colours each line's longest
    wait against it.  Not a rule of the queue: the engine never reads it."""

    without_open_counter: Literal["issue", "refuse"] = "issue"
    """A service no counter is open for right now: "issue" its tickets, saying so on the
    kiosk and the ticket (they are called when a counter opens), or "refuse" them at the
    kiosk (its tile says so) so nobody waits for a counter that may not open today."""

    def rules(self) -> QueueRules:
        """The engine's part alone (changing the target keeps saved day-end states usable)."""
        return QueueRules(**{f: getattr(self, f) for f in QueueRules.__struct_fields__})


class CentreConfig(_Strict, frozen=True):
    version: int
    centre: CentreInfo
    services: list[Service]
    counters: list[Counter]
    priority_classes: list[PriorityClass] = []
    hours: Hours = Hours(enforce=False)
    queue: QueueConfig = QueueConfig()
    appointments: AppointmentRules = AppointmentRules()
    store: Store = Store()
    server: Server = Server()
    security: Security = Security()
    devices: Devices = Devices()
    voice: Voice = Voice()
    hall: Hall = Hall()
    ratings: Ratings = Ratings()
    city: City | None = None

    @property
    def city_centre_id(self) -> str:
        """Who this centre is in the city's database."""
        return (self.city and self.city.centre_id) or self.centre.id

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

    def queue_setup(self) -> QueueSetup:
        """What the engine reads of this configuration (engine/setup.py)."""
        return QueueSetup(
            services=tuple(
                ServiceSetup(
                    code=s.code,
                    prefix=s.prefix,
                    digits=s.digits,
                    band=s.band,
                    expected_minutes=s.expected_minutes,
                )
                for s in self.services
            ),
            counters=tuple(
                CounterSetup(id=c.id, services=tuple(c.services)) for c in self.counters
            ),
            priority_classes=tuple(p.code for p in self.priority_classes),
            desk_classes=tuple(p.code for p in self.priority_classes if p.at_desk),
            rating_reasons=tuple(r.code for r in self.ratings.reasons),
            languages=tuple(self.centre.languages),
            timezone=self.centre.timezone,
            rules=self.queue.rules(),
            hours=self.hours,
            appointments=self.appointments,
        )


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
            problem += f" (allowed: {', '.join(_toml(v) for v in allowed)})"
    return f"{path or '(top level)'}: {problem}"


def _toml(value: object) -> str:
    """A choice as it is written in the file: true, not True."""
    return str(value).lower() if isinstance(value, bool) else repr(value)


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
    choices = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    allowed: list[object] = []
    for choice in choices:  # e.g. `cutter`: true, false or "partial"
        if isinstance(choice, msgspec.inspect.BoolType):
            allowed += [True, False]
        elif isinstance(choice, msgspec.inspect.LiteralType):
            allowed += choice.values
    return allowed if any(isinstance(c, msgspec.inspect.LiteralType) for c in choices) else []


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
                parse_span(span)
            except ValueError as exc:
                yield f"hours.{day}[{i}]: {exc}"
    yield from _check_services(config)
    yield from _check_counters(config)
    yield from _check_queue_rules(config.queue)
    yield from _check_appointments(config)
    yield from _check_security(config.security)
    yield from _check_devices(config)
    yield from _check_voice(config)
    yield from _check_hall(config)
    yield from _check_city(config)


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
    yield from _check_procedures(config)
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


MAX_PAPERS = 12
"""A kiosk's screen and a citizen's memory: a longer list belongs on a leaflet."""


def _check_procedures(config: CentreConfig) -> Iterator[str]:
    languages = config.centre.languages
    default = languages[0] if languages else ""
    for i, s in enumerate(config.services):
        seen: set[str] = set()
        for j, p in enumerate(s.procedures):
            where = f"services[{i}].procedures[{j}]"
            if not _CODE.match(p.code):
                yield f"{where}.code: {p.code!r} must be 1-16 letters, digits, '-' or '_'"
            if p.code in seen:
                yield f"{where}.code: procedure {p.code!r} is listed twice in {s.code!r}"
            seen.add(p.code)
            if not p.name.get(default, "").strip():
                yield f"{where}.name: missing text in the default language {default!r}"
            for field, texts in (("name", p.name), ("words", p.words), ("papers", p.papers)):
                for lang in texts:
                    if lang not in languages:
                        yield f"{where}.{field}.{lang}: language not in centre.languages {languages}"
            for field, lists in (("words", p.words), ("papers", p.papers)):
                for lang, items in lists.items():
                    if any(not item.strip() for item in items):
                        yield f"{where}.{field}.{lang}: an empty entry"
            if p.papers and not p.papers.get(default):
                yield f"{where}.papers: missing the list in the default language {default!r}"
            for lang, papers in p.papers.items():
                if len(papers) > MAX_PAPERS:
                    yield f"{where}.papers.{lang}: {len(papers)} papers; at most {MAX_PAPERS}"


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


def _check_queue_rules(rules: QueueConfig) -> Iterator[str]:
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
    if not 0 <= rules.after_close_hours <= 7 * 24:
        yield "queue.after_close_hours: between 0 and 168 (a week)"
    if not 0 < rules.target_wait_minutes <= 24 * 60:
        yield "queue.target_wait_minutes: more than 0, at most 1440 (a day)"


def _check_appointments(config: CentreConfig) -> Iterator[str]:
    rules = config.appointments
    for name in ("days_ahead", "cutoff_minutes", "early_minutes", "late_minutes"):
        if getattr(rules, name) < 0:
            yield f"appointments.{name}: must not be negative"
    for name in ("slot_minutes", "max_wait_minutes", "retention_days", "per_person_per_day"):
        if getattr(rules, name) < 1:
            yield f"appointments.{name}: must be at least 1"
    if rules.per_slot < 0:
        yield "appointments.per_slot: must not be negative"
    if not 0 < rules.max_share <= 1:
        yield "appointments.max_share: a share above 0 and at most 1"
    b, w = rules.lane_ratio
    if b < 1 or w < 1:
        yield f"appointments.lane_ratio: [{b}, {w}] must be two whole numbers >= 1 (booked, walk-in)"
    known = set(config.service_codes)
    for code, places in rules.per_service.items():
        if code not in known:
            yield f"appointments.per_service.{code}: no such service"
        elif places < 0:
            yield f"appointments.per_service.{code}: must not be negative"
    yield from _check_booked_numbers(config)


def _check_booked_numbers(config: CentreConfig) -> Iterator[str]:
    """Booked tickets' numbers must never be a walk-in's: `HA001` is no service's own."""
    rules = config.appointments
    prefix = rules.number_prefix
    if not re.match(r"^[A-Z]{0,3}$", prefix):
        yield f"appointments.number_prefix: {prefix!r} must be 0-3 capital letters"
    elif prefix and rules.enabled:
        for i, s in enumerate(config.services):
            if s.prefix is not None and s.prefix.startswith(prefix):
                yield (
                    f"services[{i}].prefix: {s.prefix!r} starts with appointments.number_prefix "
                    f"{prefix!r}; booked numbers could be this service's"
                )
    known = set(config.service_codes)
    taken = [
        (s.band[0], s.band[1], f"the band of service {s.code!r}") for s in config.services if s.band
    ]
    for code, (first, last) in rules.bands.items():
        where = f"appointments.bands.{code}"
        if code not in known:
            yield f"{where}: no such service"
            continue
        if not 0 < first <= last:
            yield f"{where}: [{first}, {last}] must be two positive numbers, first <= last"
            continue
        for other_first, other_last, other in taken:
            if first <= other_last and other_first <= last:
                yield f"{where}: [{first}, {last}] overlaps {other}"
        taken.append((first, last, f"the booked band of service {code!r}"))


def _check_security(security: Security) -> Iterator[str]:
    for name in (
        "kiosk_tickets_per_minute",
        "status_requests_per_minute",
        "search_requests_per_minute",
        "login_attempts_per_minute",
        "bookings_per_minute",
        "partner_bookings_per_minute",
    ):
        if getattr(security, name) <= 0:
            yield f"security.{name}: must be positive"
    for name in ("request_head_timeout_s", "request_body_timeout_s"):
        if not 0 < getattr(security, name) <= 300:
            yield f"security.{name}: between 0 and 300 seconds"
    if security.max_connections < 16:
        yield "security.max_connections: at least 16 (kiosks, displays and counters need theirs)"
    if not 1 <= security.max_connections_per_address <= security.max_connections:
        yield "security.max_connections_per_address: between 1 and max_connections"
    for name in (
        "kiosk_ticket_burst",
        "status_burst",
        "search_burst",
        "login_burst",
        "booking_burst",
        "partner_booking_burst",
    ):
        if getattr(security, name) < 1:
            yield f"security.{name}: must be at least 1"
    for i, proxy in enumerate(security.trusted_proxies):
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            yield (
                f"security.trusted_proxies[{i}]: {proxy!r} is not an address or network "
                "(like 127.0.0.1 or 10.0.0.0/24)"
            )
    if security.login_failures_before_backoff < 1:
        yield "security.login_failures_before_backoff: at least 1"
    if not 1 <= security.login_backoff_max_s <= 86400:
        yield "security.login_backoff_max_s: between 1 and 86400 seconds"
    for i, origin in enumerate(security.allowed_origins):
        if not _ORIGIN.match(origin):
            yield (
                f"security.allowed_origins[{i}]: {origin!r} must be a scheme and host, "
                "like https://intranet.example or http://192.168.1.10:8080 (no path)"
            )


def _check_devices(config: CentreConfig) -> Iterator[str]:
    counters = set(config.counter_ids)
    public_url = config.server.public_url
    if public_url and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", public_url):
        yield f"server.public_url: {public_url!r} must be like http://192.168.1.10:8080"
    devices = config.devices
    yield from printer_problems(devices.printers, devices.kiosks)
    yield from serial_line_problems(devices.serial_lines, devices.display_models, counters)


def _check_voice(config: CentreConfig) -> Iterator[str]:
    voice = config.voice
    languages = config.centre.languages
    for lang, template in voice.templates.items():
        if lang not in languages:
            yield f"voice.templates.{lang}: language not in centre.languages {languages}"
        names = _PLACEHOLDER.findall(template)
        for name in names:
            if name not in ("number", "counter"):
                yield f"voice.templates.{lang}: unknown placeholder {{{name}}} (use {{number}} and {{counter}})"
        if "number" not in names:
            yield f"voice.templates.{lang}: the phrase must say the ticket's {{number}}"
    for lang, template in voice.ticket_templates.items():
        if lang not in languages:
            yield f"voice.ticket_templates.{lang}: language not in centre.languages {languages}"
        names = _PLACEHOLDER.findall(template)
        if names != ["number"]:
            yield f"voice.ticket_templates.{lang}: say the ticket's {{number}}, once, and nothing else in braces"
    for i, lang in enumerate(voice.languages):
        if lang not in languages:
            yield f"voice.languages[{i}]: {lang!r} is not in centre.languages {languages}"
        elif not voice.template(lang):
            yield f"voice.languages[{i}]: no phrase for {lang!r}: add voice.templates.{lang}"
    for lang, name in voice.voices.items():
        if not re.match(r"^[A-Za-z0-9_+-]{1,40}$", name) or name.startswith("mb-"):
            yield f"voice.voices.{lang}: {name!r} is not a usable espeak-ng voice name"
    if not 80 <= voice.speed <= 450:
        yield f"voice.speed: {voice.speed} must be between 80 and 450 words per minute"
    if not voice.cache_dir.strip():
        yield "voice.cache_dir: give a directory for the announcement cache"
    if not 5 <= voice.max_delay_seconds <= 300:
        yield f"voice.max_delay_seconds: {voice.max_delay_seconds:g} must be between 5 and 300"


def _check_hall(config: CentreConfig) -> Iterator[str]:
    shown = config.hall.min_show_seconds
    if not 1 <= shown <= 60:
        yield f"hall.min_show_seconds: {shown:g} must be between 1 and 60"
    elif shown >= config.voice.max_delay_seconds:
        yield (
            f"hall.min_show_seconds: {shown:g} must be less than voice.max_delay_seconds "
            f"({config.voice.max_delay_seconds:g}): calls waiting for the panel longer than "
            "that are left to the list"
        )


def _check_city(config: CentreConfig) -> Iterator[str]:
    city = config.city
    if city is None:
        return
    if not _DSN.match(city.dsn.strip()):
        yield (
            "city.dsn: expected a PostgreSQL URL (postgresql://role@host/db?sslmode=verify-full)"
            " or key=value pairs (host=... dbname=... user=...)"
        )
    if not _CITY_CENTRE_ID.match(config.city_centre_id):
        yield (
            f"city.centre_id: {config.city_centre_id!r} must be 1 to 64 letters, digits, "
            "'.', '_' or '-'"
        )
