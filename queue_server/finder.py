"""The procedure finder: a citizen's own words -> the centre's services, ranked, each with
the procedure that matched best and the words of the phrase that did.

Citizens rarely know which service their paper belongs to, and type as they speak:
without diacritics ("lam giay khai sinh cho con"), with typos ("khai sinhh"), in any
order, in abbreviations ("gcn", "so do"), sometimes in English.  So both the catalogue
and the phrase are folded (Vietnamese diacritics and đ taken off, lower case), each word
of the phrase is matched to the catalogue's words exactly, fuzzily (rapidfuzz) or as the
start of a word still being typed, and each configured phrase of a procedure scores by
how much of it the citizen said, rare words counting more than common ones ("giấy",
"đăng ký").  Abbreviations are simply words the config lists.

Pure, no I/O: the composition root builds one `Finder` from the config at start; a search
reads it only.  The kiosk, the volunteers' tablets and the robot all use this one.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .config import Service

MAX_WORDS = 16
"""Words of a phrase looked at: a citizen's question is short; the rest is ignored."""
FUZZY_CUTOFF = 75.0
"""rapidfuzz's ratio (0-100) for a typo to count: one wrong letter in a word of 4 or more."""
FUZZY_MIN_LENGTH = 4
"""Shorter words ("so", "do", "gcn") match only exactly: a typo in 3 letters is another word."""
PREFIX_MIN_LENGTH = 3
"""The last word may be unfinished (the kiosk searches as the citizen types)."""
MIN_COVERAGE = 0.5
"""A configured phrase counts when at least this share of its weight was said."""
PROCEDURE_SHARE = 0.7
"""When the service's own name or description matched best ("hộ tịch"), a procedure is
named only if it scored nearly as well: else the citizen asked for the service."""
_DD = str.maketrans({"đ": "d", "Đ": "d"})
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without diacritics: "Đăng ký khai sinh" -> "dang ky khai sinh".

    NFD splits each letter from its marks, which are then dropped; đ is a letter of its
    own in Unicode, so it is mapped by hand."""
    decomposed = unicodedata.normalize("NFD", text.translate(_DD))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold()


def words_of(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Found:
    """One service found: its procedure that matched best (None: the service's own name
    or description did) and the citizen's words that matched, as they typed them."""

    service: str
    procedure: str | None
    score: float
    matched: tuple[str, ...]


@dataclass(frozen=True)
class _Phrase:
    service: int
    procedure: int
    """Index in the service's procedures; -1 for the service's own name and description."""
    words: tuple[str, ...]
    weights: tuple[float, ...]
    total: float


