"""The example keypad sketch's C, built and run on this machine for the tests.

The sketch (firmware_notes/arduino/keypad/) keeps its frame code in plain C so that the
PC's gcc builds the very file the Arduino gets, and a small harness
(tests/support/c/keypad_frames_harness.c) lets a test drive it line by line.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKETCH = ROOT / "firmware_notes" / "arduino" / "keypad"
HARNESS = Path(__file__).resolve().parent / "c" / "keypad_frames_harness.c"


def build_frames_harness(folder: Path) -> Path:
    """The harness linked with the sketch's keypad_frames.c, warnings as errors."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no gcc on this machine: the sketch's frame code cannot be built")
    binary = folder / "keypad_frames_harness"
    subprocess.run(
        [gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=all", f"-I{SKETCH}", str(HARNESS), str(SKETCH / "keypad_frames.c"),
         "-o", str(binary)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return binary


def run_harness(binary: Path, commands: list[str]) -> list[str]:
    """One answer line per command line (see the harness's header)."""
    done = subprocess.run(
        [str(binary)],
        input="".join(f"{command}\n" for command in commands),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr  # a sanitizer's report says where
    answers = done.stdout.splitlines()
    assert len(answers) == len(commands), done.stderr
    return answers
