"""The input policy (engine.inputs.policy) at the door of every request, API and pages alike: a control character in the
path, a query-string parameter or a form field (a NUL byte that PostgreSQL cannot store, a line break in a code)
is a 400 before any view runs, and JSON bodies read by Flask refuse NaN, Infinity and ``1e999``."""

from __future__ import annotations

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from engine.errors import InvalidInput
from engine.inputs.policy import CONTROL_EN, CONTROL_VI, strict_json_loads, text_ok
from web.uploads import bound_for_view


class MalformedRequest(InvalidInput):
    """A request no field can be read from (its path, query string or form carries forbidden characters)."""

    http_status = 400
    code = "bad_request"


class StrictJSONProvider(DefaultJSONProvider):
    """request.get_json() as the engine stores JSON: a body with NaN / Infinity or a number that overflows to
    infinity fails to parse, which Flask answers with 400."""

    def loads(self, s, **kwargs):
        return strict_json_loads(s)


def _refuse(where: str) -> MalformedRequest:
    return MalformedRequest(f"Yêu cầu bị từ chối: {where} {CONTROL_VI}.",
                            message_en=f"Request refused: the {where} {CONTROL_EN}.", details={where: [CONTROL_EN]})


def check_request() -> None:
    if not text_ok(request.path):
        raise _refuse("path")
    for key, value in request.args.items(multi=True):
        if not (text_ok(key) and text_ok(value)):
            raise _refuse("query")
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        bound_for_view()  # an upload's own limit before the form is read (web.uploads.upload_limit)
        for key, value in request.form.items(multi=True):
            if not (text_ok(key) and text_ok(value, multiline=True)):
                raise _refuse("form")


def register(app: Flask) -> None:
    app.json = StrictJSONProvider(app)
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)  # before authentication and CSRF
