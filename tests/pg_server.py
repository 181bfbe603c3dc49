"""A throwaway PostgreSQL server for the tests and the benchmark: the machine's own binaries
(/usr/lib/postgresql/*/bin), a temporary data folder, 127.0.0.1 on a free port, stopped at the end.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user that
Debian's package creates. Durability is switched off (fsync, synchronous_commit): the data is thrown away.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SUPERUSER = "motcua"
RUN_AS = "postgres"
FAST_UNSAFE_SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "300",
    "shared_buffers": "256MB", "max_wal_size": "2GB", "checkpoint_timeout": "30min", "log_min_messages": "warning",
}


class PostgresUnavailable(RuntimeError):
    """No server binaries on this machine (or no unprivileged user to run them as root)."""


def find_bindir() -> Path:
    """``MOTCUA_PG_BIN`` if set, else the newest /usr/lib/postgresql/<version>/bin with a server in it."""
    candidates = [os.environ["MOTCUA_PG_BIN"]] if os.environ.get("MOTCUA_PG_BIN") else sorted(
        glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True)
    for candidate in candidates:
        path = Path(candidate)
        if all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    raise PostgresUnavailable(f"no PostgreSQL server binaries (initdb, pg_ctl, postgres) under {PG_BIN_GLOB}; "
                              "install Debian's 'postgresql' package")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgServer:
    def __init__(self, bindir: Path | None = None, settings: dict | None = None):
        self.bindir = bindir or find_bindir()
        self.settings = {**FAST_UNSAFE_SETTINGS, **(settings or {})}
        self.port = 0
        self.root: Path | None = None
        self._run_as: list[str] = []

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self._run_as, *args], capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> PgServer:
        self.root = Path(tempfile.mkdtemp(prefix="motcua-pg-"))
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(RUN_AS)
            except KeyError:
                raise PostgresUnavailable(f"running as root and there is no '{RUN_AS}' user to run PostgreSQL as") from None
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._run_as = ["runuser", "-u", RUN_AS, "--"]
        try:
            self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                      "-E", "UTF8", "--no-locale", "--no-sync")
            options = " ".join([f"-c listen_addresses=127.0.0.1 -k {self.root}"]
                               + [f"-c {k}={v}" for k, v in self.settings.items()])
            for _attempt in range(3):  # a free port can be taken between probing and binding
                self.port = free_port()
                result = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                                   "-w", "-t", "60", "-o", f"-p {self.port} {options}", "start", check=False)
                if result.returncode == 0:
                    return self
            raise PostgresUnavailable(f"pg_ctl start failed: {result.stderr or result.stdout}\n{self.log_tail()}")
        except (subprocess.CalledProcessError, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self.stop()
            raise PostgresUnavailable(f"could not start PostgreSQL from {self.bindir}: {detail}") from exc

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join((self.root / "log").read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.root is None:
            return
        if self.port and (self.data / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def admin(self, *statements: str, dbname: str = "postgres") -> None:
        """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(self.url(dbname, driver="postgresql"), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_until_ready(server: PgServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.admin("SELECT 1")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
