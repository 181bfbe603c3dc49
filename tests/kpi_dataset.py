"""A seeded data set for the KPI tests, built through the real use cases with the FakeClock: two procedures,
two months (December 2026, January 2027), desk and online, early / on time / late, a pause, refusals by the
process and at the desk, open work at report time, and one dossier of the foreign commune.

Every dossier's timeline is written beside it with the working minutes it yields (working time
07:30–11:30, 13:00–17:00, Monday–Friday; 1 January 2027 is a holiday but nothing here crosses it). The
expectations in tests/test_kpis.py are derived from these notes by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from engine.db.models import Dossier, Task
from engine.demo import organisation as demo
from engine.dossiers import actions as dossiers
from engine.dossiers import online, tasks
from engine.dossiers.reception import receive
from engine.enums import OPEN_TASK_STATES
from tests.helpers import HO_KINH_DOANH, KHAI_SINH, request

DESK, VP_SPECIALIST, LEADER = "xa.motcua", "xa.vp.chuyenvien", "xa.lanhdao"
KT_SPECIALIST, KT_HEAD = "xa.kt.chuyenvien", "xa.kt.truongphong"
REPORT_NOW = "2027-02-01T09:30"  # Monday; the period is [2026-12-01, 2027-02-01)
PERIOD = {"from": "2026-12-01", "to": "2027-02-01"}

KS_STEPS = {"tham_dinh_ho_so": (VP_SPECIALIST, {"eligible": True}), "ky_duyet": (LEADER, {"approved": True}),
            "vao_so_ho_tich": (VP_SPECIALIST, {"register_number": "12/2026"}),
            "ky_van_ban_tu_choi": (LEADER, {"refusal_reason": "Không đủ điều kiện đăng ký"})}
HKD_STEPS = {"tham_dinh_ho_so": (KT_SPECIALIST, {"eligible": True}), "ky_duyet": (KT_HEAD, {"approved": True}),
             "cap_nhat_he_thong": (KT_SPECIALIST, {"registration_number": "HKD-0001"})}
SUPPLEMENT_REQUEST = {"reason": "Thiếu giấy tờ theo quy định", "missing": ["Bản sao giấy tờ pháp lý của chủ hộ"]}


@dataclass
class Dataset:
    codes: dict[str, str] = field(default_factory=dict)


class Builder:
    def __init__(self, ctx, people, clock):
        self.ctx, self.people, self.clock = ctx, people, clock

    def at(self, when: str) -> Builder:
        self.clock.set_local(when)
        return self

    def desk(self, procedure: str, desk: str = DESK) -> str:
        return receive(self.ctx, self.people(desk), request(procedure)).code

    def online(self, procedure: str, accept_at: str, agency: str = demo.XA) -> str:
        submission = online.submit_online(self.ctx, {**request(procedure), "agency_code": agency})
        self.at(accept_at)
        online.accept_submission(self.ctx, self.people(DESK), submission.code)
        return submission.code

    def step(self, code: str, step_id: str, when: str, data: dict | None = None) -> None:
        self.at(when)
        steps = KS_STEPS if self._procedure(code) == KHAI_SINH else HKD_STEPS
        user, default = steps[step_id]
        tasks.complete(self.ctx, self.people(user), self._open_task(code, step_id), {"data": data or default})

    def _procedure(self, code: str) -> str:
        with self.ctx.db.transaction() as session:
            return session.scalar(select(Dossier).where(Dossier.code == code)).procedure_version.card["code"]

    def _open_task(self, code: str, step_id: str) -> int:
        with self.ctx.db.transaction() as session:
            return session.scalar(select(Task.id).join(Dossier, Dossier.id == Task.dossier_id).where(
                Dossier.code == code, Task.step_id == step_id, Task.state.in_(list(OPEN_TASK_STATES))))


def build(ctx, people, clock) -> Dataset:
    b, codes = Builder(ctx, people, clock), {}

    # D1 birth registration, desk, Mon 07/12 08:00; same-day due 17:00. Steps 60 + 60 + 30 min;
    # resolved 10:30 on the due date: ON TIME, 150 working minutes.
    codes["D1"] = b.at("2026-12-07T08:00").desk(KHAI_SINH)
    b.step(codes["D1"], "tham_dinh_ho_so", "2026-12-07T09:00")
    b.step(codes["D1"], "ky_duyet", "2026-12-07T10:00")
    b.step(codes["D1"], "vao_so_ho_tich", "2026-12-07T10:30")

    # D2 household business, desk, Mon 07/12 09:00; P3D due Thu 10/12 09:00. Appraisal Mon 09:00 → Tue 09:00
    # (480, exactly at its due: on time), signature Tue 09:00 → 11:00 (120), update 11:00 → 14:00 (30 + 60 = 90).
    # Resolved Tue 08/12 14:00, an earlier date than the due date: EARLY, 390 + 300 = 690 minutes.
    codes["D2"] = b.at("2026-12-07T09:00").desk(HO_KINH_DOANH)
    b.step(codes["D2"], "tham_dinh_ho_so", "2026-12-08T09:00")
    b.step(codes["D2"], "ky_duyet", "2026-12-08T11:00")
    b.step(codes["D2"], "cap_nhat_he_thong", "2026-12-08T14:00")

    # D3 household business, ONLINE: submitted Wed 09/12 08:00, received 08:30; due Mon 14/12 08:30. Supplement
    # requested Wed 10:30, supplied Thu 10:30: paused 60 + 240 + 180 = 480 minutes, due pushed to Tue 15/12 08:30.
    # Appraisal Wed 08:30 → Fri 11/12 08:00: 420 + 480 + 30 − 480 paused = 450 (due Fri 08:30: on time);
    # signature Fri 08:00 → Mon 14/12 16:00: 450 + 420 = 870 (due Mon 08:00: LATE); update Mon 16:00 → Tue 10:00:
    # 60 + 150 = 210. Resolved Tue 15/12 10:00 after the pushed due 08:30: LATE, 2010 − 480 = 1530 minutes.
    b.at("2026-12-09T08:00")
    codes["D3"] = b.online(HO_KINH_DOANH, accept_at="2026-12-09T08:30")
    b.at("2026-12-09T10:30")
    dossiers.request_supplement(ctx, people(DESK), codes["D3"], SUPPLEMENT_REQUEST)
    b.at("2026-12-10T10:30")
    dossiers.supplement(ctx, people(DESK), codes["D3"], {"documents": ["Bản sao giấy tờ pháp lý của chủ hộ"]})
    b.step(codes["D3"], "tham_dinh_ho_so", "2026-12-11T08:00")
    b.step(codes["D3"], "ky_duyet", "2026-12-14T16:00")
    b.step(codes["D3"], "cap_nhat_he_thong", "2026-12-15T10:00")

    # D4 birth registration, desk, Thu 10/12 14:00, refused BY THE PROCESS: appraisal not eligible at 15:00 (60),
    # refusal signed 16:00 (60, exactly at its due). Resolved (refused) 16:00 on the due date: ON TIME, 120.
    codes["D4"] = b.at("2026-12-10T14:00").desk(KHAI_SINH)
    b.step(codes["D4"], "tham_dinh_ho_so", "2026-12-10T15:00",
           {"eligible": False, "refusal_reason": "Giấy chứng sinh không hợp lệ"})
    b.step(codes["D4"], "ky_van_ban_tu_choi", "2026-12-10T16:00")

    # D5 birth registration, ONLINE: submitted Mon 04/01 15:20, received 15:30 after the 15:00 cut-off: the clock
    # starts Tue 05/01 07:30, due Tue 17:00. Appraisal Mon 15:30 → Tue 09:00: 90 + 90 = 180 (its due, counted from
    # the hand-over, was Tue 08:00: LATE); signature 60; register 30. Resolved Tue 10:30: ON TIME, 180 minutes.
    b.at("2027-01-04T15:20")
    codes["D5"] = b.online(KHAI_SINH, accept_at="2027-01-04T15:30")
    b.step(codes["D5"], "tham_dinh_ho_so", "2027-01-05T09:00")
    b.step(codes["D5"], "ky_duyet", "2027-01-05T10:00")
    b.step(codes["D5"], "vao_so_ho_tich", "2027-01-05T10:30")

    # D6 household business, desk, Mon 04/01 10:00; due Thu 07/01 10:00. Appraisal → Tue 16:00: 330 + 420 = 750
    # (due Tue 10:00: LATE); signature → Thu 09:00: 60 + 480 + 90 = 630 (due Wed 16:00: LATE); update → Thu 14:00:
    # 150 + 60 = 210 (due 14:30). Resolved Thu 07/01 14:00: LATE, 330 + 480 + 480 + 300 = 1590 minutes.
    codes["D6"] = b.at("2027-01-04T10:00").desk(HO_KINH_DOANH)
    b.step(codes["D6"], "tham_dinh_ho_so", "2027-01-05T16:00")
    b.step(codes["D6"], "ky_duyet", "2027-01-07T09:00")
    b.step(codes["D6"], "cap_nhat_he_thong", "2027-01-07T14:00")

    # D7 birth registration, desk, Wed 06/01 08:00, refused AT THE DESK at 09:00 (its open step is cancelled):
    # ON TIME, 60 minutes.
    codes["D7"] = b.at("2027-01-06T08:00").desk(KHAI_SINH)
    b.at("2027-01-06T09:00")
    dossiers.refuse(ctx, people(DESK), codes["D7"], {"reason": "Người yêu cầu không có quyền đăng ký"})

    # D8 household business, ONLINE: submitted Fri 08/01 07:50, received 08:00; due Wed 13/01 08:00. Still open at
    # report time: OVERDUE now; its appraisal (due Mon 11/01 08:00) is overdue in unit KT.
    b.at("2027-01-08T07:50")
    codes["D8"] = b.online(HO_KINH_DOANH, accept_at="2027-01-08T08:00")

    # D10 household business, desk, Mon 11/01 08:00; supplement requested 09:00 and never supplied: open, PAUSED
    # now, not overdue (paused before its due Thu 14/01 08:00).
    codes["D10"] = b.at("2027-01-11T08:00").desk(HO_KINH_DOANH)
    b.at("2027-01-11T09:00")
    dossiers.request_supplement(ctx, people(DESK), codes["D10"], SUPPLEMENT_REQUEST)

    # D11 online, refused at reception (Form 03): never received, counted nowhere.
    b.at("2027-01-12T08:00")
    submission = online.submit_online(ctx, {**request(KHAI_SINH), "agency_code": demo.XA})
    b.at("2027-01-12T09:00")
    online.reject_submission(ctx, people(DESK), submission.code, {"reason": "Hồ sơ không thuộc thẩm quyền"})
    codes["D11"] = submission.code

    # D12 in the FOREIGN commune (same province), Mon 07/12 08:00, still open: outside the commune's reports,
    # inside the province's with its sub-agencies; overdue now, its appraisal overdue in that commune's VP.
    codes["D12"] = b.at("2026-12-07T08:00").desk(KHAI_SINH, desk="xa2.motcua")

    # D9 birth registration, desk, Mon 01/02/2027 08:00: after the period (to is exclusive), open now, its first
    # step due 10:00, not overdue at 09:30.
    codes["D9"] = b.at("2027-02-01T08:00").desk(KHAI_SINH)
    b.at(REPORT_NOW)
    return Dataset(codes)
