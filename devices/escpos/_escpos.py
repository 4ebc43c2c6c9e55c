"""The one place python-escpos is imported, with two of its import-time habits tamed.

python-escpos 3.1, when imported:

* parses its 1 MB printer database as YAML (≈ 0.3 s) and pickles it into a fresh
  `mkdtemp()` directory, so every process pays the parse and leaves a directory
  in /tmp.  It reads `ESCPOS_CAPABILITIES_PICKLE_DIR` instead when set: we point
  it at a per-user cache and write the pickle there ourselves, from the JSON
  file with the `json` module (≈ 15 ms), atomically, so two processes starting
  together never read a half-written pickle;
* calls `logging.basicConfig()`, which would make our own logging set-up a
  no-op: handlers it adds to an unconfigured root logger are removed again.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import pickle
import platform
import tempfile
from pathlib import Path
from typing import Any


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    for candidate in (Path(base) / "queue-server", Path(tempfile.gettempdir()) / "queue-server"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    return Path(tempfile.mkdtemp(prefix="queue-server-"))


def _prepare_capabilities_pickle() -> None:
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return  # not installed: the import below says so
    source = Path(
        os.environ.get(
            "ESCPOS_CAPABILITIES_FILE",
            Path(next(iter(spec.submodule_search_locations))) / "capabilities.json",
        )
    )
    cache = _cache_dir()
    target = cache / f"{platform.python_version()}.capabilities.pickle"
    try:
        fresh = target.exists() and target.stat().st_mtime >= source.stat().st_mtime
        if not fresh:
            data = json.loads(source.read_text(encoding="utf-8"))
            fd, partial = tempfile.mkstemp(dir=cache, suffix=".partial")
            with os.fdopen(fd, "wb") as out:
                pickle.dump(data, out, protocol=2)
            os.replace(partial, target)
    except (OSError, ValueError):
        return  # python-escpos falls back to its own (slower) way
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)


def _import() -> tuple[Any, Any, dict[str, Any], bytes, bytes]:
    _prepare_capabilities_pickle()
    root = logging.getLogger()
    had = list(root.handlers)
    try:
        from escpos.capabilities import CAPABILITIES
        from escpos.constants import PAPER_FULL_CUT, PAPER_PART_CUT
        from escpos.printer import Dummy, Usb
    finally:
        if not had:
            for handler in list(root.handlers):
                root.removeHandler(handler)
    return Dummy, Usb, CAPABILITIES, PAPER_FULL_CUT, PAPER_PART_CUT


Dummy, Usb, CAPABILITIES, PAPER_FULL_CUT, PAPER_PART_CUT = _import()
PROFILES: dict[str, dict[str, Any]] = CAPABILITIES["profiles"]
