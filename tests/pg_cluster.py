"""A private, throwaway PostgreSQL cluster for tests that stop and start the server.

The shared test server (TEST_DATABASE_URL) must never be stopped: other tests use it. Fault tests get their
own cluster instead (initdb into a temporary directory, pg_ctl on a free loopback port), exactly as
scripts/test-services.sh starts the shared one. As root the server runs as the ``postgres`` user, since initdb
refuses root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DEFAULT_PG_BIN = Path("/usr/lib/postgresql/15/bin")


def find_pg_bin() -> Path | None:
    """PG_BIN, else PostgreSQL 15's binaries, else the newest installed version's; None when absent."""
    if os.environ.get("PG_BIN"):
        candidates = [Path(os.environ["PG_BIN"])]
    else:
        installed = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
        candidates = [DEFAULT_PG_BIN, *installed]
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    return None


def free_port() -> int:
    """A loopback TCP port nothing is bound to right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgCluster:
    """One cluster: its data directory, its port, and pg_ctl to stop and start it in place."""

    def __init__(self, bin_dir: Path) -> None:
        """Prepare (but do not create) a cluster using the binaries in ``bin_dir``."""
        self.bin_dir = bin_dir
        # Under /tmp itself (not pytest's 0700 tmp_path) so the postgres user can reach it.
        self.root = Path(tempfile.mkdtemp(prefix="backorder-faults-pg.", dir="/tmp"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.database_url: str | None = None  # set by whoever creates the database the tests use
        self._as_postgres: dict = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_postgres = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def _run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.bin_dir / command[0]), *command[1:]],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **self._as_postgres,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stdout}{result.stderr}\n{log}")
        return result

    def init(self) -> None:
        """Create the cluster with initdb (trust auth, user postgres, no fsync: the data is throwaway)."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", timeout=120)

    def start(self) -> None:
        """Start the server on the same port and data directory, waiting until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        """Stop the server at once (fast mode: open sessions are cut off, as in an outage)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    @property
    def running(self) -> bool:
        """Whether the postmaster is up (pg_ctl status)."""
        result = subprocess.run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "status"],
            cwd=self.root,
            capture_output=True,
            check=False,
            **self._as_postgres,
        )
        return result.returncode == 0

    def createdb(self, name: str) -> str:
        """Create database ``name`` and return its SQLAlchemy URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str) -> str:
        """The psycopg 3 URL of database ``name`` on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        """Stop the server if it runs and delete everything it wrote."""
        try:
            if self.data.exists() and self.running:
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
