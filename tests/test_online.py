"""Online submission: waits in the desk's inbox; accepted, returned incomplete (Form 02) or refused (Form 03)."""

from __future__ import annotations

import pytest

from engine.dossiers import online
from engine.dossiers.inbox import list_inbox
from engine.dossiers.views import public_lookup
from engine.enums import DossierStatus, EventKind
from engine.errors import InvalidInput, InvalidState, NotAuthorized, NotFound
from tests.conftest import local
from tests.helpers import dossier, event_kinds, open_tasks, request

XA = "000.00.31.H99"


def submit(ctx, **extra):
    return online.submit_online(ctx, request(agency_code=XA, **extra))


def test_submission_waits_for_the_desk_then_is_received(ctx, people, clock):
    sub = submit(ctx)
    assert sub.status == DossierStatus.SUBMITTED
    rows = list_inbox(ctx, people("xa.motcua"), "available").rows
    assert [r.dossier_code for r in rows] == [sub.code] and rows[0].step_id == online.RECEPTION_STEP
    assert list_inbox(ctx, people("xa2.motcua"), "available").total == 0
    assert public_lookup(ctx, sub.code, sub.pin)["status"] == DossierStatus.SUBMITTED
    clock.set_local("2026-12-07T09:00")
    due = online.accept_submission(ctx, people("xa.motcua"), sub.code)
    assert due == local("2026-12-07T17:00")
    d = dossier(ctx, sub.code)
    assert d.status == DossierStatus.RECEIVED and d.channel == "online" and d.received_at == local("2026-12-07T09:00")
    assert [t.step_id for t in open_tasks(ctx, sub.code)] == ["tham_dinh_ho_so"]
    assert event_kinds(ctx, sub.code)[:3] == [EventKind.SUBMITTED, EventKind.RECEIVED, EventKind.HANDED_OVER]


def test_incomplete_then_resubmitted(ctx, people):
    sub = submit(ctx)
    online.return_incomplete(ctx, people("xa.motcua"), sub.code,
                             {"reason": "Thiếu giấy tờ", "missing": ["Giấy chứng sinh (bản chính)"]})
    assert dossier(ctx, sub.code).status == DossierStatus.INCOMPLETE
    assert open_tasks(ctx, sub.code) == []
    with pytest.raises(NotFound):
        online.resubmit_online(ctx, sub.code, "000000" if sub.pin != "000000" else "111111", {})
    online.resubmit_online(ctx, sub.code, sub.pin, {"documents": ["Giấy chứng sinh (bản chính)"]})
    assert dossier(ctx, sub.code).status == DossierStatus.SUBMITTED
    assert len(open_tasks(ctx, sub.code)) == 1


def test_rejected_at_reception(ctx, people):
    sub = submit(ctx)
    online.reject_submission(ctx, people("xa.motcua"), sub.code, {"reason": "Không thuộc thẩm quyền của xã"})
    assert dossier(ctx, sub.code).status == DossierStatus.REJECTED
    with pytest.raises(InvalidState):
        online.accept_submission(ctx, people("xa.motcua"), sub.code)


def test_only_the_agencys_desk_accepts(ctx, people):
    sub = submit(ctx)
    for username in ("xa.vp.chuyenvien", "xa2.motcua", "xa.lanhdao"):
        with pytest.raises(NotAuthorized):
            online.accept_submission(ctx, people(username), sub.code)


def test_submission_needs_an_agency_and_a_valid_body(ctx):
    with pytest.raises(InvalidInput):
        online.submit_online(ctx, request())
    with pytest.raises(InvalidInput):
        online.submit_online(ctx, {"agency_code": XA, "procedure_code": "1.001193"})
    with pytest.raises(NotFound):
        online.submit_online(ctx, request(agency_code="KHONG-CO"))
