"""The hall's pace in the config: how late a call may still be announced, how long the big
panel shows each call; both with defaults, both checked."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from queue_server.config import ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ward-center.toml"


def example() -> dict[str, Any]:
    with EXAMPLE.open("rb") as f:
        return tomllib.load(f)


def test_the_example_and_the_defaults_say_20_and_4_seconds() -> None:
    config = load_config(EXAMPLE)
    assert (config.voice.max_delay_seconds, config.hall.min_show_seconds) == (20, 4)
    raw = example()
    raw.pop("hall", None)
    raw["voice"].pop("max_delay_seconds", None)
    config = parse_config(raw)
    assert (config.voice.max_delay_seconds, config.hall.min_show_seconds) == (20, 4)


@pytest.mark.parametrize(
    ("section", "change", "fragment"),
    [
        ("hall", {"min_show_seconds": 0}, "hall.min_show_seconds: 0 must be between 1 and 60"),
        ("hall", {"min_show_seconds": 30}, "must be less than voice.max_delay_seconds (20"),
        ("hall", {"flash": True}, "hall"),
        ("voice", {"max_delay_seconds": 900}, "voice.max_delay_seconds: 900 must be between"),
    ],
)
def test_a_wrong_pace_names_the_field(section: str, change: dict[str, Any], fragment: str) -> None:
    raw = example()
    raw.setdefault(section, {}).update(change)
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert fragment in str(info.value)
