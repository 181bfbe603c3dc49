"""Boundaries (issue 16, defect 9): designers work only on the procedures of their agency and the agencies below
it, and a migration never names another agency's dossiers; an outsider's refused attempt shows in the security
log of the agency it concerned; a desk reception is never online (desk or postal); a strict Content-Security-Policy on
every response; 405 answers say what is allowed."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.db.models import Agency, AuditEntry, Procedure
from engine.demo.organisation import PROVINCE, XA
from engine.design import drafts, migration
from engine.design import versions as designer
from engine.design.packages import export_version, import_package
from engine.dossiers.reception import receive
from engine.dossiers.views import dossier_detail
from engine.errors import InvalidInput, NotAuthorized
from engine.procedures import publishing
from engine.records.auditlog import browse_security_log
from tests.conftest import PROCESSES
from tests.designer_helpers import BPMN_NAME, SOURCE, bpmn_text, card_text, set_deadline
from tests.helpers import KHAI_SINH, receive_sample, request
from tests.page_helpers import login

API = "/api/v1"
OWN_CODE, OWN_SLUG = "X.0001", "thu_tuc_xa_an_binh"
WEB = Path(__file__).resolve().parent.parent / "web"


def agency_id(ctx, code: str) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(Agency.id).where(Agency.code == code))


def commune_package(bpmn: str | None = None, code: str = OWN_CODE) -> bytes:
    """The birth-registration package as a procedure of the commune's own (another code and package name)."""
    card = card_text().replace('code = "1.001193"', f'code = "{code}"').replace(
        'name = "Đăng ký khai sinh"', 'name = "Thủ tục riêng của xã"')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{OWN_SLUG}/procedure.toml", card)
        archive.writestr(f"{OWN_SLUG}/{BPMN_NAME}", bpmn or bpmn_text())
        for form in (SOURCE / "forms").glob("*.json"):
            archive.writestr(f"{OWN_SLUG}/forms/{form.name}", form.read_text("utf-8"))
    return buffer.getvalue()


# ---------------------------------------------------------------- designers' scope


def test_demo_procedures_belong_to_the_province(ctx):
    with ctx.db.transaction() as session:
        owners = set(session.scalars(select(Procedure.owner_agency_id)))
    assert owners == {agency_id(ctx, PROVINCE)}


@pytest.mark.parametrize("outsider", ["xa.designer", "xa2.designer"])
def test_a_commune_designer_cannot_touch_the_provinces_procedures(ctx, people, tmp_path, outsider):
    me = people(outsider)
    attempts = [
        lambda: drafts.create_draft(ctx, me, KHAI_SINH),
        lambda: designer.procedure_detail(ctx, me, KHAI_SINH),
        lambda: designer.version_diff(ctx, me, KHAI_SINH, 1, 1),
        lambda: export_version(ctx, me, KHAI_SINH),
        lambda: migration.migrate(ctx, me, KHAI_SINH, 1, dry_run=True),
        lambda: publishing.publish(ctx, PROCESSES / "dang_ky_khai_sinh", note="x", actor=me),
        lambda: import_package(ctx, me, commune_package(code=KHAI_SINH), publish=True, note="x"),
    ]
    for attempt in attempts:
        with pytest.raises(NotAuthorized):
            attempt()
    assert designer.list_procedures(ctx, me) == []
    draft_id = drafts.create_draft(ctx, people("tinh.thietke"), KHAI_SINH)
    for attempt in (lambda: drafts.get_draft(ctx, me, draft_id), lambda: drafts.save_draft(ctx, me, draft_id, {}),
                    lambda: drafts.publish_draft(ctx, me, draft_id, "x"), lambda: drafts.discard_draft(ctx, me, draft_id),
                    lambda: designer.draft_diff(ctx, me, draft_id), lambda: drafts.validate_draft(ctx, me, draft_id)):
        with pytest.raises(NotAuthorized):
            attempt()
    with ctx.db.transaction() as session:  # the province's auditors see the refusals
        refused = list(session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False),
                                                                AuditEntry.actor_name == outsider)))
    assert len(refused) >= 12 and {e.agency_id for e in refused} == {agency_id(ctx, PROVINCE)}


