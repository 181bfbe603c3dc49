"""Forms 02–05 read from the event log, which forms exist for which dossier, and the agency's registers
(Form 07 tracking book, Form 06 control slips) over a period: contents against a week driven by the clock
(tests/records_scenario.py), authority, and bad parameters."""

from __future__ import annotations

from datetime import date

import pytest

from engine.dossiers.views import dossier_detail
from engine.errors import InvalidInput, NotAuthorized, NotFound
from engine.records.forms import dossier_form, forms_of
from engine.records.registers import control_slips, parse_period, readable_agencies, tracking_book
from tests.conftest import FOREIGN_XA, local
from tests.helpers import denials
from tests.records_scenario import (
    APOLOGY_REASON,
    DESK,
    INCOMPLETE,
    REFUSAL_REASON,
    REJECTION_REASON,
    SUPPLEMENT,
    WITHDRAWAL_REASON,
    XA,
    seed_week,
)

WEEK = ("2026-12-07", "2026-12-11")


@pytest.fixture
def week(ctx, people, clock) -> dict[str, str]:
    return seed_week(ctx, people, clock)


def _numbers(ctx, people, code: str) -> list[str]:
    return [f["number"] for f in forms_of(dossier_detail(ctx, people(DESK), code)["events"])]


def test_each_dossier_has_exactly_the_forms_of_its_events(ctx, people, week):
    assert _numbers(ctx, people, week["A"]) == ["01", "06"]  # received, resolved, returned
    assert _numbers(ctx, people, week["B"]) == ["01", "02", "04", "06"]  # supplement request, apology
    assert _numbers(ctx, people, week["C"]) == ["01", "03", "06"]  # refused during processing
    assert _numbers(ctx, people, week["D"]) == ["03"]  # refused at reception: never received, no slip
    assert _numbers(ctx, people, week["E"]) == ["02"]  # returned incomplete before receipt
    assert _numbers(ctx, people, week["F"]) == ["01", "05", "06"]  # withdrawn


def test_form_02_during_processing(ctx, people, week):
    f = dossier_form(ctx, people(DESK), week["B"], "02")
    assert f["title"] == "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" and f["code"] == week["B"]
    assert f["applicant"]["name"] == "Trần Thị Bình" and f["procedure_name"] == "Đăng ký thành lập hộ kinh doanh"
    assert f["reason"] == SUPPLEMENT["reason"] and f["missing"] == SUPPLEMENT["missing"]
    assert f["officer"] == "Cán bộ một cửa (xa)" and f["issued_at"] == local("2026-12-07T11:00")
    assert f["received"] and f["received_at"] == local("2026-12-07T09:00")
    assert f["clock_paused"] and not f["before_receipt"]
    assert f["agency"] == "UBND xã An Bình"


def test_form_02_before_receipt(ctx, people, week):
    f = dossier_form(ctx, people(DESK), week["E"], "02")
    assert f["before_receipt"] and not f["received"] and f["received_at"] is None
    assert f["submitted_at"] == local("2026-12-07T15:00") and f["issued_at"] == local("2026-12-07T15:30")
    assert f["missing"] == INCOMPLETE["missing"] and f["channel"] == "online"


def test_form_03_during_processing_and_at_reception(ctx, people, week):
    during = dossier_form(ctx, people(DESK), week["C"], "03")
    assert during["title"] == "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" and during["reason"] == REFUSAL_REASON
    assert not during["at_reception"] and during["issued_by"] == "Lãnh đạo (xa)"
    assert during["issued_at"] == local("2026-12-07T14:00") and during["received_at"] == local("2026-12-07T10:00")
    at_desk = dossier_form(ctx, people(DESK), week["D"], "03")
    assert at_desk["at_reception"] and not at_desk["received"] and at_desk["reason"] == REJECTION_REASON
    assert at_desk["issued_by"] == "Cán bộ một cửa (xa)" and at_desk["issued_at"] == local("2026-12-07T14:30")


def test_form_04_apology(ctx, people, week):
    f = dossier_form(ctx, people(DESK), week["B"], "04")
    assert f["title"] == "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" and f["reason"] == APOLOGY_REASON
    # Received Mon 09:00 + P3D = Thu 09:00, pushed by the pause Mon 11:00 → Tue 09:00 (30 + 240 + 90 = 360
    # working minutes): Thu 09:00 + 6 h = Thu 16:30.
    assert f["old_due_at"] == local("2026-12-10T16:30")
    assert f["new_due_at"] == local("2026-12-14T17:00")
    assert f["timely"] is True and f["responsible_units"] == ["Phòng Kinh tế"]
    assert f["signed_by"] == "Trưởng Phòng Kinh tế" and f["issued_at"] == local("2026-12-08T10:30")


