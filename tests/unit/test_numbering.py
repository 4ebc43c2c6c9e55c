"""Printed ticket numbers: a prefix with zero-padded digits, or a number from a band."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.engine.errors import NumberingExhausted
from queue_server.engine.numbering import format_number
from queue_server.engine.setup import ServiceSetup


def prefixed(prefix: str = "A", digits: int = 3) -> ServiceSetup:
    return ServiceSetup(code="HT", prefix=prefix, digits=digits)


def banded(first: int, last: int) -> ServiceSetup:
    return ServiceSetup(code="TKQ", band=(first, last))


@pytest.mark.parametrize(
    ("prefix", "digits", "serial", "expected"),
    [
        ("A", 3, 1, "A001"),
        ("A", 3, 23, "A023"),
        ("A", 3, 999, "A999"),
        ("B", 1, 7, "B7"),
        ("C", 2, 5, "C05"),
        ("XY", 4, 42, "XY0042"),
        ("Q", 6, 123456, "Q123456"),
    ],
)
def test_prefix_and_zero_padded_digits(
    prefix: str, digits: int, serial: int, expected: str
) -> None:
    assert format_number(prefixed(prefix, digits), serial) == expected


def test_prefix_numbers_past_the_digits_grow_instead_of_wrapping() -> None:
    """A001 and A1000 must never collide: the day's 1000th ticket is longer, not reused."""
    assert format_number(prefixed("A", 3), 1000) == "A1000"


@given(
    digits=st.integers(1, 6),
    serials=st.lists(st.integers(1, 10**7), min_size=2, max_size=20, unique=True),
)
def test_prefix_numbers_are_distinct_for_distinct_serials(digits: int, serials: list[int]) -> None:
    service = prefixed("A", digits)
    numbers = [format_number(service, s) for s in serials]
    assert len(set(numbers)) == len(numbers)
    for serial, number in zip(serials, numbers, strict=True):
        assert number.startswith("A")
        assert int(number[1:]) == serial
        assert len(number) == 1 + max(digits, len(str(serial)))


@pytest.mark.parametrize(
    ("band", "serial", "expected"),
    [((9001, 9999), 1, "9001"), ((9001, 9999), 2, "9002"), ((9001, 9999), 999, "9999")],
)
def test_band_numbers_count_up_from_the_first(
    band: tuple[int, int], serial: int, expected: str
) -> None:
    assert format_number(banded(*band), serial) == expected


def test_a_band_of_one_number() -> None:
    assert format_number(banded(5, 5), 1) == "5"
    with pytest.raises(NumberingExhausted):
        format_number(banded(5, 5), 2)


def test_an_exhausted_band_is_refused_and_says_which_band() -> None:
    with pytest.raises(NumberingExhausted) as info:
        format_number(banded(9001, 9999), 1000)
    assert info.value.code == "numbering_exhausted"
    assert "TKQ" in info.value.message
    assert "9001-9999" in info.value.message
