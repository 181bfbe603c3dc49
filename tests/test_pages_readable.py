"""Readable pages (issue 20, item 5): a step's data with its form's field titles and readable values, officers by
full name and role rather than account, error pages without raw structures."""

from __future__ import annotations

from flask import render_template

from engine.demo.walkthrough import complete_open_steps
from tests.helpers import receive_sample
from tests.page_helpers import login, text
from web import forms_render


def test_step_data_and_people_are_readable(ctx, people, client):
    code = receive_sample(ctx, people).code
    complete_open_steps(ctx, code)
    login(client, "xa.lanhdao")
    page = client.get(f"/officer/dossiers/{code}")
    assert page.status_code == 200
    body = text(page)
    assert "Phê duyệt, ký Giấy khai sinh" in body  # the field's title, not its key
    assert "approved" not in body.split("Diễn biến hồ sơ", 1)[1]
    assert "Lãnh đạo (xa)" in body and "Chuyên viên" in body  # full names, not usernames, in the timeline
    assert "· xa.lanhdao" not in body


def test_readable_values():
    schema = {"properties": {"approved": {"type": "boolean", "title": "Phê duyệt"},
                             "kind": {"type": "string", "enum": ["a", "b"], "x-enumNames": ["Loại A", "Loại B"],
                                      "title": "Loại"},
                             "born": {"type": "string", "format": "date", "title": "Ngày sinh"},
                             "count": {"type": "number", "title": "Số bản"}}}
    data = {"count": 2.0, "born": "2026-12-01", "kind": "b", "approved": False, "extra": ["x", "y"], "empty": ""}
    assert forms_render.readable(schema, data) == [("Phê duyệt", "Không"), ("Loại", "Loại B"),
                                                   ("Ngày sinh", "01/12/2026"), ("Số bản", "2"),
                                                   ("extra", "x; y"), ("empty", "—")]


def test_error_pages_show_no_raw_structures(app):
    with app.test_request_context("/officer/x"):
        html = render_template("error.html", status=422, message="Dữ liệu không hợp lệ.",
                               details={"q": ["quá dài / too long"], "applicant": {"name": ["bắt buộc"]}})
    assert "q: quá dài / too long" in html and "name: bắt buộc" in html
    assert "['" not in html and "{'" not in html
