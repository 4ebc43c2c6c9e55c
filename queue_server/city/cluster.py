"""A PostgreSQL cluster of our own: initdb into a folder, a unix socket in that folder,
no TCP port.  The tests and `python -m bench.city` start one; a city runs its own.

The server binaries are looked for on PATH, then under Debian's
/usr/lib/postgresql/<version>/bin (where the `postgresql` package puts them).  initdb
refuses to run as root, and tests run as root on the project's machines: then every
command of the cluster runs as the `postgres` user (`runuser`), which owns the folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

PORT = 5432
"""Only names the socket file (`.s.PGSQL.5432`) in the cluster's own folder."""


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl, or a failure that says how to get them."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise RuntimeError(
        "PostgreSQL's server binaries (initdb, pg_ctl) are missing: `make install` "
        "installs Debian's postgresql package"
    )


class Cluster:
    """One cluster, started and stopped at will (an outage is a stop and a start)."""

    def __init__(self, folder: Path, create: bool = True) -> None:
        """`folder`: an empty folder of its own, whose parents `postgres` may pass
        (`tempfile.mkdtemp()`, not pytest's tmp_path, which only root may enter);
        `create=False`: the cluster already in it (to stop one left running)."""
        self.folder = folder
        self.data = folder / "data"
        self.bin = server_binaries()
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            postgres = pwd.getpwnam("postgres")
            os.chown(folder, postgres.pw_uid, postgres.pw_gid)
        if create:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 (our own binaries, our own arguments)
            [*self._as, str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self, settings: Mapping[str, str] | None = None) -> None:
        """Start it; `settings` are server settings (`{"fsync": "off"}`), as `-c`."""
        options = " ".join(
            [f"-k {self.folder} -p {PORT} -c listen_addresses=''"]
            + [f"-c {name}={value}" for name, value in (settings or {}).items()]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.folder / "log"),
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def dsn(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@/{database}?host={self.folder}&port={PORT}"
