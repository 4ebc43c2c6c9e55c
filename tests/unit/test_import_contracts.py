"""The dependency rules of `make lint` hold, and each one fails when it is broken.

The contracts live in pyproject.toml (`[tool.importlinter]`).  A contract that could
never fail would be a comment: so each is broken on purpose, in a copy of the
packages with one bad import added, and `lint-imports` must name it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("queue_server", "devices", "display")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_project_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("queue_server/engine/_breach.py", "from queue_server import config", "engine"),
        ("queue_server/engine/_breach.py", "import aiohttp", "engine"),
        ("queue_server/store/_breach.py", "from queue_server.engine import state", "event log"),
        ("devices/_breach.py", "from queue_server.engine import events", "Device libraries"),
        ("display/agent/_breach.py", "import queue_server.live.fanout", "display agent"),
        ("queue_server/web/_breach.py", "from queue_server import app", "web layer"),
        ("queue_server/city/_breach.py", "from queue_server import config", "city link imports"),
        ("queue_server/web/_breach.py", "import psycopg", "reach the city link"),
        ("queue_server/city/_breach.py", "import aiohttp", "city link imports"),
        ("queue_server/city/web/_breach.py", "from queue_server import dispatcher", "city service"),
        (
            "queue_server/live/_breach.py",
            "from queue_server.city import shipper",
            "reach the city link",
        ),
    ],
)
def test_a_broken_rule_is_reported(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(f"{bad_import}  # breaks a rule on purpose\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert len(broken) == 1 and contract in broken[0], result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout
