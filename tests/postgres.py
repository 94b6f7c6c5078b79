"""A throwaway PostgreSQL 15 (Debian's `postgresql` package) for the tests: initdb on a temporary
directory, started on a free port and a private socket directory, trust authentication for one user,
stopped and removed at the end. PostgreSQL refuses to run as root, so as root the commands run as the
`postgres` system user (the package creates it); CI installs the package (`.ci/run`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

BIN = Path(os.environ.get("KOPPELBOX_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "kbx"


def available() -> bool:
    found = (BIN / "initdb").exists() and (BIN / "pg_ctl").exists()
    if not found and os.environ.get("KOPPELBOX_REQUIRE_POSTGRES"):
        raise RuntimeError(f"PostgreSQL 15 is required (KOPPELBOX_REQUIRE_POSTGRES) but {BIN} has no initdb")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kbx-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(BIN / "initdb", "-D", self.data, "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        self._run(BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start")

    def _run(self, *command: object) -> None:
        argv = [str(part) for part in command]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def database(self, name: str) -> str:
        """A new, empty database (dropped first if a previous use left it), and its URL."""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True
        ) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if not self.root.exists():
            return  # stopped already
        try:
            self._run(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