class Finder:
    """The catalogue, indexed once: its phrases, its words and how rare each word is."""

    def __init__(self, services: Sequence[Service]) -> None:
        self._services = tuple(services)
        texts: list[tuple[int, int, str]] = []
        for s_index, service in enumerate(self._services):
            for text in _service_texts(service):
                texts.append((s_index, -1, text))
            for p_index, procedure in enumerate(service.procedures):
                for text in _texts(procedure.name.values(), *procedure.words.values()):
                    texts.append((s_index, p_index, text))
        tokenised = [(s, p, tuple(dict.fromkeys(words_of(t)))) for s, p, t in texts]
        holders: dict[str, set[tuple[int, int]]] = {}
        for s, p, words in tokenised:
            for word in words:
                holders.setdefault(word, set()).add((s, p))
        entries = len({(s, p) for s, p, _ in tokenised}) or 1
        self._rarity = {w: math.log(1 + entries / len(h)) for w, h in holders.items()}
        self._vocabulary = sorted(holders)
        self._phrases: list[_Phrase] = []
        self._phrases_of: dict[str, list[int]] = {}
        for s, p, words in tokenised:
            if not words:
                continue
            weights = tuple(self._weight(w) for w in words)
            self._phrases.append(_Phrase(s, p, words, weights, sum(weights)))
            for word in words:
                self._phrases_of.setdefault(word, []).append(len(self._phrases) - 1)

    @property
    def services(self) -> tuple[Service, ...]:
        return self._services

    def _weight(self, word: str) -> float:
        """Rare and long words tell more: "khai" says more than "giay"; "ky" little."""
        return self._rarity[word] * min(len(word), 8)

    def search(self, query: str, limit: int = 5) -> list[Found]:
        """The services for a citizen's phrase, best first; [] when nothing fits."""
        typed = _WORD.findall(unicodedata.normalize("NFC", query))[:MAX_WORDS]
        scores, words = self._procedure_scores(typed)
        best: dict[int, tuple[float, int]] = {}
        for (service, procedure), score in sorted(scores.items(), key=lambda kv: -kv[1]):
            held = best.get(service)
            if held is None:
                best[service] = (score, procedure)
            elif held[1] < 0 <= procedure and score >= PROCEDURE_SHARE * held[0]:
                best[service] = (held[0], procedure)  # the service's name won, but barely
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        order = {word: i for i, word in enumerate(typed)}
        return [
            Found(
                service=self._services[s].code,
                procedure=self._services[s].procedures[p].code if p >= 0 else None,
                score=round(score, 3),
                matched=tuple(sorted(words[s, p], key=order.__getitem__)),
            )
            for s, (score, p) in ranked
        ]

    def _procedure_scores(
        self, typed: list[str]
    ) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], set[str]]]:
        """(service, procedure) -> its best phrase's score, and the citizen's words that
        matched any of its phrases.  A phrase scores the weight said times the share said."""
        said = self._said(typed)
        heard = set(typed)
        scores: dict[tuple[int, int], float] = {}
        words: dict[tuple[int, int], set[str]] = {}
        for index in sorted({i for word in said for i in self._phrases_of.get(word, ())}):
            phrase = self._phrases[index]
            matched = 0.0
            these: set[str] = set()
            for word, weight in zip(phrase.words, phrase.weights, strict=True):
                hit = said.get(word)
                if hit is not None:
                    matched += weight * hit[0]
                    these.add(hit[1])
            coverage = matched / phrase.total
            if coverage < MIN_COVERAGE and these != heard:
                continue  # a little of a long phrase, and the citizen said more than that
            key = (phrase.service, phrase.procedure)
            scores[key] = max(scores.get(key, 0.0), matched * coverage)
            words.setdefault(key, set()).update(these)
        return scores, words

    def _said(self, typed: list[str]) -> dict[str, tuple[float, str]]:
        """The catalogue's words the citizen said: word -> (how surely, their word)."""
        folded = [(fold(word), word) for word in typed]
        said: dict[str, tuple[float, str]] = {}

        def hear(word: str, sureness: float, as_typed: str) -> None:
            if word in self._rarity and sureness > said.get(word, (0.0, ""))[0]:
                said[word] = (sureness, as_typed)

        for position, (word, as_typed) in enumerate(folded):
            if word in self._rarity:
                hear(word, 1.0, as_typed)
                continue
            if len(word) >= FUZZY_MIN_LENGTH:
                for near, ratio, _ in process.extract(
                    word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
                ):
                    if len(near) >= FUZZY_MIN_LENGTH:
                        hear(near, ratio / 100.0, as_typed)
                for cut in range(2, len(word) - 1):  # "khaisinh", "sodo": words run together
                    head, tail = word[:cut], word[cut:]
                    if head in self._rarity and tail in self._rarity:
                        hear(head, 0.95, as_typed)
                        hear(tail, 0.95, as_typed)
            if position == len(folded) - 1 and len(word) >= PREFIX_MIN_LENGTH:
                for known in self._vocabulary:
                    if known.startswith(word):
                        hear(known, 0.8, as_typed)
        return said


def _texts(*groups: Iterable[str]) -> Iterable[str]:
    for group in groups:
        yield from group


def _service_texts(service: Service) -> Iterable[str]:
    """The service's name, and each item of its description ("Khai sinh, kết hôn, ...")."""
    yield from service.name.values()
    for description in service.description.values():
        yield from description.split(",")
