"""A folder on a small tmpfs that only some processes see: a disk that really fills.

`unshare -m` makes a mount namespace kept alive by a sleeping process, with a tmpfs of
the given size mounted on the folder; commands run in it through `nsenter`. The kernel
answers ENOSPC when it is full, as a full SD card or disk would. Needs root (or user
namespaces): where it cannot be made, the test is skipped, saying why.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .centre import REPO_ROOT


class Namespace:
    """A mount namespace kept alive by a sleeping process; commands run in it by nsenter."""

    def __init__(self, folder: Path, size_kb: int) -> None:
        self.folder = folder
        self.holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             f'mount -t tmpfs -o size={size_kb}k tmpfs "{folder}" && echo mounted && exec sleep 600'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.holder.stdout is not None
        if self.holder.stdout.readline().strip() != "mounted":
            error = self.holder.stderr.read() if self.holder.stderr else ""
            self.holder.wait(5)
            pytest.skip(f"no mount namespace with a tmpfs here: {error.strip()}")

    def command(self, *argv: str) -> list[str]:
        return ["nsenter", "-t", str(self.holder.pid), "-m", f"--wd={REPO_ROOT}", "--", *argv]

    def run(self, *argv: str) -> str:
        done = subprocess.run(
            self.command(*argv), cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
        return done.stdout

    def remount(self, size_kb: int) -> None:
        self.run("mount", "-o", f"remount,size={size_kb}k", str(self.folder))

    def close(self) -> None:
        self.holder.kill()
        self.holder.wait(5)
