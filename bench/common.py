"""Shared by the benchmark's parts: databases (a seeded SQLite file or a throwaway PostgreSQL server),
officers, percentiles and the procedure under test."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.context import EngineContext  # noqa: E402
from engine.db.session import Database  # noqa: E402
from engine.org.actors import Actor  # noqa: E402
from engine.org.directory import user_by_username  # noqa: E402
from tests.conftest import PROCESSES, seed_database  # noqa: E402
from tests.load import step_data  # noqa: E402
from tests.pg_server import PgServer, PostgresUnavailable  # noqa: E402
from tests.server_process import WebServer  # noqa: E402

PROCEDURE_DIR = PROCESSES / "dang_ky_ho_kinh_doanh"
PROCEDURE_CODE = "2.000720"
ANSWERS = {"eligible": True, "approved": True}
# Who works each lane of business household registration in the demo commune.
OFFICERS = {"desk": "xa.motcua", "specialist": "xa.kt.chuyenvien", "unit_head": "xa.kt.truongphong"}
DATA = step_data(PROCEDURE_DIR)


def request(name: str = "Nguyễn Văn An") -> dict:
    return {"procedure_code": PROCEDURE_CODE, "channel": "desk", "documents": ["Giấy đề nghị"], "data": {},
            "applicant": {"name": name, "id_number": "001234567890", "phone": "0912345678",
                          "address": "Thôn Đông, xã An Bình"}}


def actors(ctx: EngineContext) -> dict[str, Actor]:
    with ctx.db.transaction() as session:
        return {role: Actor.of(user_by_username(session, name)) for role, name in OFFICERS.items()}


class Databases:
    """The databases of one run: a fresh seeded SQLite file per name, and the same on PostgreSQL when
    its binaries are here (one server for the whole run, stopped at the end)."""

    def __init__(self, folder: Path | None = None, want_postgres: bool = True):
        """``folder`` None: a temporary folder of its own, removed by ``close`` (a full run's SQLite file is
        ≈ 7.7 GB and must not be left behind)."""
        self.owned = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="motcua-bench-")) if folder is None else folder
        self.pg: PgServer | None = None
        self.pg_problem = ""
        if want_postgres:
            try:
                self.pg = PgServer(settings={"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}).start()
            except PostgresUnavailable as exc:
                self.pg_problem = str(exc)

    @property
    def kinds(self) -> list[str]:
        return ["sqlite", "postgres"] if self.pg else ["sqlite"]

    def fresh(self, kind: str, name: str) -> str:
        if kind == "sqlite":
            path = self.folder / f"{name}.db"
            path.unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            self.pg.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
            url = self.pg.url(name)
        seed_database(url)
        return url

    def close(self) -> None:
        if self.pg:
            self.pg.stop()
        if self.owned:
            shutil.rmtree(self.folder, ignore_errors=True)


def context(url: str) -> EngineContext:
    return EngineContext(Database(url))


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    if not samples:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000}


@contextmanager
def served(url: str, **options):
    """The app under gunicorn on 127.0.0.1, in a temporary folder of its own: removed when the measurement
    succeeds, kept (and named) when it fails, for the server's log."""
    folder = Path(tempfile.mkdtemp(prefix="motcua-bench-server-"))
    server, kept = WebServer(url, folder, **options), True
    try:
        yield server.start()
        kept = False
    finally:
        server.stop()
        if kept:
            print(f"    the server's log is kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def timed():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start
