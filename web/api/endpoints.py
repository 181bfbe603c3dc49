"""How an API endpoint is declared for flask-smorest and OpenAPI: the bearer security scheme, the documented
error responses, and the whole decorator stack of one endpoint in its one right order."""

from __future__ import annotations

from http import HTTPStatus

BEARER = [{"bearer": []}]


def error_responses(blp, *statuses: int):
    """Document the error responses an endpoint can give (each with the JSON error envelope)."""

    def decorator(func):
        for status in sorted(statuses, reverse=True):
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        return func

    return decorator


READS = (401, 403, 404)  # the errors of an officer's read
WRITES = (401, 403, 404, 409, 422)  # and of a change: a lost race or a state that forbids it, a bad body


def operation(blp, rule: str, response=None, *, method: str = "GET", status: int = 200, args=None,
              required: bool = True, location: str = "json", unknown=None, errors=READS, **doc):
    """flask-smorest's decorators of one bearer-token endpoint, stacked in their one right order: route,
    the arguments (a body, or a query with ``location="query"``), the response, the documented errors,
    the security scheme (and any other ``doc``)."""

    def decorate(view):
        view = blp.doc(security=BEARER, **doc)(view)
        view = error_responses(blp, *errors)(view)
        if response is not None or status != 200:
            view = blp.response(status, response)(view)
        if args is not None:
            extra = {"unknown": unknown} if unknown is not None else {}
            view = blp.arguments(args, location=location, required=required, **extra)(view)
        return blp.route(rule, methods=[method])(view)

    return decorate
