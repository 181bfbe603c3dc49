"""Dossier use cases: supplementation pauses the clock, refusal, withdrawal, apology (once), hand-back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.dossiers import actions as dossiers
from engine.dossiers import tasks
from engine.dossiers.views import public_lookup
from engine.enums import DossierStatus, EventKind, TaskState
from engine.errors import InvalidInput, InvalidState, NotFound
from tests.conftest import local
from tests.helpers import HO_KINH_DOANH, dossier, event_kinds, events, open_tasks, receive_sample

DESK = "xa.motcua"
MISSING = {"reason": "Thiếu giấy tờ chứng minh nơi cư trú", "missing": ["Giấy xác nhận cư trú"]}


def test_supplementation_pauses_and_pushes_every_deadline(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)  # Mon 08:00, due Thu 08:00
    [task] = open_tasks(ctx, receipt.code)
    task_due = task.due_at
    clock.set_local("2026-12-07T10:00")
    dossiers.request_supplement(ctx, people(DESK), receipt.code, MISSING)
    d = dossier(ctx, receipt.code)
    assert d.status == DossierStatus.AWAITING_SUPPLEMENT and d.paused_at == local("2026-12-07T10:00")
    assert open_tasks(ctx, receipt.code)[0].paused
    with pytest.raises(InvalidState):
        tasks.complete(ctx, people("xa.kt.chuyenvien"), task.id, {"data": {"eligible": True}})
    clock.set_local("2026-12-08T10:00")  # one working day (8 h) later
    dossiers.supplement(ctx, people(DESK), receipt.code, {"documents": ["Giấy xác nhận cư trú"]})
    d = dossier(ctx, receipt.code)
    assert d.status == DossierStatus.PROCESSING and d.paused_at is None and d.paused_minutes == 480
    assert d.due_at == receipt.due_at + timedelta(days=1) == d.statutory_due_at
    [task] = open_tasks(ctx, receipt.code)
    assert task.due_at == task_due + timedelta(days=1) and not task.paused
    assert "Giấy xác nhận cư trú" in d.documents


def test_supplement_needs_a_list_and_the_right_state(ctx, people):
    receipt = receive_sample(ctx, people)
    with pytest.raises(InvalidInput):
        dossiers.request_supplement(ctx, people(DESK), receipt.code, {"reason": "Thiếu", "missing": []})
    with pytest.raises(InvalidState):
        dossiers.supplement(ctx, people(DESK), receipt.code, {})
    with pytest.raises(NotFound):
        dossiers.request_supplement(ctx, people(DESK), "000.00.31.H99-261207-9999", MISSING)


def test_specialist_holding_a_step_may_request_supplement(ctx, people):
    receipt = receive_sample(ctx, people)
    dossiers.request_supplement(ctx, people("xa.vp.chuyenvien"), receipt.code, MISSING)
    assert dossier(ctx, receipt.code).status == DossierStatus.AWAITING_SUPPLEMENT


def test_refusal_cancels_open_steps_with_reason(ctx, people):
    receipt = receive_sample(ctx, people)
    dossiers.refuse(ctx, people("xa.lanhdao"), receipt.code, {"reason": "Không thuộc thẩm quyền giải quyết"})
    d = dossier(ctx, receipt.code)
    assert d.status == DossierStatus.REFUSED and d.closed_reason == "Không thuộc thẩm quyền giải quyết"
    assert open_tasks(ctx, receipt.code) == []
    with pytest.raises(InvalidState):
        dossiers.refuse(ctx, people("xa.lanhdao"), receipt.code, {"reason": "Lần nữa cho chắc"})
    with pytest.raises(InvalidInput):
        dossiers.withdraw(ctx, people(DESK), receipt.code, {"reason": ""})


def test_withdrawal(ctx, people):
    receipt = receive_sample(ctx, people)
    dossiers.withdraw(ctx, people(DESK), receipt.code, {"reason": "Công dân xin rút hồ sơ"})
    assert dossier(ctx, receipt.code).status == DossierStatus.WITHDRAWN
    assert event_kinds(ctx, receipt.code)[-1] == EventKind.WITHDRAWN


def test_apology_sets_a_new_appointment_once(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    new_due = local("2026-12-14T17:00")
    dossiers.issue_apology(ctx, people("xa.lanhdao"), receipt.code,
                           {"reason": "Cần xác minh thêm", "new_due_at": new_due.isoformat()})
    d = dossier(ctx, receipt.code)
    assert d.due_at == new_due and d.statutory_due_at == receipt.due_at
    payload = [e for e in events(ctx, receipt.code) if e.kind == EventKind.APOLOGY_ISSUED][0].payload
    assert payload["timely"] is True and payload["reason"] == "Cần xác minh thêm"
    with pytest.raises(InvalidState, match="một lần"):
        dossiers.issue_apology(ctx, people("xa.lanhdao"), receipt.code,
                               {"reason": "Lần hai", "new_due_at": local("2026-12-20T17:00").isoformat()})


def test_apology_date_must_be_later_and_have_an_offset(ctx, people):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    with pytest.raises(InvalidInput):
        dossiers.issue_apology(ctx, people("xa.lanhdao"), receipt.code,
                               {"reason": "Chậm do xác minh", "new_due_at": local("2026-12-08T08:00").isoformat()})
    with pytest.raises(InvalidInput):
        dossiers.issue_apology(ctx, people("xa.lanhdao"), receipt.code,
                               {"reason": "Chậm do xác minh", "new_due_at": "2026-12-20T08:00"})


def test_late_apology_is_recorded_as_not_timely(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    clock.set_local("2026-12-09T16:00")  # 2 working hours before the appointment
    dossiers.issue_apology(ctx, people("xa.lanhdao"), receipt.code,
                           {"reason": "Chậm do xác minh", "new_due_at": local("2026-12-14T17:00").isoformat()})
    payload = [e for e in events(ctx, receipt.code) if e.kind == EventKind.APOLOGY_ISSUED][0].payload
    assert payload["timely"] is False


def test_hand_back_only_when_resolved(ctx, people):
    receipt = receive_sample(ctx, people)
    with pytest.raises(InvalidState):
        dossiers.hand_back(ctx, people(DESK), receipt.code)
    for step, who, data in [("tham_dinh_ho_so", "xa.vp.chuyenvien", {"eligible": True}),
                            ("ky_duyet", "xa.lanhdao", {"approved": True}),
                            ("vao_so_ho_tich", "xa.vp.chuyenvien", {"register_number": "15/2026"})]:
        [task] = open_tasks(ctx, receipt.code)
        assert task.step_id == step
        tasks.complete(ctx, people(who), task.id, {"data": data})
    d = dossier(ctx, receipt.code)
    assert d.status == DossierStatus.RESOLVED and d.outcome == "on_time"
    dossiers.hand_back(ctx, people(DESK), receipt.code, "Đã trao Giấy khai sinh")
    assert dossier(ctx, receipt.code).status == DossierStatus.RETURNED


def test_public_lookup_by_code_and_pin(ctx, people):
    receipt = receive_sample(ctx, people)
    seen = public_lookup(ctx, receipt.code, receipt.pin)
    assert seen["status"] == DossierStatus.RECEIVED and seen["steps"][0]["state"] == TaskState.READY
    assert "applicant" not in seen and "events" not in seen
    with pytest.raises(NotFound) as wrong_pin:
        public_lookup(ctx, receipt.code, "000000" if receipt.pin != "000000" else "111111")
    with pytest.raises(NotFound) as unknown:
        public_lookup(ctx, receipt.code[:-1] + "9", receipt.pin)
    assert type(wrong_pin.value) is type(unknown.value)
    assert wrong_pin.value.message.replace(receipt.code, "X") == unknown.value.message.replace(receipt.code[:-1] + "9", "X")


def test_control_slip_has_one_block_per_hand_over(ctx, people):
    from engine.records.control_slip import control_slip

    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    tasks.claim(ctx, people("xa.vp.chuyenvien"), task.id)
    tasks.complete(ctx, people("xa.vp.chuyenvien"), task.id, {"data": {"eligible": True}})
    slip = control_slip(ctx, people("xa.motcua"), receipt.code)
    assert slip["form"] == "06" and slip["code"] == receipt.code and len(slip["blocks"]) == 2
    first, second = slip["blocks"]
    assert first["from_lane"] == "Tiếp nhận" and first["to_unit"] == "Văn phòng HĐND và UBND"
    assert first["handed_by"] == people("xa.motcua").full_name and first["received_at"] is not None
    assert first["outcome"] == "on_time"
    assert second["from_lane"] == "Công chức Tư pháp - Hộ tịch" and second["state"] == "ready"


def test_detail_offers_only_the_entitled_actions(ctx, people):
    from engine.dossiers.views import dossier_detail

    receipt = receive_sample(ctx, people)
    as_desk = dossier_detail(ctx, people("xa.motcua"), receipt.code)
    assert set(as_desk["allowed"]) == {"request_supplement", "refuse", "withdraw"}
    assert as_desk["steps"][0]["allowed"] == [] and as_desk["steps"][0]["form"] is None
    as_specialist = dossier_detail(ctx, people("xa.vp.chuyenvien"), receipt.code)
    assert as_specialist["allowed"] == ["request_supplement"]
    assert as_specialist["steps"][0]["allowed"] == ["claim", "complete"]
    assert as_specialist["steps"][0]["form"]["required"] == ["eligible"]
    as_leader = dossier_detail(ctx, people("xa.lanhdao"), receipt.code)
    assert set(as_leader["allowed"]) == {"refuse", "apology"}
