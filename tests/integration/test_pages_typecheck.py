"""`make lint` type-checks the pages' JavaScript (tsc --checkJs against display/static/js/
messages.js): the real pages pass, and the same check does fail on a type error."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from queue_server.web.pages import STATIC_ROOT

TSC = Path("/usr/bin/tsc")  # Debian's node-typescript, installed by `make install`
DISPLAY = STATIC_ROOT.parent
CONFIG = DISPLAY / "tsconfig.json"
SCRIPTS = STATIC_ROOT / "js"


def _tsc(config: Path) -> subprocess.CompletedProcess[str]:
    assert TSC.exists(), "tsc is missing: `make install` installs Debian's node-typescript"
    return subprocess.run(
        [str(TSC), "-p", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_config(tmp_path: Path) -> Path:
    """The real tsconfig.json and the real messages.js, in a tree of their own."""
    shutil.copy(CONFIG, tmp_path / "tsconfig.json")
    (tmp_path / "static" / "js").mkdir(parents=True)
    shutil.copy(SCRIPTS / "messages.js", tmp_path / "static" / "js" / "messages.js")
    return tmp_path


def _page(root: Path, body: str) -> None:
    (root / "static" / "js" / "page.js").write_text(
        "// @ts-check\n"
        "/** @typedef {import('./messages.js').CallMessage} CallMessage */\n\n"
        "/** @param {CallMessage} call */\n"
        f"export function shown(call) {{\n  {body}\n}}\n"
    )


def test_the_pages_type_check() -> None:
    result = _tsc(CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_asks_to_be_checked() -> None:
    scripts = sorted(SCRIPTS.glob("*.js"))
    assert len(scripts) > 10
    unchecked = [s.name for s in scripts if not s.read_text().startswith("// @ts-check\n")]
    assert unchecked == []


def test_a_call_whose_number_is_read_as_a_number_fails(copy_of_config: Path) -> None:
    # A ticket's number is text ("A023"): arithmetic on it is what the check is for.
    _page(copy_of_config, "return Math.max(call.number, call.counter);")
    result = _tsc(copy_of_config / "tsconfig.json")
    assert result.returncode != 0
    assert "page.js(6," in result.stdout
    assert "error TS2345: Argument of type 'string' is not assignable to parameter of type" in (
        result.stdout
    )


def test_the_same_call_read_as_text_passes(copy_of_config: Path) -> None:
    # The control: the failure above is the type error's, not the temporary tree's.
    _page(copy_of_config, "return `${call.number.padStart(4)} → ${call.counter + 1}`;")
    result = _tsc(copy_of_config / "tsconfig.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_snapshot_field_of_another_view_fails(copy_of_config: Path) -> None:
    # A kiosk's snapshot has services, never counters: the union on `type` plus the
    # per-view snapshots catch a page reading what its view is never sent.
    (copy_of_config / "static" / "js" / "page.js").write_text(
        "// @ts-check\n"
        "/** @param {import('./messages.js').KioskSnapshot} m */\n"
        "export const ids = (m) => m.counters.map((c) => c.id);\n"
    )
    result = _tsc(copy_of_config / "tsconfig.json")
    assert result.returncode != 0
    assert "Property 'counters' does not exist on type 'KioskSnapshot'" in result.stdout
