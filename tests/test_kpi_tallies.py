"""The KPI tallies give exactly the figures of the raw SQL (engine.kpis.reference) for random dossier
histories driven through the real use cases, stay equal to the records (``check``), and a rebuild from the
records gives the same tallies."""

from __future__ import annotations

import random
import re

import pytest
from alembic import command
from sqlalchemy import delete, event, select

from engine import kpis
from engine.db.migrate import alembic_config
from engine.db.models import Dossier, KpiDossierDay, KpiDossierMark, Task
from engine.demo import organisation as demo
from engine.dossiers import actions as dossiers
from engine.dossiers import online, tasks
from engine.dossiers.reception import receive
from engine.enums import OPEN_TASK_STATES, DossierStatus
from engine.errors import MotcuaError
from engine.kpis import reference, tally
from engine.kpis.marks import TABLES
from engine.kpis.report import build
from engine.kpis.scope import resolve
from engine.records.integrity import check_all
from tests.conftest import FOREIGN_PREFIX, FOREIGN_XA
from tests.helpers import HO_KINH_DOANH, KHAI_SINH, request
from tests.kpi_dataset import HKD_STEPS, KS_STEPS, SUPPLEMENT_REQUEST
from tests.server_process import motcua

AUDITOR, LEADER, KT_HEAD = "tinh.kiemsoat", "xa.lanhdao", "xa.kt.truongphong"
STEPS = {HO_KINH_DOANH: HKD_STEPS, KHAI_SINH: KS_STEPS}  # step id: (who completes it, with what)


class History:
    """Random dossiers in two communes over about three months: desk, online and postal receipts, supplements
    (with and without a reply), steps on time and late in several units, refusals by the process and at the
    desk, withdrawals, hand-backs, dossiers still open."""

    def __init__(self, ctx, people, clock, seed: int):
        self.ctx, self.people, self.clock, self.rng = ctx, people, clock, random.Random(seed)
        self.open: list[tuple[str, str, str]] = []  # (code, user prefix, procedure)

    def user(self, prefix: str, name: str) -> object:
        return self.people(name.replace("xa.", f"{prefix}.", 1))

    def new_dossier(self) -> None:
        rng = self.rng
        prefix, agency = rng.choice([("xa", demo.XA), ("xa", demo.XA), (FOREIGN_PREFIX, FOREIGN_XA)])
        procedure = rng.choice([KHAI_SINH, HO_KINH_DOANH])
        channel = rng.choice(["desk", "desk", "online", "postal"])
        if channel == "online":
            code = online.submit_online(self.ctx, {**request(procedure), "agency_code": agency}).code
            self.clock.advance(minutes=rng.randint(5, 600))
            if rng.random() < 0.15:
                online.reject_submission(self.ctx, self.user(prefix, "xa.motcua"), code, {"reason": "Không thuộc"})
                return
            online.accept_submission(self.ctx, self.user(prefix, "xa.motcua"), code)
        else:
            code = receive(self.ctx, self.user(prefix, "xa.motcua"), request(procedure, channel=channel)).code
        self.open.append((code, prefix, procedure))

    def act(self) -> None:
        rng = self.rng
        if not self.open or rng.random() < 0.25:
            return self.new_dossier()
        chosen = rng.choice(self.open)
        code, prefix, procedure = chosen
        desk = self.user(prefix, "xa.motcua")
        with self.ctx.db.transaction() as session:
            status = session.scalar(select(Dossier.status).where(Dossier.code == code))
            open_steps = session.execute(select(Task.id, Task.step_id).join(Dossier, Dossier.id == Task.dossier_id)
                                         .where(Dossier.code == code, Task.state.in_(list(OPEN_TASK_STATES)))).all()
        roll = rng.random()
        try:
            if status == DossierStatus.RESOLVED:
                dossiers.hand_back(self.ctx, desk, code)
            elif status == DossierStatus.AWAITING_SUPPLEMENT:
                if roll < 0.7:
                    dossiers.supplement(self.ctx, desk, code, {"documents": ["Bản sao"]})
                elif roll < 0.85:
                    dossiers.refuse(self.ctx, desk, code, {"reason": "Không bổ sung"})
                else:
                    dossiers.withdraw(self.ctx, desk, code, {"reason": "Xin rút"})
            elif roll < 0.1:
                dossiers.request_supplement(self.ctx, desk, code, SUPPLEMENT_REQUEST)
            elif roll < 0.14:
                dossiers.refuse(self.ctx, desk, code, {"reason": "Không đủ điều kiện"})
            elif roll < 0.17:
                dossiers.withdraw(self.ctx, desk, code, {"reason": "Xin rút"})
            elif open_steps and open_steps[0][1] in STEPS[procedure]:
                task_id, step_id = open_steps[0]
                user, data = STEPS[procedure][step_id]
                if procedure == KHAI_SINH and step_id == "tham_dinh_ho_so" and rng.random() < 0.2:
                    data = {"eligible": False, "refusal_reason": "Không hợp lệ"}
                tasks.complete(self.ctx, self.user(prefix, user), task_id, {"data": data})
        except MotcuaError:
            pass  # not allowed in this state (e.g. a procedure without pauses): the history goes on
        with self.ctx.db.transaction() as session:
            status = session.scalar(select(Dossier.status).where(Dossier.code == code))
        if status not in {s.value for s in (DossierStatus.RECEIVED, DossierStatus.PROCESSING,
                                            DossierStatus.AWAITING_SUPPLEMENT, DossierStatus.RESOLVED)}:
            self.open.remove(chosen)

    def run(self, actions: int) -> None:
        self.clock.set_local("2026-11-23T08:00")
        for _ in range(actions):
            self.clock.advance(minutes=self.rng.choice([5, 15, 30, 60, 120, 240, 900]))
            self.act()