def test_form_05_stop_notice(ctx, people, week):
    f = dossier_form(ctx, people(DESK), week["F"], "05")
    assert f["title"] == "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" and f["reason"] == WITHDRAWAL_REASON
    assert f["issued_at"] == local("2026-12-08T10:00") and f["issued_by"] == "Cán bộ một cửa (xa)"
    assert f["received_at"] == local("2026-12-08T08:00")


def test_missing_or_unknown_forms_are_not_found(ctx, people, week):
    desk = people(DESK)
    with pytest.raises(NotFound, match="Mẫu số 04"):
        dossier_form(ctx, desk, week["A"], "04")  # no apology for A
    with pytest.raises(NotFound):
        dossier_form(ctx, desk, week["A"], "09")
    with pytest.raises(NotFound):
        dossier_form(ctx, desk, week["A"], "07")  # the tracking book is per agency, not per dossier
    f = dossier_form(ctx, desk, week["B"], "02")
    assert dossier_form(ctx, desk, week["B"], "02", seq=f["seq"])["seq"] == f["seq"]
    with pytest.raises(NotFound):
        dossier_form(ctx, desk, week["B"], "02", seq=f["seq"] + 1)  # an event of another kind
    with pytest.raises(NotFound):
        dossier_form(ctx, desk, "000.00.31.H99-261207-9999", "02")


def test_forms_follow_the_dossier_view_rule(ctx, people, week):
    assert dossier_form(ctx, people("xa.auditor"), week["B"], "04")["code"] == week["B"]
    assert dossier_form(ctx, people("xa.kt.chuyenvien"), week["B"], "02")["code"] == week["B"]  # holds its step
    with pytest.raises(NotAuthorized):
        dossier_form(ctx, people("xa2.motcua"), week["B"], "02")
    with pytest.raises(NotAuthorized):
        dossier_form(ctx, people("xa.designer"), week["B"], "04")
    assert [d.actor_name for d in denials(ctx)] == ["xa2.motcua", "xa.designer"]


def test_tracking_book_lists_the_week_received_in_order(ctx, people, week):
    book = tracking_book(ctx, people(DESK), XA, *WEEK)
    assert book["title"] == "SỔ THEO DÕI HỒ SƠ" and book["form"] == "07"
    assert (book["from"], book["to"]) == (date(2026, 12, 7), date(2026, 12, 11))
    # D (refused at reception) and E (incomplete) were never received; G is another commune's; H is next week's.
    assert [r["code"] for r in book["rows"]] == [week["A"], week["B"], week["C"], week["F"]]
    a, b, c, f = book["rows"]
    assert a == {**a, "no": 1, "applicant_name": "Nguyễn Văn An", "procedure_code": "1.001193",
                 "applicant_address": "Thôn Đông, xã An Bình", "applicant_phone": "0912000001", "sets": 1,
                 "received_at": local("2026-12-07T08:00"), "due_at": local("2026-12-07T17:00"),
                 "transferred_at": local("2026-12-07T08:00"), "resolved_at": local("2026-12-07T11:00"),
                 "returned_at": local("2026-12-07T14:00"), "status": "returned", "outcome": "on_time"}
    assert b == {**b, "due_at": local("2026-12-14T17:00"), "statutory_due_at": local("2026-12-10T16:30"),
                 "apology_issued_at": local("2026-12-08T10:30"), "transferred_at": local("2026-12-07T09:00"),
                 "resolved_at": None, "returned_at": None, "status": "processing"}
    assert c == {**c, "resolved_at": local("2026-12-07T14:00"), "status": "refused", "closed_reason": REFUSAL_REASON}
    # Tue 08:00 + P3D = Fri 08:00; a withdrawal is no result from the deciding unit.
    assert f == {**f, "received_at": local("2026-12-08T08:00"), "due_at": local("2026-12-11T08:00"),
                 "resolved_at": None, "status": "withdrawn", "closed_reason": WITHDRAWAL_REASON}


def test_tracking_book_period_defaults_and_bounds(ctx, people, week, clock):
    assert [r["code"] for r in tracking_book(ctx, people(DESK), XA, "2026-12-14", "2026-12-14")["rows"]] == [week["H"]]
    assert tracking_book(ctx, people(DESK), XA, "12/12/2026", "13/12/2026")["rows"] == []  # a weekend, DD/MM/YYYY
    book = tracking_book(ctx, people(DESK))  # today (Mon 14/12) back to the first of the month, own agency
    assert (book["from"], book["to"], book["agency_code"]) == (date(2026, 12, 1), date(2026, 12, 14), XA)
    assert len(book["rows"]) == 5


