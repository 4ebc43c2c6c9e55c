"""The city service over a real PostgreSQL: its API and CSV, its roles, its live feed."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import aiohttp
import psycopg

from queue_server.city.central import send
from queue_server.city.rows import batch
from queue_server.city.web.app import ROUTES
from queue_server.city.web.settings import CitySettings
from queue_server.web.login_guard import LoginGuard
from tests.integration.test_city_read_model import log_rows, played_day
from tests.support.city import centre_role, city_database, service_role
from tests.support.city_service import PASSWORD, add_accounts, logged_in, serve_city
from tests.support.postgres import Cluster


async def ship_day(postgres: Cluster, admin: str, centre_id: str) -> int:
    """A played day shipped as `centre_id`; how many events."""
    desk = played_day()
    dsn = centre_role(postgres, admin, centre_id)
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as db:
        return await send(db, batch(centre_id, desk.config.zone, log_rows(desk.log)))


async def test_rows_and_the_daily_report_side_by_side_in_json_and_csv(
    postgres: Cluster,
) -> None:
    admin = city_database(postgres)
    await add_accounts(admin)
    await ship_day(postgres, admin, "ward-a")
    await ship_day(postgres, admin, "ward-b")
    amber = CitySettings(amber_minutes=11.5, red_minutes=40)
    async with serve_city(service_role(postgres, admin), amber) as city:
        client, _ = await logged_in(city.base, "watcher")
        async with client:
            async with client.get("/api/v1/city/centres", params={"day": "2025-07-14"}) as got:
                assert got.status == 200
                rows = (await got.json())["centres"]
            assert [r["centre_id"] for r in rows] == ["ward-a", "ward-b"]
            assert rows[0]["waiting"] == 1 and rows[0]["served"] == 1
            assert rows[0]["median_wait_s"] == 660 and rows[0]["open_counters"] == 1

            async with client.get("/api/v1/city/reports/daily?day=2025-07-14") as got:
                report = await got.json()
            ward_a = report["centres"][0]
            assert (ward_a["issued"], ward_a["served"], ward_a["no_show"]) == (4, 1, 1)
            assert ward_a["ended_unstarted"] == 1 and ward_a["open"] == 1
            assert ward_a["wait_minutes"]["median_s"] == 660
            assert ward_a["wait_minutes"]["median"] == 11.0
            assert ward_a["service_minutes"]["count"] == 1
            assert ward_a["service_minutes"]["median_s"] == 300
            assert ward_a["satisfaction"]["satisfied_share"] == 1.0
            # Waits of 7, 12 and 11 minutes against the city's amber 11.5: two of three.
            assert ward_a["wait_target"] == {"minutes": 11.5, "within_share": 0.667}

            url = "/api/v1/city/reports/daily?day=2025-07-14&format=csv&lang=vi"
            async with client.get(url) as got:
                assert got.status == 200
                assert got.headers["Content-Type"].startswith("text/csv")
                text = (await got.read()).decode("utf-8")
            assert text.startswith("\ufeff")
            table = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
            assert table[0][:3] == ["Trung tâm", "Số đã cấp", "Đã phục vụ"]
            assert [r[0] for r in table[1:]] == ["ward-a", "ward-b"]
            assert table[1][1:3] == ["4", "1"]
            assert table[1][8] == "11,0"  # the median wait, with the Vietnamese decimal mark
            assert table[1][14] == "0,667"  # within the amber wait

            async with client.get("/api/v1/city/centres/ward-a?day=2025-07-14") as got:
                centre = await got.json()
            assert [s["service"] for s in centre["services"]] == ["CT", "HT"]
            assert sum(h["issued"] for h in centre["hours"]) == 4


async def test_bad_input_gets_the_json_error_body(postgres: Cluster) -> None:
    admin = city_database(postgres)
    await add_accounts(admin)
    async with serve_city(service_role(postgres, admin)) as city:
        client, csrf = await logged_in(city.base, "boss")
        async with client:
            cases = [
                ("GET", "/api/v1/city/centres?day=yesterday", None, 400, "invalid_day"),
                ("GET", "/api/v1/city/centres?day=2025-02-30", None, 400, "invalid_day"),
                ("GET", "/api/v1/city/reports/daily?format=xls", None, 400, "invalid_format"),
                ("GET", "/api/v1/city/reports/daily?format=csv&lang=fr", None, 400, "invalid_lang"),
                ("GET", "/api/v1/city/centres/nowhere", None, 404, "unknown_centre"),
                ("GET", "/api/v1/city/nothing", None, 404, "not_found"),
                ("POST", "/api/v1/city/users", b"{", 400, "malformed_json"),
                ("POST", "/api/v1/city/users", b'{"username": ""}', 422, "invalid_body"),
                (
                    "POST",
                    "/api/v1/city/users",
                    b'{"username": "x", "password": "short"}',
                    422,
                    "weak_password",
                ),
            ]
            for method, path, body, status, code in cases:
                headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
                async with client.request(method, path, data=body, headers=headers) as got:
                    assert got.status == status, (path, await got.text())
                    assert (await got.json())["error"]["code"] == code, path


async def test_roles_viewer_looks_admin_adds_accounts_nobody_anonymous(
    postgres: Cluster,
) -> None:
    admin = city_database(postgres)
    await add_accounts(admin)
    async with serve_city(service_role(postgres, admin)) as city:
        async with aiohttp.ClientSession(base_url=city.base) as anonymous:
            for path in (
                "/api/v1/city/centres",
                "/api/v1/city/reports/daily",
                "/api/v1/city/users",
                "/api/v1/city/ws",
                "/api/v1/city/session",
            ):
                async with anonymous.get(path) as got:
                    assert got.status == 401, path
                    assert (await got.json())["error"]["code"] == "unauthenticated"
            async with anonymous.post(
                "/api/v1/city/login", json={"username": "boss", "password": "wrong password!"}
            ) as got:
                assert got.status == 401
                assert (await got.json())["error"]["code"] == "bad_credentials"

        viewer, viewer_csrf = await logged_in(city.base, "watcher")
        async with viewer:
            async with viewer.get("/api/v1/city/centres") as got:
                assert got.status == 200
            async with viewer.get("/api/v1/city/users") as got:
                assert got.status == 403
            new = {"username": "intruder", "password": "long enough password"}
            headers = {"X-CSRF-Token": viewer_csrf}
            async with viewer.post("/api/v1/city/users", json=new, headers=headers) as got:
                assert got.status == 403
                assert (await got.json())["error"]["code"] == "forbidden"

        boss, boss_csrf = await logged_in(city.base, "boss")
        async with boss:
            new = {"username": "analyst", "password": "long enough password", "role": "viewer"}
            async with boss.post("/api/v1/city/users", json=new) as got:
                assert got.status == 403  # no CSRF token: a forged request is refused
                assert (await got.json())["error"]["code"] == "csrf_failed"
            headers = {"X-CSRF-Token": boss_csrf}
            async with boss.post("/api/v1/city/users", json=new, headers=headers) as got:
                assert got.status == 201
            async with boss.get("/api/v1/city/users") as got:
                names = [u["username"] for u in (await got.json())["users"]]
            assert names == ["analyst", "boss", "watcher"]
            async with boss.post("/api/v1/city/logout", headers=headers) as got:
                assert got.status == 204
            async with boss.get("/api/v1/city/centres") as got:
                assert got.status == 401  # the session is gone on the server too
        analyst, _ = await logged_in(city.base, "analyst", "long enough password")
        async with analyst, analyst.get("/api/v1/city/users") as got:
            assert got.status == 403  # made a viewer


async def test_wrong_passwords_for_an_account_make_it_wait(postgres: Cluster) -> None:
    """Guessing from many addresses is slowed per account, as at the centre: after five
    wrong passwords even the right one waits (429, Retry-After: 1 s, then twice as long
    each time), other accounts do not."""
    admin = city_database(postgres)
    await add_accounts(admin)
    stopped_clock = LoginGuard(clock=lambda: 1000.0)  # a wait never runs out by itself
    async with (
        serve_city(service_role(postgres, admin), login_guard=stopped_clock) as city,
        aiohttp.ClientSession(base_url=city.base) as client,
    ):
        wrong = {"username": "boss", "password": "a guess, not it"}
        for _ in range(5):
            async with client.post("/api/v1/city/login", json=wrong) as got:
                assert got.status == 401
        right = {"username": "boss", "password": PASSWORD}
        async with client.post("/api/v1/city/login", json=right) as got:
            assert got.status == 429
            assert int(got.headers["Retry-After"]) >= 1
            assert (await got.json())["error"]["code"] == "too_many_requests"
        other = {"username": "watcher", "password": PASSWORD}
        async with client.post("/api/v1/city/login", json=other) as got:
            assert got.status == 200


async def test_the_websocket_pushes_a_centres_row_when_its_batch_lands(
    postgres: Cluster,
) -> None:
    admin = city_database(postgres)
    await add_accounts(admin)
    desk = played_day()
    rows = log_rows(desk.log)
    centre = centre_role(postgres, admin, "ward-a")
    settings = CitySettings(timezone="UTC")
    async with serve_city(service_role(postgres, admin), settings) as city:
        client, _ = await logged_in(city.base, "watcher")
        async with client, client.ws_connect("/api/v1/city/ws") as socket:
            first = await socket.receive_json(timeout=15)
            assert first == {"type": "rows", "rows": []}
            async with await psycopg.AsyncConnection.connect(centre, autocommit=True) as db:
                await send(db, batch("ward-a", desk.config.zone, rows[:3]))
            async with asyncio.timeout(15):
                pushed = await socket.receive_json()
            assert [r["centre_id"] for r in pushed["rows"]] == ["ward-a"]
            assert pushed["rows"][0]["last_event_at"] is not None


README = Path(__file__).resolve().parents[2] / "README.md"
PARAMS = {"{centre}": "ward-a", "{kind}": "js", "{file}": "city.js"}


def city_access_table() -> dict[str, dict[str, bool]]:
    """README's city table (after `<!-- access:city -->`): route -> role -> allowed."""
    text = README.read_text(encoding="utf-8").split("<!-- access:city -->", 1)[1]
    lines = text.strip().splitlines()
    head = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    table: dict[str, dict[str, bool]] = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert all(cell in ("✓", "—") for cell in cells[1:]), line
        table[cells[0].strip("`")] = {
            role: cell == "✓" for role, cell in zip(head, cells[1:], strict=True)
        }
    return table


