"""The example ward centre, adjusted for tests: any hour, a chosen log file and durability."""

from __future__ import annotations

from pathlib import Path

import msgspec

from queue_server.config import CentreConfig, Durability, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = REPO_ROOT / "examples" / "ward-center.toml"


def example_config(db_path: Path | str, durability: Durability = "process") -> CentreConfig:
    config = load_config(EXAMPLE_CONFIG)
    return msgspec.structs.replace(
        config,
        hours=msgspec.structs.replace(config.hours, enforce=False),
        # Tests press NEXT in quick succession on purpose; the guard against a double press
        # has tests of its own (tests/unit/test_next_guard.py, the staff console's).
        queue=msgspec.structs.replace(config.queue, next_guard_seconds=0.0),
        store=msgspec.structs.replace(config.store, path=str(db_path), durability=durability),
    )


def write_example_config(
    path: Path, db_path: Path, durability: Durability = "process", next_guard_seconds: float = 0
) -> Path:
    """The example centre as a file a real server process can load: any hour, no rate limits,
    no guard against a double NEXT unless asked (tests press NEXT in quick succession)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace("enforce = true", "enforce = false")
    text = text.replace('path = "var/ward-center.sqlite3"', f'path = "{db_path}"')
    text = text.replace('durability = "process"', f'durability = "{durability}"')
    text = text.replace("next_guard_seconds = 5", f"next_guard_seconds = {next_guard_seconds:g}")
    assert "\n[security]\n" in text
    text = text.replace(
        "\n[security]\n",
        "\n[security]\nkiosk_tickets_per_minute = 1e9\nkiosk_ticket_burst = 1000000\n"
        "status_requests_per_minute = 1e9\nstatus_burst = 1000000\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    return path
