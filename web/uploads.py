"""Size limits of uploads (today the designer's packages), enforced before the body is read: a declared
Content-Length over the limit is refused at once; a body without one is cut off at the limit by Werkzeug. Either
way the user gets a clear message (413), never a stack trace, and nothing is parsed."""

from __future__ import annotations

from flask import current_app, request

from engine.procedures.zipio import too_large
from web.errors import error_response
from web.i18n import message_of


def bound_request(limit: int) -> None:
    if request.content_length is not None and request.content_length > limit:
        raise too_large(request.content_length, limit)
    request.max_content_length = limit


def too_large_response(_error):
    """Werkzeug's 413 (raised while a body is read) in our words."""
    limit = request.max_content_length or 0
    error = too_large(request.content_length or limit + 1, limit)
    return error_response(413, error.code, message_of(error), error.details)


def upload_limit(limit: int):
    """Mark a view as taking uploads of up to ``limit`` bytes (the application's default is far lower); applied by
    ``bound_for_view`` at the door, before anything reads the body (innermost decorator: wrappers copy it)."""
    def decorate(view):
        view.max_request_bytes = limit
        return view
    return decorate


def bound_for_view() -> None:
    """The limit of the view this request goes to, if it declared one (``upload_limit``)."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_request_bytes", None)
    if limit:
        bound_request(limit)
