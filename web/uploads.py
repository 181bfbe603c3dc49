"""Size limits of uploads (today the designer's packages), enforced before the body is read: a declared
Content-Length over the limit is refused at once; a body without one is cut off at the limit by Werkzeug. Either
way the user gets a clear message (413), never a stack trace, and nothing is parsed."""

from __future__ import annotations

from flask import request

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
