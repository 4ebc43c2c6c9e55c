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
        store=msgspec.structs.replace(config.store, path=str(db_path), durability=durability),
    )