QUERIES = [
    {}, {"group_by": "procedure"}, {"group_by": "unit"}, {"include_sub": "true"},
    {"include_sub": "true", "group_by": "unit"}, {"include_sub": "true", "group_by": "procedure"},
    {"procedure": HO_KINH_DOANH}, {"procedure": KHAI_SINH, "group_by": "unit"},
    {"unit": "KT"}, {"unit": "VP", "group_by": "unit"}, {"unit": "KT", "procedure": HO_KINH_DOANH},
    {"from": "2026-11-20", "to": "2027-01-13"}, {"from": "2026-12-15", "to": "2026-12-16"},
    {"from": "2026-11-01", "to": "2027-03-01", "include_sub": "true"},
    {"from": "2026-12-03", "to": "2027-02-11", "group_by": "unit", "include_sub": "true"},
]


def _reports(ctx, people, username: str, query: dict):
    actor = people(username)
    with ctx.db.transaction() as session:
        scope = resolve(session, actor, kpis.parse(query), ctx.now())
        return build(session, scope), reference.build(session, scope)


@pytest.fixture(params=[11, 23])
def history(request, ctx, people, clock):
    History(ctx, people, clock, request.param).run(160)
    return request.param


def test_tallies_give_the_raw_figures(ctx, people, clock, history):
    for query in QUERIES:
        username = AUDITOR if query.get("include_sub") else LEADER
        if "agency" not in query and username == AUDITOR:
            query = {**query, "agency": demo.PROVINCE}
        if "unit" in query:
            query = {**query, "agency": demo.XA}
        from_tallies, from_raw = _reports(ctx, people, username, query)
        assert from_tallies == from_raw, query
    totals = _reports(ctx, people, AUDITOR, {"agency": demo.PROVINCE, "include_sub": "true",
                                             "from": "2026-11-01", "to": "2027-03-01"})[0].totals
    assert totals[kpis.Kpi.RECEIVED] > 20 and totals[kpis.Kpi.RESOLVED] > 5, totals
    report = check_all(ctx)
    assert report.ok, report.problems


def test_a_unit_head_sees_the_same_figures(ctx, people, clock, history):
    from_tallies, from_raw = _reports(ctx, people, KT_HEAD, {"from": "2026-11-01", "to": "2027-03-01"})
    assert from_tallies == from_raw


