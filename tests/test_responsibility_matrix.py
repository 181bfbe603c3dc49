"""Responsibility boundaries (DOMAIN §2): every role × every use case × own / foreign agency.

Each case prepares a dossier in the state the action needs, so an allowed action succeeds and a
refused one raises NotAuthorized, leaves the dossier unchanged and is written to the audit log."""

from __future__ import annotations

import pytest

from engine import kpis
from engine.demo.walkthrough import complete_open_steps
from engine.documents import files
from engine.dossiers import actions as dossiers
from engine.dossiers import pin_guard, tasks
from engine.dossiers.reception import receive
from engine.dossiers.views import dossier_detail
from engine.dossiers.worklists import Worklist, list_worklist
from engine.enums import FileKind
from engine.errors import NotAuthorized
from engine.notify import admin as outbox_admin
from engine.org import directory as org
from engine.org.authz import Action
from engine.quality import nonconformities
from engine.records import auditlog, registers
from tests import documents_samples as samples
from tests import oversight_helpers as oversight
from tests.conftest import FOREIGN_PREFIX, local
from tests.helpers import denials, dossier, open_tasks, request

ROLES = {
    "desk": "motcua",
    "specialist": "vp.chuyenvien",
    "unit_head": "vp.truongphong",
    "leader": "lanhdao",
    "designer": "designer",
    "auditor": "auditor",
    "admin": "admin",
}

# Who may act in their OWN agency; in a foreign agency nobody may.
ALLOWED = {
    Action.RECEIVE: {"desk"},
    Action.VIEW: {"desk", "specialist", "unit_head", "leader", "auditor"},
    Action.CLAIM: {"specialist"},
    Action.RELEASE: {"specialist", "unit_head"},
    Action.COMPLETE: {"specialist"},
    Action.REASSIGN: {"unit_head"},
    Action.REQUEST_SUPPLEMENT: {"desk", "specialist"},
    Action.SUPPLEMENT: {"desk"},
    Action.REFUSE: {"desk", "leader"},
    Action.WITHDRAW: {"desk"},
    Action.APOLOGY: {"leader", "unit_head"},
    Action.HAND_BACK: {"desk"},
    Action.VIEW_RECORDS: {"desk", "leader", "auditor"},
    Action.VIEW_NONCONFORMITIES: {"unit_head", "leader", "auditor"},  # of the agency (unit heads: their unit's)
    Action.RECORD_CORRECTIVE_ACTION: {"unit_head"},  # the head of the late step's unit
    Action.CLOSE_NONCONFORMITY: {"auditor"},
    Action.VIEW_AUDIT_LOG: {"auditor"},
    Action.MANAGE_OUTBOX: {"admin"},
    Action.VIEW_REPORTS: {"unit_head", "leader", "auditor"},  # KPIs of the agency (unit heads: their unit's)
    Action.MANAGE_USERS: {"admin"},  # deactivating a user of the agency
    Action.REISSUE_PIN: {"desk"},  # a new lookup PIN for the applicant
    Action.VIEW_WORKLISTS: {"desk"},  # results to hand back, awaiting supplement, online to check
    Action.ATTACH_FILE: {"desk", "specialist"},  # scans of a part: the desk, or who works an open step
    Action.ATTACH_RESULT: {"desk", "specialist"},  # a result document: the desk, or who works an open step
}

REASON = {"reason": "Lý do ghi rõ bằng văn bản"}


def _prepare(ctx, people, action):
    """A dossier of the demo commune in the state the action needs; returns (code, task_id)."""
    receipt = receive(ctx, people("xa.motcua"), request())
    task = open_tasks(ctx, receipt.code)[0]
    if action == Action.RELEASE:
        tasks.claim(ctx, people("xa.vp.chuyenvien"), task.id)
    elif action == Action.SUPPLEMENT:
        dossiers.request_supplement(ctx, people("xa.motcua"), receipt.code, {**REASON, "missing": ["Tờ khai"]})
    elif action == Action.HAND_BACK:
        complete_open_steps(ctx, receipt.code)
    elif action in (Action.RECORD_CORRECTIVE_ACTION, Action.CLOSE_NONCONFORMITY):
        oversight.late_step(ctx, task.id, with_action=action == Action.CLOSE_NONCONFORMITY)
    return receipt.code, task.id


