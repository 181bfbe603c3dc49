"""KPIs (engine.kpis) on the seeded data set of tests/kpi_dataset.py, every figure checked against the
arithmetic written here from the dossiers' timelines; authority; bad parameters; the stamped working
minutes; and the query plans (indexes, no full scans) on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import kpis
from engine.db.models import Dossier, Task
from engine.demo import organisation as demo
from engine.dossiers import actions as dossiers
from engine.enums import Outcome, TaskState
from engine.errors import InvalidInput, NotAuthorized
from engine.kpis import Kpi
from tests.conftest import FOREIGN_XA, local
from tests.helpers import HO_KINH_DOANH, denials, receive_sample
from tests.kpi_dataset import PERIOD, SUPPLEMENT_REQUEST, build

LEADER, AUDITOR, VP_HEAD, PROVINCE_AUDITOR = "xa.lanhdao", "xa.auditor", "xa.vp.truongphong", "tinh.kiemsoat"
KS, HKD = "1.001193", "2.000720"


def h(minutes: float) -> float:
    """Working minutes as the report's working hours."""
    return round(minutes / 60, 2)


def share(part: int, whole: int) -> float:
    return round(part / whole, 4)


# Working minutes of the decided dossiers (tests/kpi_dataset.py): D1 150, D2 690, D3 1530 (2010 − 480 paused),
# D4 120, D5 180 (cut-off: counted from Tue 07:30), D6 1590, D7 60.
DEC_MINUTES = [150, 690, 1530, 120]  # D1, D2, D3, D4
JAN_MINUTES = [180, 1590, 60]  # D5, D6, D7
KS_MINUTES, HKD_MINUTES = [150, 120, 180, 60], [690, 1530, 1590]


