"""The procedure finder: how long one search takes over the example ward centre's
catalogue, as `GET /api/v1/services/search` runs it (the index built once, at start).

Every phrasing of tests/data/finder_phrasings.tsv is searched in turn, round after round
(with and without diacritics, typos, abbreviations, English; the long tail of what
citizens type), and each search is timed alone.  Also: building the index (once, at
start) and a worst case, a 200-character query of words that all miss.  Goal: p99 of one
search <= 5 ms (issue #18).

    python -m bench.finder [--quick] [--summary FILE]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from queue_server.finder import Finder

from .common import (
    REPO,
    Figure,
    add_summary_option,
    bench_config,
    figure_of,
    machine_line,
    out,
    summarize,
    table,
    write_summary,
)

PHRASINGS = REPO / "tests" / "data" / "finder_phrasings.tsv"
GOAL_MS = 5.0
WORST = " ".join(["thutucxyz"] * 20)[:200]
"""Twenty long words that match nothing exactly: each goes through rapidfuzz and every split."""


def phrasings(path: Path = PHRASINGS) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")]


def timed_ms(finder: Finder, queries: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            finder.search(query)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round, for the smoke test")
    add_summary_option(parser)
    args = parser.parse_args()
    rounds = 1 if args.quick else 20
    out(machine_line())
    config = bench_config()
    builds = []
    for _ in range(3 if args.quick else 10):
        started = time.perf_counter()
        finder = Finder(config.services)
        builds.append((time.perf_counter() - started) * 1000)
    queries = phrasings()
    procedures = sum(len(s.procedures) for s in config.services)
    out(
        f"finder: {len(config.services)} services, {procedures} procedures; "
        f"{len(queries)} phrasings x {rounds} rounds"
    )
    timed_ms(finder, queries, 1)  # warm up
    search = summarize(timed_ms(finder, queries, rounds))
    worst = summarize(timed_ms(finder, [WORST], max(rounds * 10, 20)))
    build = summarize(builds)
    out()
    out(
        table(
            ["ms", "n", "median", "p99", "max"],
            [
                ["one search", search.n, search.median, search.p99, search.max],
                ["worst query (200 chars)", worst.n, worst.median, worst.p99, worst.max],
                ["build the index", build.n, build.median, build.p99, build.max],
            ],
        )
    )
    out()
    met = search.p99 <= GOAL_MS
    out(f"goal: one search <= {GOAL_MS:g} ms p99: {'met' if met else 'NOT met'}")
    figures: list[Figure] = [
        figure_of("Finder", "one search", "ms", search, f"<= {GOAL_MS:g} ms p99", met),
        figure_of("Finder", "worst query (200 chars)", "ms", worst),
        figure_of("Finder", "build the index (at start)", "ms", build),
    ]
    write_summary(args.summary, figures)


if __name__ == "__main__":
    main()