def test_the_provincial_designer_works_on_them(ctx, people):
    me = people("tinh.thietke")
    assert KHAI_SINH in {p["code"] for p in designer.list_procedures(ctx, me)}
    draft_id = drafts.create_draft(ctx, me, KHAI_SINH)
    drafts.discard_draft(ctx, me, draft_id)
    assert export_version(ctx, me, KHAI_SINH)[0].endswith(".zip")


def test_a_procedure_belongs_to_the_designer_who_brought_it(ctx, people):
    result = import_package(ctx, people("xa.designer"), commune_package(), publish=True, note="Ban hành")
    assert result.publication.created
    with ctx.db.transaction() as session:
        owner = session.scalar(select(Procedure.owner_agency_id).where(Procedure.code == OWN_CODE))
    assert owner == agency_id(ctx, XA)
    assert [p["code"] for p in designer.list_procedures(ctx, people("xa.designer"))] == [OWN_CODE]
    for allowed in ("xa.designer", "tinh.thietke"):  # its agency, and the agency above it
        drafts.discard_draft(ctx, people(allowed), drafts.create_draft(ctx, people(allowed), OWN_CODE))
    with pytest.raises(NotAuthorized):
        drafts.create_draft(ctx, people("xa2.designer"), OWN_CODE)  # a sibling commune
    assert OWN_CODE not in {p["code"] for p in designer.list_procedures(ctx, people("xa2.designer"))}


def test_a_migration_never_names_dossiers_of_agencies_outside_the_scope(ctx, people):
    import_package(ctx, people("xa.designer"), commune_package(), publish=True, note="v1")
    mine = receive(ctx, people("xa.motcua"), request(OWN_CODE)).code
    theirs = receive(ctx, people("xa2.motcua"), request(OWN_CODE)).code
    changed = set_deadline(bpmn_text(), "ky_duyet", "PT3H")
    import_package(ctx, people("xa.designer"), commune_package(changed), publish=True, note="v2")
    for dry_run in (True, False):
        report = migration.migrate(ctx, people("xa.designer"), OWN_CODE, 2, dry_run=dry_run,
                                   dossier_codes=None if dry_run else [mine, theirs]).to_dict()
        assert [d["code"] for d in report["dossiers"]] == [mine], report
        assert theirs not in str(report)
    assert [d.code for d in migration.migrate(ctx, people("tinh.thietke"), OWN_CODE, 2, dry_run=True).dossiers] \
        == [theirs]  # the province sees the sibling commune's dossier still on version 1
    counts = {who: [v["open_dossiers"] for v in designer.procedure_detail(ctx, people(who), OWN_CODE)["versions"]]
              for who in ("xa.designer", "tinh.thietke")}
    assert counts == {"xa.designer": [0, 1], "tinh.thietke": [1, 1]}  # even counts stay within the scope


# ---------------------------------------------------------------- the security log of the agency concerned


def test_an_outsiders_refusal_shows_in_the_agencys_security_log(ctx, people):
    code = receive_sample(ctx, people).code
    for outsider in ("xa2.motcua", "xa2.lanhdao"):
        with pytest.raises(NotAuthorized):
            dossier_detail(ctx, people(outsider), code)
    ours = browse_security_log(ctx, people("xa.auditor"), denied_only=True)
    assert {(r["actor"], r["target"]) for r in ours.rows} >= {("xa2.motcua", code), ("xa2.lanhdao", code)}
    theirs = browse_security_log(ctx, people("xa2.auditor"), denied_only=True)
    assert {r["actor"] for r in theirs.rows} >= {"xa2.motcua"}  # their own officers' attempts, as before
    province = browse_security_log(ctx, people("tinh.kiemsoat"), denied_only=True, agency_code=XA)
    assert {r["actor"] for r in province.rows} >= {"xa2.motcua", "xa2.lanhdao"}