def test_rebuild_gives_the_same_tallies_and_check_names_a_difference(ctx, people, clock):
    History(ctx, people, clock, 5).run(60)
    with ctx.db.transaction() as session:
        before = sorted(tuple(r) for r in session.execute(select(KpiDossierDay.__table__)))
        assert session.scalar(select(KpiDossierMark.dossier_id).limit(1)) is not None
    with ctx.db.transaction() as session:
        assert tally.rebuild(session, batch=7) > 0
    with ctx.db.transaction() as session:
        assert sorted(tuple(r) for r in session.execute(select(KpiDossierDay.__table__))) == before
        assert tally.check(session, batch=3) == []
        session.execute(delete(KpiDossierMark))  # as if an upgrade had skipped the backfill
    problems = [p.reason for p in check_all(ctx).problems]
    assert any("KPI marks differ" in p for p in problems)
    with ctx.db.transaction() as session:
        session.execute(KpiDossierDay.__table__.update().values(received=KpiDossierDay.received + 1))
        tally.refresh(session, [d for d in session.scalars(select(Dossier.id))])
    assert any("kpi_dossier_days" in p for p in [p.reason for p in check_all(ctx).problems])


def test_rebuild_command(ctx, people, clock, db_url, tmp_path):
    History(ctx, people, clock, 7).run(20)
    with ctx.db.transaction() as session:
        session.execute(delete(KpiDossierDay))
    done = motcua(db_url, tmp_path, "kpi", "rebuild")
    assert done.returncode == 0 and "hồ sơ" in done.stdout, done.stdout + done.stderr
    with ctx.db.transaction() as session:
        assert tally.check(session) == []


def test_a_rolled_back_change_leaves_the_tallies_alone(ctx, people, clock):
    code = receive(ctx, people("xa.motcua"), request(HO_KINH_DOANH)).code
    with pytest.raises(RuntimeError):
        with ctx.db.transaction() as session:
            dossier = session.scalar(select(Dossier).where(Dossier.code == code))
            tally.touch(session, dossier)
            session.execute(delete(KpiDossierDay))
            raise RuntimeError("crash")
    with ctx.db.transaction() as session:
        assert tally.check(session) == []


def test_report_reads_tallies_not_raw_rows(ctx, people, clock):
    """EXPLAIN QUERY PLAN on SQLite: a report searches the tallies by their key and never scans dossiers,
    tasks or events (the live "now" figures search the open rows by index)."""
    if ctx.db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    History(ctx, people, clock, 3).run(30)
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(ctx.db.engine, "before_cursor_execute", capture)
    try:
        for query in ({}, {"procedure": HO_KINH_DOANH}, {"unit": "KT", "group_by": "unit"}, {"group_by": "procedure"}):
            kpis.kpi_report(ctx, people(LEADER), kpis.parse({"from": "2026-11-01", "to": "2027-03-01", **query}))
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", capture)
    raw = ctx.db.engine.raw_connection()
    try:
        plans = [row[-1] for statement, parameters in statements if statement.lstrip().upper().startswith("SELECT")
                 for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()]
    finally:
        raw.close()
    assert any("kpi_dossier_days" in p for p in plans) and any("kpi_step_days" in p for p in plans)
    assert not [p for p in plans if re.match(r"SCAN (dossiers|tasks|events)\b", p)], plans


def test_the_migration_fills_the_tallies_of_an_existing_database(ctx, people, clock):
    """Upgrading from 0001 (no tallies) to 0002 backfills them: the same tallies as kept live."""
    History(ctx, people, clock, 13).run(40)
    tables = [m.__table__ for m in (*TABLES, KpiDossierMark)]
    with ctx.db.transaction() as session:
        before = {t.name: sorted(tuple(r) for r in session.execute(select(t))) for t in tables}
    for table in tables:
        table.drop(ctx.db.engine)
    command.stamp(alembic_config(ctx.db), "0001")
    command.upgrade(alembic_config(ctx.db), "0003")  # the KPI migrations; the later ones add columns that exist
    command.stamp(alembic_config(ctx.db), "head")
    with ctx.db.transaction() as session:
        assert {t.name: sorted(tuple(r) for r in session.execute(select(t))) for t in tables} == before
        assert before["kpi_dossier_days"] and tally.check(session) == []
