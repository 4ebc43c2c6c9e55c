"""What the hall says: the configured template with the ticket number spelled for the ear.

espeak-ng reads "A023" as "A, twenty-three", but centres read numbers either digit by
digit ("A không hai ba") or as a whole number ("A hai mươi ba"), by local habit.  So the
number is spelled here, per language, before espeak-ng sees it: letters by their names
in the language, digits as words.  The counter stays a numeral: every voice reads a
small number correctly in its own language.
"""

from __future__ import annotations

import re
from typing import Literal

from ..config import Voice

NumberStyle = Literal["digits", "whole"]

DIGITS: dict[str, tuple[str, ...]] = {
    "vi": ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "ar": ("صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة"),
}
"""Digit words; a language not listed gets the bare digits, which its voice reads one by one."""

LETTERS: dict[str, dict[str, str]] = {
    "vi": {
        "A": "A",
        "B": "Bê",
        "C": "Xê",
        "D": "Dê",
        "E": "E",
        "F": "Ép",
        "G": "Giê",
        "H": "Hát",
        "I": "I",
        "J": "Gi",
        "K": "Ca",
        "L": "Lờ",
        "M": "Mờ",
        "N": "Nờ",
        "O": "O",
        "P": "Pê",
        "Q": "Quy",
        "R": "Rờ",
        "S": "Ét",
        "T": "Tê",
        "U": "U",
        "V": "Vê",
        "W": "Vê kép",
        "X": "Ích",
        "Y": "I dài",
        "Z": "Dét",
    },
}
"""Letter names; elsewhere the capital letter is left for the voice to name."""

LETTER_PAUSE = {"en": ","}
"""English voices read a lone "A" as the article; a comma makes it the letter."""

_NUMBER = re.compile(r"^([A-Z]*)(\d+)$")


def spell_number(number: str, lang: str, style: NumberStyle = "digits") -> str:
    """A ticket number as the hall should say it: "A023" -> "A không hai ba" (vi, digits)."""
    match = _NUMBER.match(number)
    if match is None:
        return number
    letters, digits = match.groups()
    names = LETTERS.get(lang, {})
    words = [names.get(letter, letter) for letter in letters]
    if words and lang in LETTER_PAUSE:
        words[-1] += LETTER_PAUSE[lang]
    if style == "whole":
        words.append(str(int(digits)))
    else:
        table = DIGITS.get(lang)
        words += [table[int(d)] if table else d for d in digits]
    return " ".join(words)


def phrase(voice: Voice, lang: str, number: str, counter: int) -> str:
    """The whole announcement in one language."""
    template = voice.template(lang)
    if template is None:
        raise KeyError(lang)
    spoken = spell_number(number, lang, voice.numbers)
    return template.replace("{number}", spoken).replace("{counter}", str(counter))


def ticket_phrase(voice: Voice, lang: str, number: str) -> str:
    """What the kiosk says as it hands out a ticket, in the citizen's language."""
    template = voice.ticket_template(lang)
    if template is None:
        raise KeyError(lang)
    return template.replace("{number}", spell_number(number, lang, voice.numbers))