def test_refusals_on_steps_records_and_reports_carry_the_agency(ctx, people):
    from engine.dossiers import tasks as task_cases
    from tests.helpers import open_tasks

    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    with pytest.raises(NotAuthorized):
        task_cases.claim(ctx, people("xa2.vp.chuyenvien"), task.id)
    with ctx.db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False))
                                .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_name == "xa2.vp.chuyenvien" and entry.agency_id == agency_id(ctx, XA)


# ---------------------------------------------------------------- desk receptions are never online


@pytest.mark.parametrize("channel", ["online", "ONLINE", "", "Online ", "web"])
def test_a_desk_reception_cannot_claim_another_channel(ctx, people, client, channel):
    with pytest.raises(InvalidInput):
        receive(ctx, people("xa.motcua"), request(channel=channel))
    from engine.org.directory import issue_token

    headers = {"Authorization": f"Bearer {issue_token(ctx, 'xa.motcua')}"}
    answer = client.post(f"{API}/dossiers", json=request(channel=channel), headers=headers)
    assert answer.status_code == 422 and "channel" in str(answer.get_json())


def test_a_desk_reception_is_channel_desk(ctx, people, client):
    from engine.org.directory import issue_token

    headers = {"Authorization": f"Bearer {issue_token(ctx, 'xa.motcua')}"}
    body = {k: v for k, v in request().items() if k != "channel"}
    code = client.post(f"{API}/dossiers", json=body, headers=headers).get_json()["code"]
    assert client.get(f"{API}/dossiers/{code}", headers=headers).get_json()["channel"] == "desk"
    posted = client.post(f"{API}/dossiers", json=request(channel="postal"), headers=headers).get_json()["code"]
    assert client.get(f"{API}/dossiers/{posted}", headers=headers).get_json()["channel"] == "postal"


# ---------------------------------------------------------------- Content-Security-Policy, Allow


def _directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_every_response_carries_a_strict_policy(client, ctx, people):
    code = receive_sample(ctx, people).code
    login(client, "xa.motcua")
    for url in ("/", "/lookup", "/officer/inbox", f"/officer/dossiers/{code}", f"/officer/dossiers/{code}/receipt",
                "/nowhere", f"{API}/procedures", "/healthz", "/static/css/app.css"):
        response = client.get(url)
        policy = _directives(response)
        assert policy["default-src"] == "default-src 'self'", url
        assert policy["script-src"] == "script-src 'self'", url
        assert "'unsafe-inline'" not in policy["style-src"] and policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert policy["object-src"] == "object-src 'none'"


def test_the_printed_forms_style_carries_the_requests_nonce(client, ctx, people):
    code = receive_sample(ctx, people).code
    login(client, "xa.motcua")
    response = client.get(f"/officer/dossiers/{code}/receipt")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.get_data(as_text=True)
    assert nonce not in client.get(f"/officer/dossiers/{code}/receipt").headers["Content-Security-Policy"]


def test_swagger_ui_has_its_own_policy(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200 and "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


INLINE = [re.compile(p, re.I) for p in (r"\son[a-z]+\s*=", r"javascript:", r"<script(?![^>]*\bsrc=)(?![^>]*application/json)",
                                        r"<[^>]*\sstyle\s*=")]


def test_templates_have_no_inline_script_or_style_attribute():
    found = [(str(path.relative_to(WEB)), pattern.pattern) for path in (WEB / "templates").rglob("*.html")
             for pattern in INLINE if pattern.search(path.read_text("utf-8"))]
    assert found == []


@pytest.mark.parametrize("method, url", [("post", "/healthz"), ("delete", "/"), ("put", "/lookup"),
                                         ("delete", f"{API}/procedures"), ("patch", f"{API}/public/dossiers"),
                                         ("get", "/officer/logout")])
def test_405_says_what_is_allowed(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 405 and response.headers.get("Allow"), (url, dict(response.headers))
    assert "Content-Security-Policy" in response.headers