async def test_every_route_answers_as_the_readmes_city_table_says(postgres: Cluster) -> None:
    """The README is the promise: each cell is tried, each route of the app is listed."""
    table = city_access_table()
    assert set(table) == {f"{method} {path}" for method, path, _ in ROUTES}
    admin = city_database(postgres)
    await add_accounts(admin)
    await ship_day(postgres, admin, "ward-a")
    users = {"viewer": "watcher", "city_admin": "boss"}
    async with serve_city(service_role(postgres, admin)) as city:
        for route, allowed in table.items():
            method, path = route.split(" ", 1)
            for name, value in PARAMS.items():
                path = path.replace(name, value)
            for role, may in allowed.items():
                if role == "anyone":
                    client, csrf = aiohttp.ClientSession(base_url=city.base), ""
                else:
                    client, csrf = await logged_in(city.base, users[role])
                async with client:
                    body = {"username": "x", "password": "not the password"}
                    async with client.request(
                        method,
                        path,
                        json=body if method == "POST" else None,
                        headers={"X-CSRF-Token": csrf},
                        allow_redirects=False,
                    ) as got:
                        refused = got.status in (401, 403) and (await got.json())["error"][
                            "code"
                        ] in ("unauthenticated", "forbidden")
                assert refused != may, (route, role, got.status)


