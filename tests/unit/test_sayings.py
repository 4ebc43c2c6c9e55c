"""What the robot says (voice/sayings.py): the number as the hall reads it, every state."""

from __future__ import annotations

import pytest

from queue_server.voice import sayings

DIGITS, WHOLE = sayings.Voice("digits"), sayings.Voice("whole")


def test_the_number_is_read_as_the_hall_reads_it() -> None:
    assert sayings.issued(DIGITS, "vi", "A023", 4, True, "none") == (
        "Số của quý khách là A không hai ba, còn khoảng 4 người trước quý khách, mời ngồi chờ."
    )
    # "whole": the number as a numeral, which the voice reads as one ("hai mươi ba").
    assert sayings.issued(WHOLE, "vi", "A023", 4, True, "none").startswith(
        "Số của quý khách là A 23,"
    )
    assert sayings.issued(DIGITS, "ar", "A023", 0, True, "printed") == (
        "رقمك هو A صفر اثنان ثلاثة، أنت التالي، تفضل بالجلوس. يرجى أخذ تذكرتك من الطابعة."
    )


@pytest.mark.parametrize(
    ("state", "ahead", "wait", "counter", "said"),
    [
        ("waiting", 3, 400.0, None, "Number A, 1: about 3 people before you, about 7 minutes."),
        ("waiting", 0, 30.0, None, "Number A, 1: you are next."),
        ("waiting", 3, None, None, "Number A, 1: no counter is open yet; you will be called when one opens."),
        ("called", None, None, 5, "Number A, 1 has been called: please go to counter 5."),
        ("serving", None, None, 5, "Number A, 1 is being served at counter 5."),
        ("done", None, None, None, "Number A, 1 has been served. Thank you."),
        ("expired", None, None, None, "Number A, 1 is no longer valid. Please take a new number."),
    ],
)  # fmt: skip
def test_every_state_of_a_ticket_is_said(
    state: str, ahead: int | None, wait: float | None, counter: int | None, said: str
) -> None:
    assert sayings.status(WHOLE, "en", "A001", state, ahead, wait, counter) == said


def test_a_language_without_phrases_falls_back_on_english() -> None:
    line = sayings.Line("Đất đai", 2, 600.0, 1)
    assert sayings.lines("zh", [line]) == "Đất đai: 2 waiting, about 10 minutes."
