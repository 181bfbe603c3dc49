"""Shared fixtures: a migrated, seeded template database copied per test, and a clock tests drive."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine.clock.calendar import LOCAL_TZ
from engine.context import EngineContext
from engine.db.migrate import create_schema
from engine.db.session import Database
from engine.demo import organisation as demo
from engine.org import directory as org
from engine.org.actors import Actor
from tests import db_backends
from tests.server_process import SECRET

# Every process of a run (this one, servers, workers, the benchmark's generator) keys PIN hashes alike.
os.environ["MOTCUA_SECRET_KEY"] = SECRET

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
PASSWORD = "test-password-1"
FOREIGN_XA = "000.00.32.H99"
FOREIGN_PREFIX = "xa2"
SECOND_SPECIALIST = "xa.vp.chuyenvien2"


class FakeClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set_local(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def pytest_addoption(parser):
    parser.addoption("--db", choices=db_backends.CHOICES, default=os.environ.get(db_backends.ENV_VAR, "sqlite"),
                     help=f"database(s) the suite runs on (default: ${db_backends.ENV_VAR} or sqlite); "
                          "'both' runs every database test twice")


def pytest_generate_tests(metafunc):
    names = db_backends.selected(metafunc.config.getoption("--db"))
    if "db_backend" in metafunc.fixturenames and len(names) > 1:
        metafunc.parametrize("db_backend", names, indirect=True, scope="session")


def seed_database(url: str) -> None:
    """The demo organisation and procedures, a foreign commune, and extra officers: every test starts here."""
    ctx = EngineContext(Database(url), clock=FakeClock(local("2026-12-01T08:00")))
    create_schema(ctx.db)
    demo.seed(ctx, PROCESSES, password=PASSWORD)
    # A second commune with the same structure: "foreign" to the demo commune's officers.
    org.add_agency(ctx, FOREIGN_XA, "UBND xã Bình An", "commune", demo.PROVINCE)
    for unit, name in [("MC", "Bộ phận Một cửa"), ("VP", "Văn phòng HĐND và UBND"), ("KT", "Phòng Kinh tế"),
                       ("VHXH", "Phòng Văn hóa - Xã hội")]:
        org.add_unit(ctx, unit, FOREIGN_XA, name)
    for user in demo.demo_users():
        if user.agency == demo.XA:
            org.add_user(ctx, user.username.replace("xa.", f"{FOREIGN_PREFIX}.", 1), FOREIGN_XA,
                         [r.value for r in user.roles], PASSWORD, unit_code=user.unit, full_name=user.full_name)
    org.add_user(ctx, SECOND_SPECIALIST, demo.XA, ["specialist"], PASSWORD, unit_code="VP")
    for prefix, agency in (("xa", demo.XA), (FOREIGN_PREFIX, FOREIGN_XA)):
        for role in ("designer", "auditor", "admin"):
            org.add_user(ctx, f"{prefix}.{role}", agency, [role], PASSWORD)
    ctx.db.dispose()


_UNAVAILABLE: dict[str, str] = {}


@pytest.fixture(scope="session")
def db_backend(request, tmp_path_factory):
    """The database of this run (parametrised when --db=both): a seeded template built once."""
    name = getattr(request, "param", None) or db_backends.selected(request.config.getoption("--db"))[0]
    if name in _UNAVAILABLE:
        pytest.skip(_UNAVAILABLE[name])
    try:
        backend = db_backends.start(name, tmp_path_factory.mktemp(f"template-{name}"), seed_database)
    except db_backends.PostgresUnavailable as exc:
        _UNAVAILABLE[name] = f"PostgreSQL tests SKIPPED: {exc}"
        pytest.skip(_UNAVAILABLE[name])
    yield backend
    backend.close()


def pytest_terminal_summary(terminalreporter):
    for reason in _UNAVAILABLE.values():
        terminalreporter.write_line(f"WARNING: {reason}", yellow=True, bold=True)


@pytest.fixture
def db_url(db_backend, tmp_path) -> str:
    """A fresh copy of the seeded template (its own SQLite file or PostgreSQL database)."""
    url = db_backend.fresh(tmp_path)
    yield url
    db_backend.release(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(local("2026-12-07T08:00"))  # a Monday


@pytest.fixture
def ctx(db_url, clock) -> EngineContext:
    context = EngineContext(Database(db_url), clock=clock)
    yield context
    context.db.dispose()


@dataclass
class People:
    ctx: EngineContext

    def __call__(self, username: str) -> Actor:
        with self.ctx.db.transaction() as session:
            return Actor.of(org.user_by_username(session, username))


@pytest.fixture
def people(ctx) -> People:
    return People(ctx)


@pytest.fixture
def app(ctx, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything the app writes (var/) stays in the test's folder
    from web import create_app

    application = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "LOOKUP_RATE_LIMIT": "5 per minute",
                              "LOGIN_RATE_LIMIT": "5 per minute", "SUBMIT_RATE_LIMIT": "5 per minute"}, context=ctx)
    from web.extensions import limiter

    limiter.reset()
    return application


@pytest.fixture
def client(app):
    return app.test_client()
