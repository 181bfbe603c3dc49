"""Errors become JSON ``{"error": {"code", "message", "details"}}`` under /api and a page elsewhere.
Bad input never turns into a 500."""

from __future__ import annotations

import logging

from flask import jsonify, make_response, render_template, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from engine.errors import MotcuaError
from web.extensions import api
from web.i18n import message_of

log = logging.getLogger(__name__)
_BODY_HEADERS = {"content-type", "content-length"}

HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
              422: "invalid_input", 429: "rate_limited", 500: "internal_error"}


class ErrorDetailSchema(Schema):
    code = fields.String(metadata={"description": "Stable machine-readable code, e.g. not_found, form_invalid."})
    message = fields.String(metadata={"description": "Message in the caller's language (Vietnamese by default)."})
    details = fields.Raw(metadata={"description": "Field problems (object or list) or extra context."})


class ErrorSchema(Schema):
    """The JSON error envelope of every /api response below (documentation only)."""

    error = fields.Nested(ErrorDetailSchema)


# The OpenAPI document describes errors with this envelope rather than flask-smorest's default
# (read by Api.init_app, so it is set before the app factory runs).
api.ERROR_SCHEMA = ErrorSchema


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, details=None):
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message, details=details), status


def register(app) -> None:
    @app.errorhandler(MotcuaError)
    def _domain(error: MotcuaError):
        return error_response(error.http_status, error.code, message_of(error), error.details)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        details = {}
        data = getattr(error, "data", None)  # webargs / flask-smorest validation messages
        if isinstance(data, dict) and "messages" in data:
            details = data["messages"]
        code = HTTP_CODES.get(error.code, "error")
        if error.code == 422 and details:
            message = "Dữ liệu không hợp lệ."
        else:
            message = error.description or error.name
        response = make_response(error_response(error.code or 500, code, message, details))
        for name, value in error.get_headers():  # e.g. Allow on a 405, Retry-After: the body is ours, not these
            if name.lower() not in _BODY_HEADERS:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Lỗi hệ thống; đã ghi nhận để xử lý.")
