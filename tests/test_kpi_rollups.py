"""The month roll-ups (engine.kpis.months): which months they serve and how a cut month is read, that the
report from them equals the raw SQL for whole and cut months on either side, sub-agency roll-ups, procedure
filters and unit grouping, that lineages deeper than the joins are right, and that check, rebuild and the
migration's derivation cover them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine import kpis
from engine.db.models.kpi_tallies import KpiDossierMonthMinutes, KpiStepMonthMinutes
from engine.demo import organisation as demo
from engine.kpis import rollups, tally
from engine.kpis.lineage import Lineage, all_lineages
from engine.kpis.months import Part, plan
from engine.kpis.params import GroupBy, KpiParams, period
from engine.kpis.scope import Named, Scope, resolve
from engine.org import directory as org
from engine.records.integrity import check_all
from tests.conftest import local
from tests.helpers import HO_KINH_DOANH, KHAI_SINH
from tests.test_kpi_tallies import AUDITOR, LEADER, History, _reports

ROLLUPS = (KpiDossierMonthMinutes.__table__, KpiStepMonthMinutes.__table__)


def _scope(date_from: date, date_to: date, now: str = "2026-12-20T08:00") -> Scope:
    at = local(now)
    return Scope(agency=Named(1, "A", "A"), include_sub=True, agency_ids=(1,), procedure=None, unit=None,
                 group_by=GroupBy.MONTH, period=period(KpiParams(date_from=date_from, date_to=date_to), at), now=at,
                 rollup_root=1)


def test_whole_months_come_from_the_rollups_and_cut_ones_from_the_fewer_days():
    def whole(index: int, month: date) -> list[Part]:  # the agencies below from the roll-up, the root's own days
        return [Part(index, 1, month=month), Part(index, 1, days=(month, date(2026 + month.month // 12,
                                                                            month.month % 12 + 1, 1)), own=True)]

    assert plan(_scope(date(2026, 9, 1), date(2026, 12, 1))) == [
        *whole(0, date(2026, 9, 1)), *whole(1, date(2026, 10, 1)), *whole(2, date(2026, 11, 1))]
    # November loses 4 days, December 12 of which only today is past: each is its month minus those days.
    assert plan(_scope(date(2026, 11, 5), date(2026, 12, 20))) == [
        *whole(0, date(2026, 11, 1)), Part(0, -1, days=(date(2026, 11, 1), date(2026, 11, 5))),
        *whole(1, date(2026, 12, 1)), Part(1, -1, days=(date(2026, 12, 20), date(2027, 1, 1)))]
    # A few days, or a month whose days inside are fewer than those outside: the days themselves.
    assert plan(_scope(date(2026, 12, 3), date(2026, 12, 5))) == [
        Part(0, 1, days=(date(2026, 12, 3), date(2026, 12, 5)))]
    assert plan(_scope(date(2026, 10, 25), date(2026, 11, 1))) == [
        Part(0, 1, days=(date(2026, 10, 25), date(2026, 11, 1)))]


QUERIES = [  # the history runs from 23/11 to about mid-December; reports are made on 20/01
    {}, {"group_by": "procedure"},
    {"from": "2026-12-04", "to": "2027-01-01"},  # December minus its first days
    {"from": "2026-11-01", "to": "2026-12-29", "procedure": HO_KINH_DOANH},  # minus its last days
    {"from": "2026-11-26", "to": "2026-12-10", "group_by": "procedure"},  # both cut months from their days
    {"from": "2026-12-02", "to": "2026-12-30", "procedure": KHAI_SINH, "group_by": "unit"},
    {"from": "2026-12-05", "to": "2026-12-06"},
]


def test_rollups_give_the_raw_figures(ctx, people, clock):
    History(ctx, people, clock, 17).run(160)
    clock.set_local("2027-01-20T08:00")
    cut = 0
    for query in QUERIES:
        for username, extra in ((LEADER, {}), (AUDITOR, {"agency": demo.PROVINCE, "include_sub": "true"}),
                                (AUDITOR, {"agency": demo.PROVINCE})):
            from_tallies, from_raw = _reports(ctx, people, username, {**query, **extra})
            assert from_tallies == from_raw, (username, query, extra)
        with ctx.db.transaction() as session:
            scope = resolve(session, people(LEADER), kpis.parse(query), ctx.now())
        assert scope.rollup_root is not None  # a commune has no agency below it: its own roll-ups serve
        cut += any(part.sign < 0 for part in plan(scope))
    assert cut >= 2
    totals = _reports(ctx, people, AUDITOR, {"agency": demo.PROVINCE, "include_sub": "true",
                                             "from": "2026-11-01", "to": "2027-01-01"})[0].totals
    assert totals[kpis.Kpi.RESOLVED] > 5 and totals[kpis.Kpi.P90_HOURS] is not None, totals


def test_a_lineage_deeper_than_the_joins(ctx):
    parent = demo.PROVINCE
    for level in range(5):
        org.add_agency(ctx, f"DEEP.{level}", f"Cấp {level}", "commune", parent)
        parent = f"DEEP.{level}"
    with ctx.db.transaction() as session:
        everything = all_lineages(session)
        deepest = org.agency_by_code(session, "DEEP.4").id
        assert len(everything[deepest]) == 6  # itself, the four above it and the province
        lineage = Lineage(session)
        lineage.learn(deepest, everything[deepest][1:4])  # the joins see three parents, not the top
        assert deepest not in lineage and lineage(deepest) == everything[deepest]
        lineage.learn(everything[deepest][3], everything[deepest][4:] + (None,))
        assert lineage[everything[deepest][3]] == everything[deepest][3:]


def test_check_rebuild_and_derivation_cover_the_rollups(ctx, people, clock):
    History(ctx, people, clock, 29).run(60)
    with ctx.db.transaction() as session:
        live = {t.name: sorted(tuple(r) for r in session.execute(select(t))) for t in ROLLUPS}
        assert all(live.values())
        session.execute(KpiStepMonthMinutes.__table__.update().values(count=KpiStepMonthMinutes.count + 1))
    assert any("kpi_step_month_minutes" in p.reason for p in check_all(ctx).problems)
    with ctx.db.transaction() as session:
        tally.rebuild(session)
    with ctx.db.transaction() as session:
        assert {t.name: sorted(tuple(r) for r in session.execute(select(t))) for t in ROLLUPS} == live
        assert tally.check(session) == []
        assert rollups.derive(session) == sum(len(rows) for rows in live.values())
    with ctx.db.transaction() as session:
        assert {t.name: sorted(tuple(r) for r in session.execute(select(t))) for t in ROLLUPS} == live
