"""The citizen's lookup explains each change (engine.dossiers.views.public_lookup): what a supplement request asks
for and that it can be answered online, a refusal's reason and legal basis, an apology's new date and responsible
unit, the appointment moved by pauses, overdue shown as overdue."""

from __future__ import annotations

from engine.dossiers import actions as dossiers
from engine.dossiers.online import resubmit_online
from engine.dossiers.views import public_lookup
from engine.enums import DossierStatus
from engine.worker.sweep import sweep
from tests.conftest import local
from tests.helpers import HO_KINH_DOANH, dossier, receive_sample

MISSING = ["Bản sao Giấy chứng nhận quyền sử dụng đất", "Hợp đồng thuê địa điểm kinh doanh"]


def explained(ctx, receipt, kind):
    return [e for e in public_lookup(ctx, receipt.code, receipt.pin)["explanations"] if e["kind"] == kind]


def test_a_supplement_request_says_what_is_missing_and_the_pause_moves_the_appointment(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)  # Mon 07/12 08:00 + P3D: due Thu 10/12 08:00
    due = dossier(ctx, receipt.code).due_at
    clock.set_local("2026-12-08T08:00")
    dossiers.request_supplement(ctx, people("xa.motcua"), receipt.code,
                                {"reason": "Hồ sơ thiếu giấy tờ về địa điểm kinh doanh", "missing": MISSING})
    clock.set_local("2026-12-09T08:00")  # one working day paused so far
    seen = public_lookup(ctx, receipt.code, receipt.pin)
    [request] = [e for e in seen["explanations"] if e["kind"] == "supplement_requested"]
    assert request["missing"] == MISSING and request["reason"].startswith("Hồ sơ thiếu") and request["clock_paused"]
    assert "officer" not in request  # no officer's name for the citizen
    assert seen["answer_online"] and seen["clock"]["paused"] and not seen["clock"]["overdue"]
    assert seen["due_at"] == due and seen["clock"]["projected_due_at"] == local("2026-12-11T08:00")  # pushed 1 day

    resubmit_online(ctx, receipt.code, receipt.pin, {"documents": MISSING})  # answered online, with code + PIN
    after = public_lookup(ctx, receipt.code, receipt.pin)
    assert after["status"] == DossierStatus.PROCESSING and not after["answer_online"]
    [answer] = [e for e in after["explanations"] if e["kind"] == "supplemented"]
    assert answer["online"] and answer["documents"] == MISSING and answer["paused_minutes"] == 8 * 60
    assert after["due_at"] > due and answer["due_at"] == after["due_at"] and after["clock"]["paused_minutes"] == 480
    assert not after["clock"]["paused"]


def test_a_refusal_gives_its_reason_and_legal_basis(ctx, people):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    dossiers.refuse(ctx, people("xa.motcua"), receipt.code,
                    {"reason": "Ngành nghề kinh doanh bị cấm", "legal_basis": "Điều 6 Luật Đầu tư 2020"})
    [refusal] = explained(ctx, receipt, "refused")
    assert refusal["reason"] == "Ngành nghề kinh doanh bị cấm" and refusal["legal_basis"] == "Điều 6 Luật Đầu tư 2020"
    assert not refusal["at_reception"]


def test_an_apology_gives_the_new_date_and_the_responsible_unit(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    clock.set_local("2026-12-08T16:00")  # the first step (appraisal, Phòng Kinh tế) is late by now
    assert sweep(ctx).steps_overdue == 1
    new_due = local("2026-12-14T17:00")
    dossiers.issue_apology(ctx, people("xa.lanhdao"), receipt.code,
                           {"reason": "Cần xác minh địa điểm", "new_due_at": new_due.isoformat()})
    [apology] = explained(ctx, receipt, "apology_issued")
    assert apology["new_due_at"] == new_due and apology["old_due_at"] == receipt.due_at
    assert apology["reason"] == "Cần xác minh địa điểm" and apology["units"] == ["Phòng Kinh tế"]  # the late step's unit
    seen = public_lookup(ctx, receipt.code, receipt.pin)
    assert seen["due_at"] == new_due and seen["clock"]["apology_issued_at"] is not None


def test_a_passed_appointment_is_overdue(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    assert not public_lookup(ctx, receipt.code, receipt.pin)["clock"]["overdue"]
    clock.set_local("2026-12-11T09:00")  # the day after the appointment, nothing done
    sweep(ctx)
    seen = public_lookup(ctx, receipt.code, receipt.pin)
    assert seen["clock"]["overdue"] and seen["status"] in (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
    assert any(step["overdue"] for step in seen["steps"])
    assert [e["kind"] for e in seen["explanations"]] == ["dossier_overdue"]