def test_control_slips_one_row_per_hand_over(ctx, people, week):
    rows = control_slips(ctx, people(DESK), XA, *WEEK)["rows"]
    assert [(r["code"], r["block"]) for r in rows] == [
        (week["A"], 1), (week["A"], 2), (week["A"], 3), (week["B"], 1), (week["C"], 1), (week["F"], 1)]
    first, second, third = rows[:3]
    assert first == {**first, "step_id": "tham_dinh_ho_so", "from_unit": "Bộ phận Một cửa",
                     "handed_by": "Cán bộ một cửa (xa)", "handed_at": local("2026-12-07T08:00"),
                     "to_unit": "Văn phòng HĐND và UBND", "received_by": "Chuyên viên Văn phòng HĐND và UBND",
                     "taken_at": local("2026-12-07T08:30"), "step_due_at": local("2026-12-07T10:00"),
                     "finished_at": local("2026-12-07T09:00"), "outcome": "on_time"}
    assert second == {**second, "from_unit": "Văn phòng HĐND và UBND", "to_unit": "Lãnh đạo UBND xã",
                      "handed_by": "Chuyên viên Văn phòng HĐND và UBND", "finished_by": "Lãnh đạo (xa)",
                      "step_due_at": local("2026-12-07T11:00"), "outcome": "on_time"}
    # Ready 09:30 with PT1H: due 10:30, finished 11:00.
    assert third == {**third, "step_id": "vao_so_ho_tich", "step_due_at": local("2026-12-07T10:30"),
                     "finished_at": local("2026-12-07T11:00"), "outcome": "late"}
    assert rows[3] == {**rows[3], "to_unit": "Phòng Kinh tế", "state": "ready", "received_by": None,
                       "step_due_at": local("2026-12-08T16:30")}  # Tue 09:00 + the 6 paused working hours
    assert rows[4]["state"] == rows[5]["state"] == "cancelled"


@pytest.mark.parametrize("username", ["xa.motcua", "xa.lanhdao", "xa.auditor", "tinh.kiemsoat"])
def test_registers_are_read_by_desk_leaders_and_auditors_above(ctx, people, username):
    assert tracking_book(ctx, people(username), XA, *WEEK)["agency_code"] == XA
    assert control_slips(ctx, people(username), XA, *WEEK)["agency_code"] == XA


@pytest.mark.parametrize("username, agency", [
    ("xa.vp.chuyenvien", XA), ("xa.kt.truongphong", XA), ("xa.designer", XA), ("xa.admin", XA),
    ("xa2.motcua", XA), ("xa.motcua", FOREIGN_XA), ("xa.auditor", "000.00.00.H99"),
])
def test_registers_refuse_everyone_else(ctx, people, username, agency):
    with pytest.raises(NotAuthorized):
        tracking_book(ctx, people(username), agency, *WEEK)
    with pytest.raises(NotAuthorized):
        control_slips(ctx, people(username), agency, *WEEK)
    assert len(denials(ctx)) == 2


def test_agency_picker_lists_what_the_actor_may_read(ctx, people):
    assert [a["code"] for a in readable_agencies(ctx, people(DESK))] == [XA]
    province = [a["code"] for a in readable_agencies(ctx, people("tinh.kiemsoat"))]
    assert XA in province and FOREIGN_XA in province and "000.00.00.H99" in province
    assert readable_agencies(ctx, people("xa.vp.chuyenvien")) == []


@pytest.mark.parametrize("start, end, message", [
    ("2026-13-01", None, "không hợp lệ"), ("hôm qua", "2026-12-11", "không hợp lệ"),
    ("2026-12-11", "2026-12-07", "sau ngày kết thúc"), ("2025-01-01", "2026-12-31", "366 ngày"),
    ("2026-02-30", "2026-03-01", "không hợp lệ"),
])
def test_bad_periods_are_rejected_with_a_message(ctx, people, start, end, message):
    with pytest.raises(InvalidInput, match=message):
        tracking_book(ctx, people(DESK), XA, start, end)
    with pytest.raises(InvalidInput, match=message):
        control_slips(ctx, people(DESK), XA, start, end)


def test_unknown_agency_and_period_parsing(ctx, people):
    with pytest.raises(NotFound):
        tracking_book(ctx, people(DESK), "KHONG-CO", *WEEK)
    assert parse_period(None, None, date(2026, 3, 15)) == parse_period("2026-03-01", "15/03/2026", date(2000, 1, 1))
