"""The procedure finder's rules, on the example ward centre's catalogue."""

from __future__ import annotations

import pytest

from queue_server.config import load_config
from queue_server.finder import Finder, fold
from tests.support.centre import EXAMPLE_CONFIG


@pytest.fixture(scope="module")
def finder() -> Finder:
    return Finder(load_config(EXAMPLE_CONFIG).services)


def test_fold_takes_off_vietnamese_diacritics_and_d() -> None:
    assert fold("Đăng ký khai sinh, ĐẤT ĐAI") == "dang ky khai sinh, dat dai"
    # the same words typed in decomposed form (some phones) fold alike
    assert fold("Hộ tịch") == fold("Ho\u0323\u0302 ti\u0323ch")


def test_without_diacritics_finds_the_procedure(finder: Finder) -> None:
    first = finder.search("lam giay khai sinh cho con")[0]
    assert (first.service, first.procedure) == ("HT", "khai-sinh")
    assert {"khai", "sinh"} <= set(first.matched)


def test_matched_words_are_the_citizens_as_typed(finder: Finder) -> None:
    first = finder.search("Sang tên SỔ ĐỎ")[0]
    assert (first.service, first.procedure) == ("DD", "sang-ten")
    assert first.matched == ("Sang", "tên", "SỔ", "ĐỎ")


@pytest.mark.parametrize(
    ("phrase", "service", "procedure"),
    [
        ("dang ky tam tru", "CU", "tam-tru"),
        ("tru tam ky dang", "CU", "tam-tru"),  # any word order
        ("đăng ký tạm chú", "CU", "tam-tru"),  # a typo in a short word's neighbour
        ("giấy phép xây dưng", "XD", "gpxd"),  # a typo
        ("khaisinh", "HT", "khai-sinh"),  # words run together
        ("gcn", "DD", "cap-gcn"),  # an abbreviation the config lists
        ("cong chung cccd", "CT", "ban-sao"),
        ("marriage certificate", "HT", "ket-hon"),  # English
        ("giấy phép kinh d", "KD", "thanh-lap"),  # still typing the last word
    ],
)
def test_ways_citizens_type(finder: Finder, phrase: str, service: str, procedure: str) -> None:
    first = finder.search(phrase)[0]
    assert (first.service, first.procedure) == (service, procedure), finder.search(phrase)


def test_ranked_best_first_one_row_per_service(finder: Finder) -> None:
    found = finder.search("giấy chứng nhận", limit=8)
    assert len(found) == len({f.service for f in found}) > 1
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)
    assert len(finder.search("giấy chứng nhận", limit=2)) == 2


@pytest.mark.parametrize(
    "phrase", ["", "   ", "xin chào", "?!#", "\x00\x07\x1b[2J", "a" * 10_000, "khai " * 3000]
)
def test_nothing_to_find_is_an_empty_answer(finder: Finder, phrase: str) -> None:
    found = finder.search(phrase)
    assert found == [] or phrase.startswith("khai")
    assert len(found) <= 5


def test_a_services_own_name_names_no_procedure(finder: Finder) -> None:
    """ "hộ tịch" is the service: the kiosk must not claim the citizen wants a correction
    of their records because that procedure's name holds the words too."""
    first = finder.search("ho tich")[0]
    assert (first.service, first.procedure) == ("HT", None)
