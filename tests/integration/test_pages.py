"""The pages' files, their catalogs, and the API the pages need (voice, admin, centre)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import msgspec
import pytest

from queue_server.accounts import Role
from queue_server.engine.state import CounterStatus, TicketStatus
from queue_server.web.pages import STATIC_ROOT
from queue_server.web.routes import PAGES_TAG, ROUTES
from tests.support.centre import example_config
from tests.support.server import Api, RunningCentre, Token, serve_centre

LANGUAGES = ("vi", "en", "ar")
CATALOGS = {
    lang: json.loads((STATIC_ROOT / "i18n" / f"{lang}.json").read_text()) for lang in LANGUAGES
}
KEY = re.compile(r"^(?:[a-z]+)(?:\.[a-z_]+)+$")
NAMESPACES = {k.split(".")[0] for k in CATALOGS["vi"]}
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="make install")


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "kbd"):  # <kbd>N</kbd> names a key, not a word
            self._skip += 1
        for name, value in attrs:
            if name.startswith("data-i18n") and value:
                self.keys.add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "kbd"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and re.search(r"[^\W\d_]", data):
            self.texts.append(data.strip())


def _keys_in_scripts() -> set[str]:
    keys: set[str] = set()
    for script in (STATIC_ROOT / "js").glob("*.js"):
        for literal in re.findall(r'"([a-z_.]+)"', script.read_text()):
            if KEY.match(literal) and literal.split(".")[0] in NAMESPACES:
                keys.add(literal)
    return keys


def test_every_key_used_exists_in_every_catalog() -> None:
    assert CATALOGS["vi"].keys() == CATALOGS["en"].keys() == CATALOGS["ar"].keys()
    used: set[str] = set()
    for page in STATIC_ROOT.glob("*.html"):
        markup = _Markup()
        markup.feed(page.read_text())
        used |= markup.keys
    used |= _keys_in_scripts()
    # Keys built at run time from the queue's own values.
    used |= {f"ticket.status.{s.value}" for s in TicketStatus}
    used |= {f"counter.status.{s.value}" for s in CounterStatus}
    used |= {f"role.{r.value}" for r in Role if r not in (Role.CITIZEN, Role.ANONYMOUS)}
    used |= {f"view.{v}" for v in ("hall", "counter", "staff", "kiosk", "citizen", "admin")}
    assert len(used) > 150
    for lang, catalog in CATALOGS.items():
        missing = sorted(used - catalog.keys())
        assert not missing, f"{lang}.json lacks {missing}"


def test_catalogs_agree_on_placeholders_and_say_something() -> None:
    for key, text in CATALOGS["vi"].items():
        names = set(re.findall(r"{(\w+)}", text))
        for lang in ("en", "ar"):
            other = CATALOGS[lang][key]
            assert other.strip(), (lang, key)
            assert set(re.findall(r"{(\w+)}", other)) == names, (lang, key)
    assert re.search(r"[\u0600-\u06ff]", CATALOGS["ar"]["kiosk.lead"])


def test_no_words_in_the_markup() -> None:
    for page in STATIC_ROOT.glob("*.html"):
        markup = _Markup()
        markup.feed(page.read_text())
        assert not markup.texts, f"{page.name} has text outside the catalogs: {markup.texts}"
        assert '<html lang="vi" dir="ltr">' in page.read_text()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningCentre]:
    config = example_config(tmp_path / "centre.sqlite3")
    voice = msgspec.structs.replace(config.voice, cache_dir=str(tmp_path / "voice"))
    config = msgspec.structs.replace(config, voice=voice)
    tokens = {
        "kiosk": Token(Role.KIOSK),
        "display": Token(Role.DISPLAY),
        "admin": Token(Role.ADMIN),
    }
    async with serve_centre(
        tmp_path, tokens=tokens, people={"admin": Role.ADMIN}, config=config
    ) as running:
        yield running


async def test_pages_are_served_with_their_types_and_headers(server: RunningCentre) -> None:
    async with Api(server.base) as anyone:
        pages = [r for r in ROUTES if r.tag == PAGES_TAG]
        assert {r.path for r in pages} >= {
            "/kiosk",
            "/staff",
            "/hall",
            "/counter/{counter}",
            "/s/{code}",
        }
        for path in ("/", "/kiosk", "/staff", "/hall", "/admin", "/counter/5", "/s/abcdefgh12345"):
            async with anyone.session.get(server.base + path) as response:
                assert response.status == 200, path
                assert response.headers["Content-Type"] == "text/html; charset=utf-8"
                assert "script-src 'self'" in response.headers["Content-Security-Policy"]
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert response.headers["Cache-Control"] == "no-cache"
                etag = response.headers["ETag"]
            async with anyone.session.get(
                server.base + path, headers={"If-None-Match": etag}
            ) as again:
                assert again.status == 304
        for path, kind in (
            ("/static/js/live.js", "text/javascript; charset=utf-8"),
            ("/static/css/base.css", "text/css; charset=utf-8"),
            ("/static/i18n/ar.json", "application/json; charset=utf-8"),
            ("/static/sounds/chime.wav", "audio/wav"),
        ):
            async with anyone.session.get(server.base + path) as response:
                assert (response.status, response.headers["Content-Type"]) == (200, kind)
                assert response.headers["X-Content-Type-Options"] == "nosniff"
        for path in (
            "/counter/99",
            "/static/js/nope.js",
            "/static/secret/x.js",
            "/static/js/..%2f..%2fpyproject.toml",
            "/s/../../etc",
        ):
            status, _ = await anyone.get(path)
            assert status == 404, path


async def test_the_centre_and_the_qr_code(server: RunningCentre) -> None:
    async with Api(server.base) as anyone, Api(server.base, server.tokens["kiosk"]) as kiosk:
        status, centre = await anyone.get("/api/v1/centre")
        assert status == 200
        assert centre["notice"]["vi"].startswith("Công dân")
        assert [c["id"] for c in centre["counters"]] == list(range(1, 11))
        status, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        assert status == 201
        async with anyone.session.get(
            f"{server.base}/s/{ticket['tracking_code']}/qr.svg"
        ) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("image/svg+xml")
            assert (await response.text()).startswith("<svg")
        status, _ = await anyone.get("/s/unknown-code-123/qr.svg")
        assert status == 404


@needs_espeak
async def test_the_hall_fetches_announcements_as_wav(server: RunningCentre) -> None:
    async with (
        Api(server.base, server.tokens["kiosk"]) as kiosk,
        Api(server.base, server.tokens["display"]) as display,
        Api(server.base) as anyone,
    ):
        status, voice = await display.get("/api/v1/voice")
        assert status == 200 and voice["available"] and voice["languages"] == ["vi", "en", "ar"]
        _, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        url = f"{server.base}/api/v1/announcements/vi/{ticket['number']}-5"
        headers = {"Authorization": f"Bearer {server.tokens['display']}"}
        async with display.session.get(url, headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "audio/wav"
            assert (await response.read())[:4] == b"RIFF"
        for path, code in (
            ("/api/v1/announcements/vi/Z999-5", "unknown_ticket"),
            (f"/api/v1/announcements/vi/{ticket['number']}-99", "unknown_counter"),
            (f"/api/v1/announcements/fr/{ticket['number']}-5", "unknown_language"),
            ("/api/v1/announcements/vi/rm -rf", "unknown_call"),
        ):
            status, body = await display.get(path)
            assert (status, body["error"]["code"]) == (404, code), path
        status, _ = await anyone.get(f"/api/v1/announcements/vi/{ticket['number']}-5")
        assert status == 401


@needs_espeak
async def test_the_kiosk_fetches_its_spoken_ticket(server: RunningCentre) -> None:
    async with Api(server.base, server.tokens["kiosk"]) as kiosk:
        _, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT", "lang": "ar"})
        url = f"{server.base}/api/v1/tickets/{ticket['tracking_code']}/voice"
        headers = {"Authorization": f"Bearer {server.tokens['kiosk']}"}
        async with kiosk.session.get(url, headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "audio/wav"
            assert (await response.read())[:4] == b"RIFF"
        status, body = await kiosk.get("/api/v1/tickets/not-a-ticket-code/voice")
        assert (status, body["error"]["code"]) == (404, "unknown_ticket")


async def test_without_voice_the_hall_is_told_why(tmp_path: Path) -> None:
    config = example_config(tmp_path / "c.sqlite3")
    config = msgspec.structs.replace(
        config, voice=msgspec.structs.replace(config.voice, enabled=False)
    )
    async with (
        serve_centre(
            tmp_path, tokens={"d": Token(Role.DISPLAY), "k": Token(Role.KIOSK)}, config=config
        ) as server,
        Api(server.base, server.tokens["d"]) as display,
        Api(server.base, server.tokens["k"]) as kiosk,
    ):
        _, ticket = await kiosk.post("/api/v1/tickets", {"service": "HT"})
        status, body = await display.get(f"/api/v1/announcements/vi/{ticket['number']}-1")
        assert (status, body["error"]["code"]) == (503, "voice_unavailable")
        status, voice = await display.get("/api/v1/voice")
        assert not voice["available"] and "voice.enabled is false" in voice["reason"]


async def test_admin_manages_people_and_tokens(server: RunningCentre) -> None:
    async with Api(server.base) as admin, Api(server.base) as newcomer:
        await admin.login("admin")
        status, body = await admin.post(
            "/api/v1/users", {"username": "lan", "password": "long enough pw", "name": "Lan"}
        )
        assert status == 201 and body["user"] == {
            "username": "lan",
            "name": "Lan",
            "role": "staff",
            "disabled": False,
            "counters": [],
        }
        status, body = await admin.post(
            "/api/v1/users", {"username": "lan", "password": "long enough pw"}
        )
        assert (status, body["error"]["code"]) == (409, "account_refused")
        status, body = await admin.post("/api/v1/users", {"username": "hoa", "password": "short"})
        assert (status, body["error"]["code"]) == (422, "weak_password")
        status, body = await admin.post(
            "/api/v1/users", {"username": "x", "password": "long enough pw", "role": "kiosk"}
        )
        assert (status, body["error"]["code"]) == (422, "invalid_role")
        status, login = await newcomer.post(
            "/api/v1/login", {"username": "lan", "password": "long enough pw", "counter": 3}
        )
        assert status == 200 and login["counter"] == 3

        status, made = await admin.post("/api/v1/tokens", {"role": "display", "name": "tv-2"})
        assert status == 201 and made["token"].startswith("qs_")
        assert made["info"]["role"] == "display" and not made["info"]["revoked"]
        status, body = await admin.post("/api/v1/tokens", {"role": "display", "name": "tv-2"})
        assert status == 409
        status, body = await admin.post(
            "/api/v1/tokens", {"role": "device", "name": "kp", "counter": 77}
        )
        assert (status, body["error"]["code"]) == (404, "unknown_counter")
        async with Api(server.base, made["token"]) as tv:
            assert (await tv.get("/api/v1/voice"))[0] == 200
            status, body = await admin.post("/api/v1/tokens/tv-2/revoke")
            assert status == 200 and body["token"]["revoked"]
            assert (await tv.get("/api/v1/voice"))[0] == 401
        status, listing = await admin.get("/api/v1/tokens")
        assert "tv-2" in {t["name"] for t in listing["tokens"]}
        assert all("token" not in t for t in listing["tokens"])  # never the secret
        status, users = await admin.get("/api/v1/users")
        assert {u["username"] for u in users["users"]} == {"admin", "lan"}
        status, state = await admin.get("/api/v1/status")
        assert status == 200 and "voice" in state and "connections" in state

        admin.csrf = None  # a forged request from another site has no CSRF token
        status, body = await admin.post("/api/v1/tokens", {"role": "kiosk", "name": "evil"})
        assert (status, body["error"]["code"]) == (403, "csrf_failed")


async def test_a_mistyped_page_address_gets_a_page_and_scripts_get_json(tmp_path: Path) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    async with serve_centre(tmp_path) as server, aiohttp.ClientSession() as http:
        for path in ("/counter/99", "/rate/99", "/s/bad!code", "/no-such-page"):
            async with http.get(server.base + path, headers=browser) as response:
                text = await response.text()
                assert response.status == 404, path
                assert response.content_type == "text/html", path
                assert "Không tìm thấy trang này." in text and "هذه الصفحة غير موجودة." in text
            async with http.get(server.base + path) as response:
                assert response.status == 404 and response.content_type == "application/json"
        async with http.get(server.base + "/api/v1/nothing", headers=browser) as response:
            assert response.content_type == "application/json", "the API always answers JSON"
        async with http.get(server.base + "/counter/1", headers=browser) as response:
            assert response.status == 200 and "counter.js" in await response.text()