def p90(values: list[int]) -> float:
    """Nearest rank: the ⌈0.9·n⌉-th smallest value."""
    ordered = sorted(values)
    rank = -(-9 * len(ordered) // 10)
    return h(ordered[rank - 1])


def expected(received, desk, online, supplemented, early, on_time, late, refused, minutes, paused_dossiers,
             paused_minutes, open_now=None, overdue_now=None, paused_now=None) -> dict:
    resolved = early + on_time + late
    return {
        Kpi.RECEIVED: received, Kpi.RECEIVED_DESK: desk, Kpi.RECEIVED_ONLINE: online, Kpi.RECEIVED_POSTAL: 0,
        Kpi.ONLINE_SHARE: share(online, received), Kpi.SUPPLEMENTED: supplemented,
        Kpi.SUPPLEMENT_RATE: share(supplemented, received), Kpi.RESOLVED: resolved, Kpi.EARLY: early,
        Kpi.ON_TIME: on_time, Kpi.LATE: late, Kpi.ON_TIME_RATE: share(early + on_time, resolved),
        Kpi.REFUSED: refused, Kpi.REFUSAL_RATE: share(refused, resolved),
        Kpi.AVG_HOURS: h(sum(minutes) / len(minutes)), Kpi.P90_HOURS: p90(minutes),
        Kpi.PAUSED_DOSSIERS: paused_dossiers, Kpi.PAUSED_HOURS: h(paused_minutes),
        Kpi.OPEN_NOW: open_now, Kpi.OVERDUE_NOW: overdue_now, Kpi.PAUSED_NOW: paused_now,
    }


# The whole period, commune An Bình: received D1–D8 and D10 (9: desk D1 D2 D4 D6 D7 D10, online D3 D5 D8; D9 is
# after the period, D11 never received, D12 another commune); supplemented after receipt D3 and D10; decided
# D1–D7: early D2; on time D1 D4 D5 D7; late D3 D6; refused D4 (by the process) and D7 (at the desk); paused
# D3 (480 min). Now (Mon 01/02/2027 09:30): open D8 D9 D10; overdue D8 (due Wed 13/01); paused D10.
TOTALS = expected(9, 6, 3, 2, early=1, on_time=4, late=2, refused=2, minutes=DEC_MINUTES + JAN_MINUTES,
                  paused_dossiers=1, paused_minutes=480, open_now=3, overdue_now=1, paused_now=1)
# December: received D1 D2 D3 D4 (online D3; supplemented D3); decided D1 on time, D2 early, D3 late, D4 on time.
DECEMBER = expected(4, 3, 1, 1, early=1, on_time=2, late=1, refused=1, minutes=DEC_MINUTES, paused_dossiers=1,
                    paused_minutes=480)
# January: received D5 D6 D7 D8 D10 (online D5 D8; supplemented D10); decided D5 on time, D6 late, D7 on time.
JANUARY = expected(5, 3, 2, 1, early=0, on_time=2, late=1, refused=1, minutes=JAN_MINUTES, paused_dossiers=0,
                   paused_minutes=0)
# Birth registration: received D1 D4 D5 D7 (online D5), all decided on time, refused D4 D7; open now D9.
BIRTH = expected(4, 3, 1, 0, early=0, on_time=4, late=0, refused=2, minutes=KS_MINUTES, paused_dossiers=0,
                 paused_minutes=0, open_now=1, overdue_now=0, paused_now=0)
# Household business: received D2 D3 D6 D8 D10 (online D3 D8; supplemented D3 D10); D2 early, D3 D6 late;
# open now D8 (overdue) and D10 (paused).
BUSINESS = expected(5, 3, 2, 2, early=1, on_time=0, late=2, refused=0, minutes=HKD_MINUTES, paused_dossiers=1,
                    paused_minutes=480, open_now=2, overdue_now=1, paused_now=1)

# Steps finished in the period, working minutes from hand-over to completion (pauses excluded):
BOTTLENECKS = [  # (procedure, step, minutes of each, late)
    (HKD, "tham_dinh_ho_so", [480, 450, 750], 1),  # D2, D3, D6 (D6 late)
    (HKD, "ky_duyet", [120, 870, 630], 2),  # D3 and D6 late
    (HKD, "cap_nhat_he_thong", [90, 210, 210], 0),
    (KS, "tham_dinh_ho_so", [60, 60, 180], 1),  # D1, D4, D5 (D5 late: counted from Mon 15:30); D7's cancelled
    (KS, "ky_duyet", [60, 60], 0),
    (KS, "ky_van_ban_tu_choi", [60], 0),  # ties with vao_so_ho_tich on 1 hour: ordered by step id
    (KS, "vao_so_ho_tich", [30, 30], 0),
]


@pytest.fixture
def data(ctx, people, clock):
    return build(ctx, people, clock)


def report(ctx, people, username=LEADER, **query):
    return kpis.kpi_report(ctx, people(username), kpis.parse({**PERIOD, **query}))


def test_totals_months_and_procedures_match_the_hand_computed_figures(ctx, people, data):
    result = report(ctx, people, group_by="procedure")
    assert result.totals == TOTALS
    assert [g.key for g in result.by_month] == ["2026-12", "2027-01"]
    assert result.by_month[0].figures == {**DECEMBER, Kpi.OPEN_NOW: None, Kpi.OVERDUE_NOW: None, Kpi.PAUSED_NOW: None}
    assert result.by_month[1].figures == {**JANUARY, Kpi.OPEN_NOW: None, Kpi.OVERDUE_NOW: None, Kpi.PAUSED_NOW: None}
    assert [(g.key, g.label) for g in result.groups] == [(KS, "Đăng ký khai sinh"),
                                                          (HKD, "Đăng ký thành lập hộ kinh doanh")]
    assert result.groups[0].figures == BIRTH and result.groups[1].figures == BUSINESS
    # a few values spelt out, as a reader would check them
    assert TOTALS[Kpi.ON_TIME_RATE] == 0.7143 and TOTALS[Kpi.AVG_HOURS] == 10.29 and TOTALS[Kpi.P90_HOURS] == 26.5
    assert DECEMBER[Kpi.P90_HOURS] == 25.5 and BUSINESS[Kpi.AVG_HOURS] == 21.17 and TOTALS[Kpi.PAUSED_HOURS] == 8.0


def test_decision_766_indicators(ctx, people, data):
    indicators = report(ctx, people).indicators_766
    assert [(i["key"], i["value"]) for i in indicators["available"]] == [
        ("on_time_share", share(5, 7)), ("online_share", share(3, 9)), ("avg_processing_hours", h(4320 / 7))]
    assert [(p["procedure_code"], p["resolved"], p["avg_hours"]) for p in indicators["avg_hours_by_procedure"]] == [
        (KS, 4, h(510 / 4)), (HKD, 3, h(3810 / 3))]
    assert {u["key"] for u in indicators["unavailable"]} == {"digitised_share", "satisfaction", "online_payment_share",
                                                             "publication"}


def test_bottleneck_steps_and_units(ctx, people, data):
    result = report(ctx, people)
    assert [(b["procedure_code"], b["step_id"], b["finished"], b["late"], b["total_hours"], b["avg_hours"],
             b["p90_hours"]) for b in result.bottlenecks] == [
        (proc, step, len(m), late, h(sum(m)), h(sum(m) / len(m)), p90(m)) for proc, step, m, late in BOTTLENECKS]
    # Open now: KT holds D8's appraisal (overdue since Mon 11/01) and D10's (paused); VP holds D9's (due 10:00).
    # Finished in the period: VP 3 appraisals + 2 registers (D5's appraisal late); KT 9 (3 late); no unit: the
    # leader's 2 signatures and 1 refusal, and 4 online reception checks (D3, D5, D8, D11).
    assert [(u["unit_code"], u["open_steps"], u["overdue_steps"], u["finished_steps"], u["late_steps"])
            for u in result.units] == [("KT", 2, 1, 9, 3), ("VP", 1, 0, 5, 1), (None, 0, 0, 7, 0)]


def test_unit_grouping_filters_and_the_unit_heads_view(ctx, people, data):
    by_unit = report(ctx, people, group_by="unit")
    # here each procedure runs in one unit: VP handles birth registrations, KT household businesses
    assert [(g.key, g.figures) for g in by_unit.groups] == [("KT", BUSINESS), ("VP", BIRTH)]
    assert report(ctx, people, unit="KT").totals == BUSINESS
    assert report(ctx, people, procedure=KS).totals == BIRTH
    mine = report(ctx, people, VP_HEAD)  # a unit head's report is their unit's without asking
    assert mine.unit.code == "VP" and mine.totals == BIRTH
    assert [u["unit_code"] for u in mine.units] == ["VP"]
    assert {b["procedure_code"] for b in mine.bottlenecks} == {KS}
    assert {b["step_id"] for b in mine.bottlenecks} == {"tham_dinh_ho_so", "vao_so_ho_tich"}  # not the leader's


def test_province_auditor_sees_the_communes_below(ctx, people, data):
    alone = report(ctx, people, PROVINCE_AUDITOR, agency=demo.XA)
    assert alone.totals == TOTALS
    tree = report(ctx, people, PROVINCE_AUDITOR, agency=demo.PROVINCE, include_sub="1", group_by="unit")
    # plus D12 of the foreign commune: received Mon 07/12 at its desk, open and overdue now
    assert tree.totals == {**TOTALS, Kpi.RECEIVED: 10, Kpi.RECEIVED_DESK: 7, Kpi.ONLINE_SHARE: share(3, 10),
                           Kpi.SUPPLEMENT_RATE: share(2, 10), Kpi.OPEN_NOW: 4, Kpi.OVERDUE_NOW: 2}
    assert [(g.agency_code, g.key) for g in tree.groups] == [(demo.XA, "KT"), (demo.XA, "VP"), (FOREIGN_XA, "VP")]
    assert ("VP", FOREIGN_XA, 1, 1) in [(u["unit_code"], u["agency_code"], u["open_steps"], u["overdue_steps"])
                                        for u in tree.units]
    province = report(ctx, people, PROVINCE_AUDITOR, agency=demo.PROVINCE)  # the province itself decides nothing
    assert province.totals[Kpi.RECEIVED] == 0 and province.totals[Kpi.ON_TIME_RATE] is None


def test_default_period_is_the_current_month_and_the_five_before(ctx, people, data):
    result = kpis.kpi_report(ctx, people(LEADER), kpis.parse({}))
    assert (result.date_from.isoformat(), result.date_to.isoformat()) == ("2026-09-01", "2027-03-01")
    assert [g.key for g in result.by_month] == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"]
    assert result.by_month[-1].figures[Kpi.RECEIVED] == 1  # D9, received this morning
    assert result.totals[Kpi.RECEIVED] == 10


def test_who_may_read_reports(ctx, people, data):
    assert report(ctx, people, AUDITOR, include_sub="1").totals == TOTALS
    allowed_before = len(denials(ctx))
    for username, query in [("xa.motcua", {}), ("xa.vp.chuyenvien", {}), ("xa.designer", {}), ("xa.admin", {}),
                            (LEADER, {"include_sub": "1"}), (LEADER, {"agency": demo.PROVINCE}),
                            (LEADER, {"agency": FOREIGN_XA}), (AUDITOR, {"agency": demo.PROVINCE}),
                            ("xa2.auditor", {"agency": demo.XA}), (VP_HEAD, {"unit": "KT"}),
                            (VP_HEAD, {"agency": FOREIGN_XA})]:
        with pytest.raises(NotAuthorized):
            report(ctx, people, username, **query)
    logged = denials(ctx)[allowed_before:]
    assert len(logged) == 11 and {d.action for d in logged} == {"view_reports"}


@pytest.mark.parametrize("query, field", [
    ({"from": "2027-02-01", "to": "2026-12-01"}, "to"),
    ({"from": "2027-01-01", "to": "2027-01-01"}, "to"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
    ({"from": "2026-13-01"}, "from"),
    ({"to": "0001-01-01"}, "to"),
    ({"from": "9999-12-31"}, "from"),
    ({"group_by": "week"}, "group_by"),
    ({"agency": "000.00.99.H99"}, "agency"),
    ({"unit": "XX"}, "unit"),
    ({"procedure": "9.999999"}, "procedure"),
    ({"unit": "VP", "include_sub": "1"}, "unit"),
    ({"include_sub": "maybe"}, "include_sub"),
])
def test_bad_parameters_are_named(ctx, people, query, field):
    with pytest.raises(InvalidInput) as error:
        kpis.kpi_report(ctx, people(LEADER), kpis.parse(query))
    assert field in error.value.details


def test_working_minutes_are_stamped_at_completion_and_resolution(ctx, people, data):
    with ctx.db.transaction() as session:
        d3 = session.scalar(select(Dossier).where(Dossier.code == data.codes["D3"]))
        steps = session.scalars(select(Task).where(Task.dossier_id == d3.id, Task.state == TaskState.COMPLETED.value)
                                .order_by(Task.id)).all()
        assert [(t.step_id, t.working_minutes) for t in steps] == [
            ("kiem_tra_tiep_nhan", None), ("tham_dinh_ho_so", 450), ("ky_duyet", 870), ("cap_nhat_he_thong", 210)]
        assert (d3.outcome, d3.working_minutes, d3.paused_minutes) == (Outcome.LATE, 1530, 480)
        d7 = session.scalar(select(Dossier).where(Dossier.code == data.codes["D7"]))
        assert (d7.status, d7.outcome, d7.working_minutes) == ("refused", Outcome.ON_TIME, 60)
        [cancelled] = session.scalars(select(Task).where(Task.dossier_id == d7.id)).all()
        assert (cancelled.state, cancelled.working_minutes) == (TaskState.CANCELLED, None)


def test_refusal_while_paused_ends_the_pause_first(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)  # Mon 07/12 08:00, due Thu 10/12 08:00
    clock.advance(hours=1)
    dossiers.request_supplement(ctx, people("xa.motcua"), receipt.code, SUPPLEMENT_REQUEST)
    clock.set_local("2026-12-07T14:00")  # paused 09:00–14:00: 150 + 60 = 210 working minutes
    dossiers.refuse(ctx, people("xa.motcua"), receipt.code, {"reason": "Người nộp xin dừng, không bổ sung"})
    with ctx.db.transaction() as session:
        d = session.scalar(select(Dossier).where(Dossier.code == receipt.code))
        assert (d.paused_at, d.paused_minutes, d.outcome) == (None, 210, Outcome.EARLY)
        assert d.statutory_due_at == local("2026-12-10T11:30")  # Thu 08:00 + 210 min
        assert d.working_minutes == 60  # 08:00–09:00; the rest was paused
