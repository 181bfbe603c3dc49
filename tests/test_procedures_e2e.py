"""Every procedure in processes/, end to end through the service layer: supplementation pause, a late
step with its nonconformity, an apology, the result handed back; and the refusal branch."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.demo.organisation import package_dirs
from engine.demo.walkthrough import complete_open_steps, walk
from engine.dossiers import actions as dossiers
from engine.dossiers.events import verify_chain
from engine.dossiers.reception import receive
from engine.dossiers.store import load_dossier
from engine.enums import DossierStatus, EventKind, NonconformityStatus, Outcome
from engine.procedures.card import load_package
from engine.procedures.validator import validate_package
from engine.worker.sweep import sweep
from tests.conftest import PROCESSES
from tests.helpers import all_tasks, dossier, event_kinds, nonconformities, open_tasks, request

PACKAGES = package_dirs(PROCESSES)
DESK_BY_AGENCY_PREFIX = {"cap_phieu_ly_lich_tu_phap": "stp.motcua", "cap_giay_phep_xay_dung": "sxd.motcua",
                         "dang_ky_dat_dai_lan_dau": "snnmt.motcua"}
LEADER_OF_DESK = {"xa.motcua": "xa.lanhdao", "stp.motcua": "stp.lanhdao", "sxd.motcua": "sxd.lanhdao",
                  "snnmt.motcua": "snnmt.lanhdao"}


def desk_for(path: Path) -> str:
    return DESK_BY_AGENCY_PREFIX.get(path.name, "xa.motcua")


def test_at_least_five_real_procedures_all_valid():
    assert len(PACKAGES) >= 5
    for path in PACKAGES:
        assert [str(p) for p in validate_package(path) if p.severity == "error"] == []


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.name)
def test_full_life_with_pause_late_step_apology_and_hand_back(ctx, people, clock, path):
    code = load_package(path).card.code
    desk = desk_for(path)
    receipt = receive(ctx, people(desk), request(code))

    clock.advance(hours=1)
    dossiers.request_supplement(ctx, people(desk), receipt.code,
                                {"reason": "Thiếu bản sao giấy tờ", "missing": ["Bản sao giấy tờ tùy thân"]})
    clock.advance(hours=2)  # Monday 09:00 -> 11:00: two working hours paused
    dossiers.supplement(ctx, people(desk), receipt.code, {"documents": ["Bản sao giấy tờ tùy thân"]})
    paused = dossier(ctx, receipt.code)
    assert paused.paused_minutes == 120 and paused.statutory_due_at > receipt.due_at

    first = open_tasks(ctx, receipt.code)[0]
    clock.now = first.due_at + timedelta(minutes=1)
    report = sweep(ctx)
    assert report.steps_overdue >= 1 and not report.errors
    [nc] = [n for n in nonconformities(ctx, receipt.code) if n.task_id == first.id]
    assert nc.status == NonconformityStatus.OPEN and nc.unit_id == first.unit_id

    current_due = dossier(ctx, receipt.code).due_at
    dossiers.issue_apology(ctx, people(LEADER_OF_DESK[desk]), receipt.code,
                           {"reason": "Bước thẩm định bị chậm", "new_due_at": (current_due + timedelta(days=7)).isoformat()})

    steps = complete_open_steps(ctx, receipt.code)
    assert steps and steps[0][2] == Outcome.LATE
    final = dossier(ctx, receipt.code)
    assert final.status == DossierStatus.RESOLVED
    dossiers.hand_back(ctx, people(desk), receipt.code, "Đã trả kết quả")
    kinds = event_kinds(ctx, receipt.code)
    for kind in (EventKind.SUPPLEMENT_REQUESTED, EventKind.SUPPLEMENTED, EventKind.STEP_OVERDUE,
                 EventKind.NONCONFORMITY_RAISED, EventKind.APOLOGY_ISSUED, EventKind.RESOLVED, EventKind.RETURNED):
        assert kind in kinds
    assert kinds.count(EventKind.HANDED_OVER) == len(all_tasks(ctx, receipt.code))
    with ctx.db.transaction() as session:
        assert verify_chain(session, load_dossier(session, receipt.code)) == []


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.name)
def test_refusal_branch(ctx, people, path):
    code = load_package(path).card.code
    result = walk(ctx, people(desk_for(path)), request(code),
                  answers={"eligible": False, "refusal_reason": "Hồ sơ không đủ điều kiện theo quy định"})
    assert result.status == DossierStatus.REFUSED
    d = dossier(ctx, result.receipt.code)
    assert d.closed_reason and d.resolved_at is not None
    assert EventKind.REFUSED in event_kinds(ctx, result.receipt.code)


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.name)
def test_happy_path_is_early_and_returned(ctx, people, path):
    result = walk(ctx, people(desk_for(path)), request(load_package(path).card.code))
    assert result.status == DossierStatus.RETURNED
    assert all(outcome != Outcome.LATE for _, _, outcome in result.steps)
