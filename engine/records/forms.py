"""Forms 02–05 of the one-stop desk (DOMAIN §4, Circular 01/2018/TT-VPCP as renumbered by Circular
03/2025/TT-VPCP), read from the dossier's event log: each form is the written trace of one event, so it
is rendered from that event's payload and never typed by hand. Form 01 is the receipt (engine.dossiers.views),
Form 06 the control slip (engine.records.control_slip), Form 07 the tracking book (engine.records.registers)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Event, Unit, User
from engine.dossiers.store import dossier_tasks, load_dossier
from engine.enums import EventKind
from engine.errors import InvalidInput, NotFound
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_view


class Form(StrEnum):
    RECEIPT = "01"
    SUPPLEMENT_REQUEST = "02"
    REFUSAL = "03"
    APOLOGY = "04"
    STOP_NOTICE = "05"
    CONTROL_SLIP = "06"
    TRACKING_BOOK = "07"


FORM_TITLES = {
    Form.RECEIPT: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    Form.SUPPLEMENT_REQUEST: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    Form.REFUSAL: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    Form.APOLOGY: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    Form.STOP_NOTICE: "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    Form.CONTROL_SLIP: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    Form.TRACKING_BOOK: "SỔ THEO DÕI HỒ SƠ",
}

# The event whose record each per-dossier form is; a form exists for a dossier once its event does.
FORM_EVENTS = {
    Form.RECEIPT: EventKind.RECEIVED,
    Form.SUPPLEMENT_REQUEST: EventKind.SUPPLEMENT_REQUESTED,
    Form.REFUSAL: EventKind.REFUSED,
    Form.APOLOGY: EventKind.APOLOGY_ISSUED,
    Form.STOP_NOTICE: EventKind.WITHDRAWN,
    Form.CONTROL_SLIP: EventKind.RECEIVED,
}
# Forms that can be issued more than once for a dossier (each supplementation request is its own slip).
REPEATABLE = frozenset({Form.SUPPLEMENT_REQUEST})


def parse_form(number: str) -> Form:
    try:
        return Form(number)
    except ValueError:
        raise NotFound(f"Không có biểu mẫu số '{number}'.", message_en=f"No form number '{number}'.") from None


def parse_seq(text: str | None) -> int | None:
    """The event a form is printed for (``?seq=``); absent means the latest one."""
    if text is None or text == "":
        return None
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput(f"Số thứ tự sự kiện '{text}' không hợp lệ.", message_en=f"Invalid event number '{text}'.",
                           details={"seq": ["not a positive integer"]})
    return int(text)


def forms_of(events: list[dict]) -> list[dict]:
    """The forms that exist for a dossier, from its events (as engine.dossiers.views.dossier_detail lists them):
    one entry per form, or per event for the repeatable ones."""
    found = []
    for form, kind in FORM_EVENTS.items():
        matching = [e for e in events if e["kind"] == kind]
        if not matching:
            continue
        chosen = matching if form in REPEATABLE else matching[-1:]
        for event in chosen:
            found.append({"number": form.value, "title": FORM_TITLES[form], "seq": event["seq"], "at": event["at"],
                          "repeat": len(chosen) > 1})
    return sorted(found, key=lambda f: (f["number"], f["seq"]))


def dossier_form(ctx: EngineContext, actor: Actor, code: str, number: str, seq: int | None = None) -> dict:
    """Form 02, 03, 04 or 05 of a dossier, for anyone who may view the dossier; NotFound when the
    dossier has no such record (no supplementation request, no refusal …)."""
    form = parse_form(number)
    if form not in _BUILDERS:
        raise NotFound(f"Mẫu số {form.value} không in theo từng hồ sơ ở đây.",
                       message_en=f"Form {form.value} is not printed from this route.")
    with guarded_transaction(ctx, actor, Action.VIEW, code, read_only=True) as session:
        dossier = load_dossier(session, code)
        check_view(actor, session, dossier, dossier_tasks(session, dossier))
        query = select(Event).where(Event.dossier_id == dossier.id, Event.kind == FORM_EVENTS[form].value)
        if seq is not None:
            query = query.where(Event.seq == seq)
        event = session.scalar(query.order_by(Event.seq.desc()).limit(1))
        if event is None:
            raise NotFound(f"Hồ sơ {code} không có {FORM_TITLES[form].capitalize()} (Mẫu số {form.value})"
                           + (f" ứng với sự kiện #{seq}." if seq is not None else "."),
                           message_en=f"Dossier {code} has no form {form.value}"
                           + (f" for event #{seq}." if seq is not None else "."))
        signer = session.scalar(select(User.full_name).where(User.id == event.actor_id)) if event.actor_id else None
        received = session.scalar(select(Event.id).where(Event.dossier_id == dossier.id,
                                                         Event.kind == EventKind.RECEIVED.value).limit(1))
        version = dossier.procedure_version
        common = {
            "form": form.value, "title": FORM_TITLES[form], "code": dossier.code, "seq": event.seq,
            "agency": dossier.agency.name, "agency_code": dossier.agency.code,
            "parent_agency": dossier.agency.parent.name if dossier.agency.parent else None,
            "applicant": dict(dossier.applicant), "procedure_code": version.card["code"],
            "procedure_name": version.card["name"], "channel": dossier.channel,
            "received": received is not None, "received_at": dossier.received_at if received else None,
            "submitted_at": dossier.submitted_at, "issued_at": event.at,
            "issued_by": signer or event.actor_name,
        }
        return {**common, **_BUILDERS[form](session, event.payload)}


def _supplement_request(session, payload: dict) -> dict:
    return {"reason": payload.get("reason", ""), "missing": list(payload.get("missing", [])),
            "officer": payload.get("officer"), "before_receipt": bool(payload.get("before_receipt")),
            "clock_paused": bool(payload.get("clock_paused"))}


def _refusal(session, payload: dict) -> dict:
    return {"reason": payload.get("reason", ""), "at_reception": bool(payload.get("at_reception")),
            "by_process": bool(payload.get("by_process"))}


def _apology(session, payload: dict) -> dict:
    unit_ids = [u for u in payload.get("responsible_unit_ids", []) if isinstance(u, int)]
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) if unit_ids else {}
    return {"reason": payload.get("reason", ""), "old_due_at": _instant(payload.get("old_due_at")),
            "new_due_at": _instant(payload.get("new_due_at")), "timely": payload.get("timely"),
            "responsible_units": [names[u] for u in unit_ids if u in names], "signed_by": payload.get("signed_by")}


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _stop_notice(session, payload: dict) -> dict:
    return {"reason": payload.get("reason", "")}


_BUILDERS = {
    Form.SUPPLEMENT_REQUEST: _supplement_request,
    Form.REFUSAL: _refusal,
    Form.APOLOGY: _apology,
    Form.STOP_NOTICE: _stop_notice,
}