async def test_the_openapi_document_states_every_operation_its_roles_and_its_bodies(
    postgres: Cluster,
) -> None:
    admin = city_database(postgres)
    async with (
        serve_city(service_role(postgres, admin)) as city,
        aiohttp.ClientSession(base_url=city.base) as client,
        client.get("/api/v1/city/openapi.json") as got,
    ):
        assert got.status == 200
        document = await got.json()
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    table = city_access_table()
    assert set(operations) == set(table)
    for route, operation in operations.items():
        allowed = [role for role in ("viewer", "city_admin") if table[route][role]]
        expected = ["anyone"] if table[route]["anyone"] else sorted(allowed)
        assert operation["x-roles"] == expected, route
    body = operations["POST /api/v1/city/users"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/NewUser"
    new_user = document["components"]["schemas"]["NewUser"]
    assert new_user["properties"]["username"]["maxLength"] == 64
    assert new_user["properties"]["role"]["$ref"].endswith("CityRole")
    daily = operations["GET /api/v1/city/reports/daily"]["parameters"]
    assert [p["name"] for p in daily] == ["day", "format", "lang"]


async def test_the_feed_listens_again_after_its_connection_is_cut(postgres: Cluster) -> None:
    """PostgreSQL restarted or the connection cut: the feed opens LISTEN again and sends
    every row, so a browser misses nothing that landed meanwhile."""
    admin = city_database(postgres)
    await add_accounts(admin)
    desk = played_day()
    rows = log_rows(desk.log)
    centre = centre_role(postgres, admin, "ward-a")
    async with serve_city(service_role(postgres, admin)) as city:
        client, _ = await logged_in(city.base, "watcher")
        async with client, client.ws_connect("/api/v1/city/ws") as socket:
            pushed = await socket.receive_json(timeout=15)
            assert pushed["rows"] == []
            async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as db:
                cut = await db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE query LIKE 'LISTEN city_centres%'"
                )
                assert await cut.fetchall() == [(True,)]
            async with await psycopg.AsyncConnection.connect(centre, autocommit=True) as db:
                await send(db, batch("ward-a", desk.config.zone, rows))
            async with asyncio.timeout(15):  # the centre had no row before: now it has
                while not any(r["centre_id"] == "ward-a" for r in pushed["rows"]):
                    pushed = await socket.receive_json()


async def test_a_session_that_ends_closes_its_live_feed(postgres: Cluster) -> None:
    """Logging out closes that browser's feed at once; a session that runs out closes
    its feed within a check (a viewer's access ends with their session, as at a centre)."""
    admin = city_database(postgres)
    await add_accounts(admin)
    async with serve_city(service_role(postgres, admin), CitySettings(timezone="UTC")) as city:
        leaving, csrf = await logged_in(city.base, "watcher")
        lapsing, _ = await logged_in(city.base, "watcher")
        async with (
            leaving,
            lapsing,
            leaving.ws_connect("/api/v1/city/ws") as left,
            lapsing.ws_connect("/api/v1/city/ws") as lapsed,
        ):
            assert (await left.receive_json(timeout=15))["type"] == "rows"
            assert (await lapsed.receive_json(timeout=15))["type"] == "rows"
            async with leaving.post("/api/v1/city/logout", headers={"X-CSRF-Token": csrf}) as r:
                assert r.status == 204
            closing = await left.receive(timeout=2)
            assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 4401)
            with psycopg.connect(admin, autocommit=True) as db:  # the other runs out
                db.execute("UPDATE city.sessions SET expires_at = now()")
            closing = await lapsed.receive(timeout=3)
            assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 4401)
