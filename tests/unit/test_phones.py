"""Phone numbers as bookings keep them: checked, normalised, masked, digested per day;
and the per-day keys in a real accounts file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from queue_server.accounts.day_keys import DayKeys
from queue_server.accounts.phones import masked_phone, normalise_phone, person_digest


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0912345123", "+84912345123"),
        ("+84912345123", "+84912345123"),
        ("091 234 5123", "+84912345123"),
        ("+84 (91) 234-51.23", "+84912345123"),
        ("091234512", None),  # 8 digits after 0
        ("09123451234", None),  # 10
        ("84912345123", None),  # no + and no 0
        ("+85912345123", None),
        ("09123451a3", None),
        ("", None),
        ("０９１２３４５１２３", None),  # full-width digits are not ASCII digits
    ],
)
def test_a_vietnamese_mobile_number_is_normalised_or_refused(typed: str, kept: str | None) -> None:
    assert normalise_phone(typed) == kept


def test_the_masked_form_shows_the_start_and_the_last_three() -> None:
    assert masked_phone("+84912345123") == "09xx xxx 123"


def test_digests_match_under_one_days_key_only() -> None:
    monday, tuesday = b"k" * 32, b"t" * 32
    a = person_digest(monday, "+84912345123")
    assert a == person_digest(monday, "+84912345123")
    assert a != person_digest(monday, "+84912345124")
    assert a != person_digest(tuesday, "+84912345123")
    assert "912345123" not in a and len(a) == 64


def test_day_keys_are_made_once_kept_in_the_file_and_dropped_through_a_day(
    tmp_path: Path,
) -> None:
    path = tmp_path / "centre.accounts.sqlite3"
    keys = DayKeys(path)
    first = keys.key("2030-01-07")
    assert keys.key("2030-01-07") == first and len(first) == 32
    other = DayKeys(path)  # another process (a second connection) agrees
    assert other.key("2030-01-07") == first
    assert other.key("2030-01-08") != first
    keys.key("2030-01-09")
    assert keys.drop_through("2030-01-08") == 2
    with sqlite3.connect(path) as db:
        days = [r[0] for r in db.execute("SELECT day FROM appointment_day_keys")]
    assert days == ["2030-01-09"]
    assert keys.key("2030-01-07") != first, "a dropped key is never found again"
    keys.close()
    other.close()
