"""JSON Schema → form fields → typed data (web.forms_render), checked against the engine's own validator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.dossiers.runtime import schema_validator
from engine.dossiers.tasks import validate_form
from engine.errors import FormValidationError
from web import forms_render

ROOT = Path(__file__).resolve().parent.parent
JUDICIAL = json.loads((ROOT / "processes/cap_phieu_ly_lich_tu_phap/forms/tham_dinh_ho_so.json").read_text())
SIGN = json.loads((ROOT / "processes/dang_ky_khai_sinh/forms/ky_duyet.json").read_text())


def by_name(fields):
    return {f.name: f for f in fields}


def test_widgets_follow_the_schema():
    fields = by_name(forms_render.fields(JUDICIAL))
    assert list(fields) == ["eligible", "certificate_type", "copies", "opinion", "refusal_reason"]
    eligible, kind, copies, opinion = (fields[n] for n in ("eligible", "certificate_type", "copies", "opinion"))
    assert eligible.kind == "radio_bool" and eligible.options == [("true", "Có"), ("false", "Không")]
    assert eligible.required and eligible.label == "Yêu cầu đủ điều kiện cấp Phiếu" and "Chọn" in eligible.description
    assert kind.kind == "select" and kind.options == [("1", "1"), ("2", "2")] and kind.required
    assert copies.kind == "integer" and copies.attrs == {"step": "1", "min": 1, "max": 50} and not copies.required
    assert opinion.kind == "textarea" and opinion.attrs == {"maxlength": 4000}
    number = forms_render.fields({"properties": {"area": {"type": "number", "minimum": 0},
                                                 "code": {"type": "string", "maxLength": 20},
                                                 "day": {"type": "string", "format": "date"}}})
    assert [(f.kind, f.attrs) for f in number] == [("number", {"step": "any", "min": 0}), ("text", {"maxlength": 20}),
                                                   ("date", {})]
    assert forms_render.fields(None) == []


def test_posted_texts_become_typed_data_the_engine_accepts():
    form = {"data.eligible": "true", "data.certificate_type": "2", "data.copies": " 3 ", "data.opinion": "  Đạt  ",
            "data.refusal_reason": "", "data.injected": "x", "csrf_token": "t"}
    data = forms_render.parse(JUDICIAL, form)
    assert data == {"eligible": True, "certificate_type": "2", "copies": 3, "opinion": "Đạt"}
    validate_form(schema_validator(JUDICIAL), data, "tham_dinh_ho_so")  # no exception
    assert forms_render.parse({"properties": {"a": {"type": "number"}}}, {"data.a": "2.5"}) == {"a": 2.5}
    assert forms_render.parse({"properties": {"a": {"type": "number"}}}, {"data.a": "7"}) == {"a": 7}


def test_bad_texts_go_to_the_engine_which_reports_them():
    data = forms_render.parse(JUDICIAL, {"data.eligible": "maybe", "data.certificate_type": "1", "data.copies": "ba"})
    assert data == {"eligible": "maybe", "certificate_type": "1", "copies": "ba"}
    with pytest.raises(FormValidationError):
        validate_form(schema_validator(JUDICIAL), data, "tham_dinh_ho_so")


def test_engine_errors_are_placed_on_their_fields():
    with pytest.raises(FormValidationError) as rejected:
        validate_form(schema_validator(SIGN), forms_render.parse(SIGN, {"data.approved": "false"}), "ky_duyet")  # "Không" needs a note
    errors = forms_render.field_errors(rejected.value.details)
    assert errors == {"note": "Bắt buộc nhập mục này."} and forms_render.all_placed(rejected.value.details)
    with pytest.raises(FormValidationError) as short:
        validate_form(schema_validator(SIGN), {"approved": False, "note": "ok"}, "ky_duyet")
    assert list(forms_render.field_errors(short.value.details)) == ["note"]
    shown = by_name(forms_render.fields(SIGN, {"approved": "false", "note": "ok"}, {"note": "quá ngắn"}))
    assert shown["approved"].value == "false" and shown["note"].value == "ok" and shown["note"].error == "quá ngắn"
    assert not forms_render.all_placed([{"field": None, "message": "something else"}])
