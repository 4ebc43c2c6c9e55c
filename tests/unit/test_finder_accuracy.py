"""The finder on phrasings as citizens say and type them: top-1 and top-3 accuracy.

The phrasings (tests/data/finder_phrasings.tsv) were written as citizens speak, not from
the catalogue: with and without diacritics, abbreviations, typos, any word order, some
English.  The figures are printed (`pytest -s`) so a change to the catalogue or the
ranking shows what it gained or lost; below 90 % top-1 or 98 % top-3 fails."""

from __future__ import annotations

from pathlib import Path

from queue_server.config import load_config
from queue_server.finder import Finder
from tests.support.centre import EXAMPLE_CONFIG

PHRASINGS = Path(__file__).resolve().parents[1] / "data" / "finder_phrasings.tsv"


def phrasings() -> list[tuple[str, str]]:
    rows = []
    for line in PHRASINGS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            phrase, service = line.split("\t")
            rows.append((phrase, service))
    return rows


def test_there_are_enough_phrasings_for_every_service() -> None:
    rows = phrasings()
    assert len(rows) >= 150
    services = {s.code for s in load_config(EXAMPLE_CONFIG).services}
    assert {service for _, service in rows} == services


def test_top1_and_top3_accuracy() -> None:
    finder = Finder(load_config(EXAMPLE_CONFIG).services)
    rows = phrasings()
    top1 = top3 = 0
    misses = []
    for phrase, expected in rows:
        found = [f.service for f in finder.search(phrase, limit=3)]
        top1 += found[:1] == [expected]
        top3 += expected in found
        if found[:1] != [expected]:
            misses.append(f"{phrase!r}: expected {expected}, found {found}")
    print(
        f"\nfinder: {len(rows)} phrasings, top-1 {top1 / len(rows):.1%}, top-3 {top3 / len(rows):.1%}"
    )
    print("\n".join(misses))
    assert top1 / len(rows) >= 0.90, misses
    assert top3 / len(rows) >= 0.98, misses
