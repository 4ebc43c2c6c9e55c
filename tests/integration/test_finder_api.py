"""The procedure finder over HTTP, against a real server on the example ward centre:
what a kiosk, a volunteer's tablet or a robot asks, and what nobody should be able to
break it with."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.server import Api, serve_centre

SEARCH = "/api/v1/services/search"


async def test_a_phrase_without_diacritics_finds_the_procedure_and_its_papers(
    tmp_path: Path,
) -> None:
    async with serve_centre(tmp_path) as server, Api(server.base) as api:
        status, body = await api.get(f"{SEARCH}?q={quote('lam giay khai sinh cho con')}&lang=vi")
        assert status == 200, body
        first = body["results"][0]
        assert (first["service"], first["name"]) == ("HT", "Hộ tịch")
        assert first["procedure"]["name"] == "Đăng ký khai sinh"
        assert "Giấy chứng sinh do bệnh viện cấp" in first["procedure"]["papers"]
        assert {"khai", "sinh"} <= set(first["matched"])
        assert body["lang"] == "vi"


async def test_the_answer_speaks_the_language_asked(tmp_path: Path) -> None:
    async with serve_centre(tmp_path) as server, Api(server.base) as api:
        status, body = await api.get(f"{SEARCH}?q={quote('sang tên sổ đỏ')}&lang=en")
        assert status == 200, body
        first = body["results"][0]
        assert first["name"] == "Land"
        assert first["procedure"]["code"] == "sang-ten"
        assert first["procedure"]["papers"][1] == "Notarised sale or gift contract"
        # no Arabic papers in the example: the centre's own language stands in
        status, body = await api.get(f"{SEARCH}?q=gcn&lang=ar")
        assert status == 200
        assert body["results"][0]["procedure"]["papers"][0].startswith("Đơn đăng ký đất đai")


async def test_nothing_found_is_an_empty_list(tmp_path: Path) -> None:
    async with serve_centre(tmp_path) as server, Api(server.base) as api:
        assert await api.get(f"{SEARCH}?q=xin+ch%C3%A0o") == (
            200,
            {"query": "xin chào", "lang": "vi", "results": []},
        )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=",
        "q=%20%20",
        "q=khai%00sinh",
        "q=khai%1B%5B2Jsinh",
        "q=%E2%80%AEsinh",  # a right-to-left override
        "q=" + "a" * 10_000,
        "q=" + "%C4%91" * 3_000,
        "q=khai+sinh&lang=fr",
        "q=%FF%FE",  # not UTF-8
    ],
)
async def test_a_bad_query_is_a_4xx_with_the_json_error(tmp_path: Path, query: str) -> None:
    async with serve_centre(tmp_path) as server, Api(server.base) as api:
        status, body = await api.get(f"{SEARCH}?{query}")
        assert 400 <= status < 500, (status, body)
        assert set(body["error"]) >= {"code", "message"}, body


async def test_searches_are_rate_limited_per_client(tmp_path: Path) -> None:
    security = {"search_requests_per_minute": 0.001, "search_burst": 2}
    async with serve_centre(tmp_path, security=security) as server, Api(server.base) as api:
        statuses = [(await api.get(f"{SEARCH}?q=khai+sinh"))[0] for _ in range(3)]
        assert statuses == [200, 200, 429]
        status, body = await api.get(f"{SEARCH}?q=khai+sinh")
        assert (status, body["error"]["code"]) == (429, "too_many_requests")