def _act(ctx, actor, action, code, task_id):
    return {
        Action.RECEIVE: lambda: receive(ctx, actor, request(agency_code="000.00.31.H99")),
        Action.VIEW: lambda: dossier_detail(ctx, actor, code),
        Action.CLAIM: lambda: tasks.claim(ctx, actor, task_id),
        Action.RELEASE: lambda: tasks.release(ctx, actor, task_id),
        Action.COMPLETE: lambda: tasks.complete(ctx, actor, task_id, {"data": {"eligible": True}}),
        Action.REASSIGN: lambda: tasks.reassign(ctx, actor, task_id, "xa.vp.chuyenvien2"),
        Action.REQUEST_SUPPLEMENT: lambda: dossiers.request_supplement(ctx, actor, code, {**REASON, "missing": ["Tờ khai"]}),
        Action.SUPPLEMENT: lambda: dossiers.supplement(ctx, actor, code, {"documents": ["Tờ khai"]}),
        Action.REFUSE: lambda: dossiers.refuse(ctx, actor, code, REASON),
        Action.WITHDRAW: lambda: dossiers.withdraw(ctx, actor, code, REASON),
        Action.APOLOGY: lambda: dossiers.issue_apology(ctx, actor, code, {
            **REASON, "new_due_at": local("2026-12-14T17:00").isoformat()}),
        Action.HAND_BACK: lambda: dossiers.hand_back(ctx, actor, code),
        Action.VIEW_RECORDS: lambda: registers.tracking_book(ctx, actor, "000.00.31.H99"),
        Action.VIEW_NONCONFORMITIES: lambda: nonconformities.list_nonconformities(ctx, actor, agency_code="000.00.31.H99"),
        Action.RECORD_CORRECTIVE_ACTION: lambda: nonconformities.record_corrective_action(
            ctx, actor, oversight.nonconformity_of(ctx, task_id), {"cause": "Nguyên nhân", "corrective_action": "Khắc phục"}),
        Action.CLOSE_NONCONFORMITY: lambda: nonconformities.close_nonconformity(
            ctx, actor, oversight.nonconformity_of(ctx, task_id), {"note": "Đã kiểm tra"}),
        Action.VIEW_AUDIT_LOG: lambda: auditlog.browse_events(ctx, actor, agency_code="000.00.31.H99"),
        Action.MANAGE_OUTBOX: lambda: outbox_admin.retry(ctx, actor, oversight.failed_message(ctx, code)),
        Action.VIEW_REPORTS: lambda: kpis.kpi_report(ctx, actor, kpis.parse({"agency": "000.00.31.H99"})),
        Action.MANAGE_USERS: lambda: org.set_active(ctx, "xa.vp.chuyenvien2", False, actor=actor),
        Action.REISSUE_PIN: lambda: pin_guard.reissue_pin(ctx, actor, code),
        Action.VIEW_WORKLISTS: lambda: list_worklist(ctx, actor, Worklist.TO_HAND_BACK, agency_code="000.00.31.H99"),
        Action.ATTACH_FILE: lambda: files.attach(ctx, actor, code, "to_khai", [samples.upload(samples.pdf())]),
        Action.ATTACH_RESULT: lambda: files.attach(ctx, actor, code, "ket_qua", [samples.upload(samples.pdf())],
                                                   kind=FileKind.RESULT),
    }[action]()


@pytest.mark.parametrize("where", ["own", "foreign"])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_matrix(ctx, people, action, role, where):
    code, task_id = _prepare(ctx, people, action)
    prefix = "xa" if where == "own" else FOREIGN_PREFIX
    actor = people(f"{prefix}.{ROLES[role]}")
    allowed = where == "own" and role in ALLOWED[action]
    before = dossier(ctx, code).version
    if allowed:
        _act(ctx, actor, action, code, task_id)
        assert denials(ctx) == []
    else:
        with pytest.raises(NotAuthorized):
            _act(ctx, actor, action, code, task_id)
        assert dossier(ctx, code).version == before
        [entry] = denials(ctx)
        assert entry.actor_name == actor.username and entry.action == action.value
