"""Nonconformity and corrective action (ISO 9001 §10.2): listed per unit and agency, the unit head records
the cause and the corrective action, the auditor verifies and closes; wrong people get 403 (logged),
bad input changes nothing."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput, InvalidState, NotAuthorized, NotFound
from engine.quality.nonconformities import close_nonconformity, list_nonconformities, record_corrective_action
from engine.worker.sweep import sweep
from tests.helpers import HO_KINH_DOANH, denials, receive_sample

ACTION = {"cause": "Chuyên viên nghỉ ốm, không có người thay", "corrective_action": "Phân công người dự phòng"}


@pytest.fixture
def nc_id(ctx, people, clock):
    """A late appraisal of the Economic unit (Phòng Kinh tế), raised by the sweep on Tue 08:01."""
    receive_sample(ctx, people, HO_KINH_DOANH)
    clock.set_local("2026-12-08T08:01")
    sweep(ctx)
    [row] = list_nonconformities(ctx, people("xa.kt.truongphong")).rows
    return row["id"]


@pytest.mark.parametrize("username, visible", [
    ("xa.kt.truongphong", 1), ("xa.vp.truongphong", 0), ("xa.lanhdao", 1), ("xa.auditor", 1),
    ("tinh.kiemsoat", 1), ("xa2.auditor", 0), ("xa2.lanhdao", 0),
])
def test_who_sees_which_nonconformities(ctx, people, nc_id, username, visible):
    assert list_nonconformities(ctx, people(username)).total == visible


@pytest.mark.parametrize("username", ["xa.motcua", "xa.kt.chuyenvien", "xa.admin", "xa.designer"])
def test_others_may_not_list(ctx, people, nc_id, username):
    with pytest.raises(NotAuthorized):
        list_nonconformities(ctx, people(username))
    assert denials(ctx)[-1].action == "view_nonconformities"


def test_cause_action_verification_and_closure(ctx, people, nc_id, clock):
    head, auditor = people("xa.kt.truongphong"), people("xa.auditor")
    [row] = list_nonconformities(ctx, head).rows
    assert row["status"] == "open" and row["allowed"] == ["action"] and row["unit"] == "Phòng Kinh tế"
    assert row["step_name"] == "Thẩm định hồ sơ đăng ký hộ kinh doanh" and row["dossier_code"].startswith("000.00.31")
    assert list_nonconformities(ctx, auditor).rows[0]["allowed"] == []
    with pytest.raises(InvalidState):
        close_nonconformity(ctx, auditor, nc_id, {"note": "Chưa có hành động khắc phục"})
    with pytest.raises(NotAuthorized):
        record_corrective_action(ctx, people("xa.vp.truongphong"), nc_id, ACTION)
    with pytest.raises(NotAuthorized):
        record_corrective_action(ctx, people("xa.auditor"), nc_id, ACTION)
    clock.advance(hours=1)
    assert record_corrective_action(ctx, head, nc_id, ACTION) == "action_recorded"
    [row] = list_nonconformities(ctx, auditor).rows
    assert row["cause"] == ACTION["cause"] and row["action_recorded_by"] == "Trưởng Phòng Kinh tế"
    assert row["action_recorded_at"] == clock.now and row["allowed"] == ["close"]
    assert list_nonconformities(ctx, head).rows[0]["allowed"] == ["action"]  # may still revise it
    with pytest.raises(NotAuthorized):
        close_nonconformity(ctx, head, nc_id, {"note": "Tự đóng"})
    with pytest.raises(NotAuthorized):
        close_nonconformity(ctx, people("xa2.auditor"), nc_id, {"note": "Không phải cơ quan mình"})
    assert close_nonconformity(ctx, auditor, nc_id, {"note": "Đã kiểm tra phân công dự phòng"}) == "closed"
    [row] = list_nonconformities(ctx, head, status="closed").rows
    assert row["closed_by"] == "xa.auditor"  # the test users are named after their username
    assert row["verification_note"] == "Đã kiểm tra phân công dự phòng" and row["allowed"] == []
    with pytest.raises(InvalidState):
        record_corrective_action(ctx, head, nc_id, ACTION)
    assert list_nonconformities(ctx, head, status="open").total == 0


def test_an_auditor_of_the_province_may_close(ctx, people, nc_id):
    record_corrective_action(ctx, people("xa.kt.truongphong"), nc_id, ACTION)
    assert close_nonconformity(ctx, people("tinh.kiemsoat"), nc_id, {"note": "Kiểm tra cấp tỉnh"}) == "closed"


def test_bad_input_changes_nothing(ctx, people, nc_id):
    head = people("xa.kt.truongphong")
    with pytest.raises(InvalidInput) as error:
        record_corrective_action(ctx, head, nc_id, {"cause": "x", "corrective_action": ""})
    assert set(error.value.details) == {"cause", "corrective_action"}
    with pytest.raises(NotFound):
        record_corrective_action(ctx, head, 999999, ACTION)
    with pytest.raises(InvalidInput):
        list_nonconformities(ctx, head, status="lost")
    with pytest.raises(InvalidInput):
        list_nonconformities(ctx, head, limit=0)
    assert list_nonconformities(ctx, head).rows[0]["status"] == "open"


def test_overdue_nonconformity_is_flagged_and_filterable(ctx, people, nc_id, clock):
    head = people("xa.kt.truongphong")
    [row] = list_nonconformities(ctx, head).rows
    assert row["action_overdue"] is False and row["flagged_at"] is None
    assert row["action_due_at"].isoformat().startswith("2026-12-15T08:01")
    clock.set_local("2026-12-15T09:00")
    assert sweep(ctx).escalation.nonconformities_flagged == 1
    [row] = list_nonconformities(ctx, head, flagged=True).rows
    assert row["action_overdue"] is True and row["flagged_at"] == clock.now
    assert list_nonconformities(ctx, head, flagged=False).total == 0
    record_corrective_action(ctx, head, nc_id, ACTION)
    assert list_nonconformities(ctx, head).rows[0]["action_overdue"] is False
