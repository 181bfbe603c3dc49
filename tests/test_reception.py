"""Reception: dossier codes, PINs, appointments, and every bad input."""

from __future__ import annotations

import re
import threading

import pytest

from engine.dossiers.reception import receive
from engine.enums import DossierStatus, EventKind
from engine.errors import InvalidInput, InvalidState, NotAuthorized, NotFound
from engine.org import directory as org
from engine.org.security import verify_pin
from tests.conftest import FOREIGN_XA, local
from tests.helpers import HO_KINH_DOANH, denials, dossier, event_kinds, open_tasks, receive_sample, request

CODE = re.compile(r"^000\.00\.31\.H99-\d{6}-\d{4}$")


def test_receive_gives_code_pin_and_same_day_appointment(ctx, people):
    receipt = receive_sample(ctx, people)
    assert CODE.match(receipt.code) and receipt.code.endswith("-261207-0001")
    assert re.fullmatch(r"\d{8}", receipt.pin)
    assert receipt.status == DossierStatus.RECEIVED
    assert receipt.due_at == local("2026-12-07T17:00")  # same_day, received Monday 08:00
    row = dossier(ctx, receipt.code)
    assert row.pin_hash != receipt.pin and verify_pin(row.pin_hash, receipt.code, receipt.pin)
    assert event_kinds(ctx, receipt.code) == [EventKind.RECEIVED, EventKind.HANDED_OVER]
    [task] = open_tasks(ctx, receipt.code)
    assert task.step_id == "tham_dinh_ho_so" and task.role == "specialist"


def test_after_cutoff_the_appointment_moves_not_the_receipt(ctx, people, clock):
    clock.set_local("2026-12-07T15:30")
    receipt = receive_sample(ctx, people)
    row = dossier(ctx, receipt.code)
    assert row.received_at == local("2026-12-07T15:30")
    assert row.effective_received_at == local("2026-12-08T07:30")
    assert receipt.due_at == local("2026-12-08T17:00")


def test_working_days_duration(ctx, people, clock):
    clock.set_local("2026-12-04T10:00")  # Friday
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    assert receipt.due_at == local("2026-12-09T10:00")  # P3D: Mon, Tue, Wed


def test_codes_are_sequential_per_agency_and_day(ctx, people, clock):
    codes = [receive_sample(ctx, people).code for _ in range(3)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    other = receive_sample(ctx, people, desk="xa2.motcua").code
    assert other.startswith(FOREIGN_XA) and other.endswith("0001")
    clock.set_local("2026-12-08T08:00")
    assert receive_sample(ctx, people).code.endswith("-261208-0001")


def test_concurrent_receptions_are_gap_free(ctx, people):
    desk = people("xa.motcua")
    codes, errors = [], []

    def one():
        try:
            codes.append(receive(ctx, desk, request()).code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, 9))


def test_unknown_procedure(ctx, people):
    with pytest.raises(NotFound, match="9.999999"):
        receive_sample(ctx, people, "9.999999")


@pytest.mark.parametrize("bad, field", [
    ({"applicant": {"name": ""}}, "applicant"),
    ({"applicant": {"name": "An", "email": "not-an-email"}}, "applicant"),
    ({"channel": "fax"}, "channel"),
    ({"data": "not a dict"}, "data"),
])
def test_bad_requests_are_refused_with_field_details(ctx, people, bad, field):
    with pytest.raises(InvalidInput) as err:
        receive(ctx, people("xa.motcua"), {**request(), **bad})
    assert field in err.value.details


def test_missing_procedure_code(ctx, people):
    body = request()
    del body["procedure_code"]
    with pytest.raises(InvalidInput) as err:
        receive(ctx, people("xa.motcua"), body)
    assert "procedure_code" in err.value.details


def test_level_mismatch(ctx, people):
    with pytest.raises(InvalidInput, match="commune"):
        receive_sample(ctx, people, desk="stp.motcua")  # a province desk receiving a commune procedure


def test_only_desk_receives_and_refusal_is_audited(ctx, people):
    with pytest.raises(NotAuthorized):
        receive_sample(ctx, people, desk="xa.vp.chuyenvien")
    [entry] = denials(ctx)
    assert entry.actor_name == "xa.vp.chuyenvien" and entry.action == "receive"


def test_desk_may_not_receive_for_a_foreign_agency(ctx, people):
    with pytest.raises(NotAuthorized):
        receive(ctx, people("xa.motcua"), request(agency_code=FOREIGN_XA))


def test_agency_without_a_required_unit_cannot_receive(ctx, people):
    org.add_agency(ctx, "000.00.33.H99", "UBND xã Thiếu", "commune", "000.00.00.H99")
    org.add_unit(ctx, "MC", "000.00.33.H99", "Một cửa")
    org.add_user(ctx, "xa3.motcua", "000.00.33.H99", ["desk"], "password-123", unit_code="MC")
    with pytest.raises(InvalidState, match="VP"):
        receive_sample(ctx, people, desk="xa3.motcua")
