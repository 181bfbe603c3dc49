"""A week at the commune's desk, driven by the clock, that leaves a trace for every form (01–07).

Monday 2026-12-07 (the clock fixture's start) to Tuesday 2026-12-08, commune 000.00.31.H99:
  A 08:00 birth registration received, steps 09:00 (on time) 09:30 (on time) 11:00 (late), returned 14:00
  B 09:00 household business received; 11:00 supplement requested (Form 02, clock paused); Tue 09:00 supplied;
    Tue 10:30 apology by the head of Phòng Kinh tế, new appointment Mon 2026-12-14 17:00 (Form 04)
  C 10:00 birth registration received; 14:00 refused by the leader (Form 03, during processing)
  D 13:00 submitted online; 14:30 refused at reception (Form 03 at reception; never received)
  E 15:00 submitted online; 15:30 returned incomplete (Form 02 before receipt; never received)
  F Tue 08:00 household business received; Tue 10:00 withdrawn (Form 05)
  G Mon 08:00 received by the foreign commune; H Mon 2026-12-14 08:00 received after the week.
"""

from __future__ import annotations

from engine.dossiers import actions as dossiers
from engine.dossiers import online, tasks
from engine.dossiers.reception import receive
from tests.conftest import FOREIGN_XA
from tests.helpers import HO_KINH_DOANH, KHAI_SINH, open_tasks

XA = "000.00.31.H99"
DESK, SPECIALIST, LEADER = "xa.motcua", "xa.vp.chuyenvien", "xa.lanhdao"
KT_SPECIALIST, KT_HEAD = "xa.kt.chuyenvien", "xa.kt.truongphong"

SUPPLEMENT = {"reason": "Thiếu biên bản họp thành viên hộ gia đình đăng ký hộ kinh doanh",
              "missing": ["Bản sao biên bản họp thành viên hộ gia đình", "Văn bản ủy quyền cho chủ hộ kinh doanh"]}
APOLOGY_REASON = "Cần xác minh ngành, nghề kinh doanh có điều kiện với cơ quan thuế"
REFUSAL_REASON = "Nơi cư trú của người được khai sinh không thuộc địa bàn xã"
REJECTION_REASON = "Thủ tục không thuộc thẩm quyền giải quyết của UBND xã"
INCOMPLETE = {"reason": "Hồ sơ trực tuyến chưa có Giấy chứng sinh", "missing": ["Giấy chứng sinh (bản chính)"]}
WITHDRAWAL_REASON = "Công dân xin rút hồ sơ để bổ sung vốn kinh doanh"


def _request(procedure: str, name: str, address: str, phone: str, documents: list[str], agency: str | None = None):
    return {"procedure_code": procedure, "channel": "desk", "documents": documents, "data": {},
            "applicant": {"name": name, "id_number": "001199001234", "phone": phone, "address": address},
            **({"agency_code": agency} if agency else {})}


def _complete(ctx, people, code: str, step: str, who: str, data: dict) -> None:
    [task] = [t for t in open_tasks(ctx, code) if t.step_id == step]
    tasks.complete(ctx, people(who), task.id, {"data": data})


def seed_week(ctx, people, clock) -> dict[str, str]:
    codes = {}
    clock.set_local("2026-12-07T08:00")
    codes["A"] = receive(ctx, people(DESK), _request(KHAI_SINH, "Nguyễn Văn An", "Thôn Đông, xã An Bình", "0912000001",
                                                     ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"])).code
    codes["G"] = receive(ctx, people("xa2.motcua"), _request(KHAI_SINH, "Đỗ Thị Hoa", "Xã Bình An", "0912000007",
                                                             ["Tờ khai"], FOREIGN_XA)).code
    clock.set_local("2026-12-07T08:30")
    [task] = open_tasks(ctx, codes["A"])
    tasks.claim(ctx, people(SPECIALIST), task.id)
    clock.set_local("2026-12-07T09:00")
    _complete(ctx, people, codes["A"], "tham_dinh_ho_so", SPECIALIST, {"eligible": True})
    codes["B"] = receive(ctx, people(DESK), _request(HO_KINH_DOANH, "Trần Thị Bình", "Thôn Tây, xã An Bình",
                                                     "0912000002", ["Giấy đề nghị đăng ký hộ kinh doanh"])).code
    clock.set_local("2026-12-07T09:30")
    _complete(ctx, people, codes["A"], "ky_duyet", LEADER, {"approved": True})
    clock.set_local("2026-12-07T10:00")
    codes["C"] = receive(ctx, people(DESK), _request(KHAI_SINH, "Lê Văn Cường", "Thôn Nam, xã An Bình", "0912000003",
                                                     ["Tờ khai đăng ký khai sinh"])).code
    clock.set_local("2026-12-07T11:00")
    _complete(ctx, people, codes["A"], "vao_so_ho_tich", SPECIALIST, {"register_number": "15/2026"})  # due 10:30: late
    dossiers.request_supplement(ctx, people(DESK), codes["B"], SUPPLEMENT)
    clock.set_local("2026-12-07T13:00")
    codes["D"] = online.submit_online(ctx, {**_request(KHAI_SINH, "Phạm Thị Dung", "Thôn Bắc, xã An Bình",
                                                       "0912000004", ["Tờ khai"]), "agency_code": XA}).code
    clock.set_local("2026-12-07T14:00")
    dossiers.refuse(ctx, people(LEADER), codes["C"], {"reason": REFUSAL_REASON})
    dossiers.hand_back(ctx, people(DESK), codes["A"], "Đã trao Giấy khai sinh")
    clock.set_local("2026-12-07T14:30")
    online.reject_submission(ctx, people(DESK), codes["D"], {"reason": REJECTION_REASON})
    clock.set_local("2026-12-07T15:00")
    codes["E"] = online.submit_online(ctx, {**_request(KHAI_SINH, "Hoàng Văn Em", "Thôn Trung, xã An Bình",
                                                       "0912000005", ["Tờ khai"]), "agency_code": XA}).code
    clock.set_local("2026-12-07T15:30")
    online.return_incomplete(ctx, people(DESK), codes["E"], INCOMPLETE)
    clock.set_local("2026-12-08T08:00")
    codes["F"] = receive(ctx, people(DESK), _request(HO_KINH_DOANH, "Vũ Thị Giang", "Thôn Đoài, xã An Bình",
                                                     "0912000006", ["Giấy đề nghị đăng ký hộ kinh doanh"])).code
    clock.set_local("2026-12-08T09:00")
    dossiers.supplement(ctx, people(DESK), codes["B"], {"documents": SUPPLEMENT["missing"]})
    clock.set_local("2026-12-08T10:00")
    dossiers.withdraw(ctx, people(DESK), codes["F"], {"reason": WITHDRAWAL_REASON})
    clock.set_local("2026-12-08T10:30")
    dossiers.issue_apology(ctx, people(KT_HEAD), codes["B"],
                           {"reason": APOLOGY_REASON, "new_due_at": "2026-12-14T17:00:00+07:00"})
    clock.set_local("2026-12-14T08:00")
    codes["H"] = receive(ctx, people(DESK), _request(KHAI_SINH, "Bùi Văn Hùng", "Thôn Đông, xã An Bình", "0912000008",
                                                     ["Tờ khai"])).code
    clock.set_local("2026-12-14T09:00")
    return codes
