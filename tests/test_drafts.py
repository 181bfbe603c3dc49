"""Drafts and document control: editing (card comments kept), validation as you work with the element each
problem concerns, publishing with a change note, immutability of published versions, version status, diff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db.models import AuditEntry, Dossier, ProcedureVersion
from engine.demo.walkthrough import complete_open_steps
from engine.design import drafts
from engine.design import versions as designer
from engine.dossiers.online import accept_submission, submit_online
from engine.errors import AlreadyExists, Conflict, InvalidInput, NotAuthorized, PackageError
from engine.procedures import publishing
from tests.designer_helpers import bpmn_text, move_to_lane, set_deadline
from tests.helpers import KHAI_SINH, dossier, open_tasks, receive_sample, request

DESIGNER = "tinh.thietke"


@pytest.fixture
def draft(ctx, people) -> int:
    return drafts.create_draft(ctx, people(DESIGNER), KHAI_SINH)


def content(ctx, people, draft_id) -> dict:
    return drafts.get_draft(ctx, people(DESIGNER), draft_id)


def test_a_draft_copies_the_version_in_force(ctx, people, draft):
    d = content(ctx, people, draft)
    with ctx.db.transaction() as session:
        v1 = session.scalar(select(ProcedureVersion).where(ProcedureVersion.number == 1).join(ProcedureVersion.procedure)
                            .where(ProcedureVersion.procedure.has(code=KHAI_SINH)))
    assert d["bpmn_xml"].encode() == v1.bpmn_xml and d["card_toml"].encode() == v1.card_toml
    assert d["base_version"] == 1 and d["status"] == "open" and d["card"]["lanes"]["Lãnh đạo UBND xã"]["role"] == "leader"
    with pytest.raises(AlreadyExists) as err:
        drafts.create_draft(ctx, people(DESIGNER), KHAI_SINH)
    assert err.value.details["draft_id"] == draft


def test_only_designers_touch_drafts(ctx, people, draft):
    for username in ("xa.lanhdao", "xa.admin", "xa.motcua"):
        with pytest.raises(NotAuthorized):
            drafts.get_draft(ctx, people(username), draft)
    with pytest.raises(NotAuthorized):
        drafts.create_draft(ctx, people("xa.auditor"), "2.000815")


def test_validation_names_the_element_and_the_budget_path(ctx, people, draft):
    report = drafts.validate_draft(ctx, people(DESIGNER), draft)
    assert report["valid"] and report["problems"] == []
    budget = report["budget"]
    assert budget["path"] == ["tham_dinh_ho_so", "ky_duyet", "vao_so_ho_tich"] and budget["total_minutes"] == 300
    assert budget["allowed_minutes"] == 480 and not budget["exceeded"] and budget["total_vi"] == "5 giờ làm việc"
    # Unsaved editor content: a long signing step breaks the same-day budget, on the process, path named.
    report = drafts.validate_draft(ctx, people(DESIGNER), draft, {"bpmn_xml": set_deadline(bpmn_text(), "ky_duyet", "PT6H")})
    [problem] = [p for p in report["problems"] if p["severity"] == "error"]
    assert problem["element_id"] == "dang_ky_khai_sinh"
    assert "tham_dinh_ho_so → ky_duyet → vao_so_ho_tich" in problem["message"] and "1 ngày làm việc 1 giờ làm việc" in problem["message"]
    assert report["budget"]["exceeded"] and report["budget"]["path_names"][1] == "Ký Giấy khai sinh"
    # A step without a deadline and an unmapped lane are reported on their elements.
    text = bpmn_text().replace('<spiffworkflow:property name="deadline" value="PT1H" />', "", 1)
    report = drafts.validate_draft(ctx, people(DESIGNER), draft, {
        "bpmn_xml": text, "card": {"lanes": {"Bộ phận Một cửa": {"role": "desk", "unit": "MC"},
                                             "Công chức Tư pháp - Hộ tịch": {"role": "specialist", "unit": "VP"}}}})
    where = {p["element_id"] for p in report["problems"] if p["severity"] == "error"}
    assert {"vao_so_ho_tich", "lane_ld"} <= where
    assert drafts.validate_draft(ctx, people(DESIGNER), draft)["valid"]  # nothing was stored


def test_save_keeps_card_comments_and_rejects_stale_revisions(ctx, people, draft):
    d = content(ctx, people, draft)
    lanes = d["card"]["lanes"] | {"Lãnh đạo UBND xã": {"role": "leader", "level": "commune", "unit": None}}
    saved = drafts.save_draft(ctx, people(DESIGNER), draft, {"revision": d["revision"], "card": {
        "fee": 5000, "lanes": lanes}})
    assert saved["valid"] and saved["revision"] == d["revision"] + 1
    toml = content(ctx, people, draft)["card_toml"]
    assert "fee = 5000  # miễn lệ phí" in toml and "# Trả kết quả ngay trong ngày" in toml
    assert '"Lãnh đạo UBND xã" = "leader@commune"' in toml and 'code = "to_khai"' in toml  # the parts kept
    with pytest.raises(Conflict):
        drafts.save_draft(ctx, people(DESIGNER), draft, {"revision": d["revision"], "card": {"fee": 1}})
    with pytest.raises(InvalidInput):
        drafts.save_draft(ctx, people(DESIGNER), draft, {"card": {"code": "9.999999"}})
    with pytest.raises(InvalidInput):
        drafts.save_draft(ctx, people(DESIGNER), draft, {"card": {"fee": "nhiều"}})
    with pytest.raises(InvalidInput):
        drafts.save_draft(ctx, people(DESIGNER), draft, {"forms": {"../x": "{}"}})


def test_invalid_draft_is_saved_but_not_published(ctx, people, draft):
    saved = drafts.save_draft(ctx, people(DESIGNER), draft, {"bpmn_xml": set_deadline(bpmn_text(), "ky_duyet", "PT9H")})
    assert not saved["valid"]
    with pytest.raises(PackageError) as err:
        drafts.publish_draft(ctx, people(DESIGNER), draft, "Kéo dài")
    assert err.value.details[0]["element_id"] == "dang_ky_khai_sinh"
    assert publishing.get_procedure(ctx, KHAI_SINH)["version"] == 1


def test_publish_needs_a_note_and_a_change(ctx, people, draft):
    with pytest.raises(InvalidInput):
        drafts.publish_draft(ctx, people(DESIGNER), draft, "  ")
    with pytest.raises(Conflict):
        drafts.publish_draft(ctx, people(DESIGNER), draft, "Không đổi gì")
    with pytest.raises(NotAuthorized):
        drafts.publish_draft(ctx, people("xa.lanhdao"), draft, "Không phải người thiết kế")


def test_publishing_a_draft_document_control(ctx, people, draft, clock):
    old = receive_sample(ctx, people).code
    online = submit_online(ctx, request(agency_code="000.00.31.H99")).code  # submitted, not yet received
    drafts.save_draft(ctx, people(DESIGNER), draft, {"bpmn_xml": set_deadline(bpmn_text(), "tham_dinh_ho_so", "PT3H")})
    clock.advance(minutes=10)
    pub = drafts.publish_draft(ctx, people(DESIGNER), draft, "Tăng thời hạn thẩm định lên 3 giờ")
    assert pub.created and pub.number == 2
    listed = {p["code"]: p for p in designer.list_procedures(ctx, people(DESIGNER))}[KHAI_SINH]
    assert listed["current_version"] == 2 and listed["draft"] is None
    v1, v2 = listed["versions"]
    assert (v1["status"], v2["status"]) == ("retired", "published")
    assert v1["retired_by"] == DESIGNER and v1["retired_at"] == v2["published_at"] and v1["open_dossiers"] == 2
    assert (v2["published_by"], v2["note"], v2["open_dossiers"]) == (DESIGNER, "Tăng thời hạn thẩm định lên 3 giờ", 0)
    assert drafts.get_draft(ctx, people(DESIGNER), draft)["status"] == "published"
    new = receive_sample(ctx, people).code
    assert open_tasks(ctx, old)[0].deadline == "PT2H" and open_tasks(ctx, new)[0].deadline == "PT3H"
    accept_submission(ctx, people("xa.motcua"), online)  # received now: starts on the version in force
    assert open_tasks(ctx, online)[0].deadline == "PT3H"
    with ctx.db.transaction() as session:
        versions = {d.code: d.procedure_version.number for d in session.scalars(select(Dossier))}
    assert (versions[old], versions[new], versions[online]) == (1, 2, 2)
    for code in (old, new, online):
        complete_open_steps(ctx, code, {"eligible": True, "approved": True})
        assert dossier(ctx, code).status == "resolved"
    with ctx.db.transaction() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "draft_created" in actions and "procedure_published" in actions


def test_published_versions_are_immutable(ctx, people):
    with pytest.raises(Conflict):
        with ctx.db.transaction() as session:
            version = session.scalar(select(ProcedureVersion).where(ProcedureVersion.number == 1))
            version.bpmn_xml = b"<changed/>"
    with pytest.raises(Conflict):
        with ctx.db.transaction() as session:
            session.delete(session.scalar(select(ProcedureVersion).where(ProcedureVersion.number == 1)))
    with ctx.db.transaction() as session:
        assert session.scalar(select(ProcedureVersion).where(ProcedureVersion.number == 1)).bpmn_xml.startswith(b"<?xml")


def test_a_draft_made_before_another_publication_cannot_overwrite_it(ctx, people, draft, tmp_path):
    from tests.designer_helpers import package_copy

    publishing.publish(ctx, package_copy(tmp_path, bpmn=set_deadline(bpmn_text(), "ky_duyet", "PT1H")), note="CLI",
                       actor=people(DESIGNER))
    drafts.save_draft(ctx, people(DESIGNER), draft, {"card": {"fee": 1000}})
    with pytest.raises(Conflict) as err:
        drafts.publish_draft(ctx, people(DESIGNER), draft, "Lệ phí")
    assert "Phiên bản 2" in err.value.message


def test_discard(ctx, people, draft):
    drafts.discard_draft(ctx, people(DESIGNER), draft)
    assert drafts.create_draft(ctx, people(DESIGNER), KHAI_SINH) != draft


def test_diff_between_versions(ctx, people, draft):
    text = set_deadline(bpmn_text(), "ky_duyet", "PT4H").replace('name="Ký Giấy khai sinh"', 'name="Ký duyệt"')
    text = move_to_lane(text, "vao_so_ho_tich", "lane_ld")
    text = text.replace("approved == True", "approved == True and eligible == True")
    d = content(ctx, people, draft)
    lanes = d["card"]["lanes"] | {"Bộ phận Một cửa": {"role": "desk", "unit": None, "level": None}}
    drafts.save_draft(ctx, people(DESIGNER), draft, {"bpmn_xml": text, "card": {"fee": 10000, "lanes": lanes}, "forms": {
        **d["forms"], "ky_duyet": None}})
    preview = designer.draft_diff(ctx, people(DESIGNER), draft)
    drafts.publish_draft(ctx, people(DESIGNER), draft, "Sửa bước ký")
    diff = designer.version_diff(ctx, people(DESIGNER), KHAI_SINH, 1, 2)
    assert preview["deadlines"] == diff["deadlines"]
    [deadline] = diff["deadlines"]
    assert (deadline["id"], deadline["old"], deadline["new"], deadline["new_vi"]) == ("ky_duyet", "PT2H", "PT4H", "4 giờ làm việc")
    changed = {c["id"]: {x["field"]: (x["old"], x["new"]) for x in c["changes"]} for c in diff["changed"]}
    assert changed["ky_duyet"] == {"name": ("Ký Giấy khai sinh", "Ký duyệt")}
    assert changed["vao_so_ho_tich"]["lane"] == ("Công chức Tư pháp - Hộ tịch", "Lãnh đạo UBND xã")
    assert changed["flow_06"]["condition"] == ("approved == True", "approved == True and eligible == True")
    assert {c["field"] for c in diff["card"]} == {"fee", "lanes.Bộ phận Một cửa"}
    assert diff["forms"] == [{"field": "forms/ky_duyet.json", "old": "removed", "new": None}]
    assert diff["added"] == [] and diff["removed"] == [] and not diff["empty"]
    assert diff["budget"]["old"]["minutes"] == 300 and diff["budget"]["new"]["minutes"] == 420


def test_diff_added_and_removed_elements(ctx, people, draft):
    from tests.designer_helpers import without_ky_duyet

    drafts.save_draft(ctx, people(DESIGNER), draft, {"bpmn_xml": without_ky_duyet(bpmn_text()),
                                                     "forms": {**content(ctx, people, draft)["forms"], "ky_duyet": None}})
    drafts.publish_draft(ctx, people(DESIGNER), draft, "Bỏ bước ký")
    diff = designer.version_diff(ctx, people(DESIGNER), KHAI_SINH, 1, 2)
    assert {(e["id"], e["kind"]) for e in diff["removed"]} == {("ky_duyet", "userTask"), ("flow_05", "sequenceFlow")}
    back = designer.version_diff(ctx, people(DESIGNER), KHAI_SINH, 2, 1)
    assert {e["id"] for e in back["added"]} == {"ky_duyet", "flow_05"}


def test_side_panel_checks():
    assert drafts.describe_duration("PT4H")["describe_vi"] == "4 giờ làm việc"
    assert drafts.describe_duration("P2DT1H")["describe_vi"] == "2 ngày làm việc 1 giờ làm việc"
    assert not drafts.describe_duration("4 giờ")["ok"]
    assert designer.check_expression("approved == True") == {"ok": True, "names": ["approved"]}
    verdict = designer.check_expression("().__class__.__base__.__subclasses__()")
    assert not verdict["ok"] and "__subclasses__" in verdict["message"] or "__class__" in verdict["message"]
    assert not designer.check_expression("fee + 1")["ok"]
