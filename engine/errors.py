"""Every failure a caller can act on has its own type, so the web layer maps types, not messages.

Messages are Vietnamese first; ``message_en`` carries the English text for the language switch.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

E = TypeVar("E", bound=Enum)


class MotcuaError(Exception):
    """Base of every error the engine raises on purpose."""

    http_status = 400
    code = "error"

    def __init__(self, message: str, *, message_en: str | None = None, details: dict | list | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.details = details if details is not None else {}

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "message_en": self.message_en, "details": self.details}


class InvalidInput(MotcuaError):
    """Input that does not have the required shape or values."""

    http_status = 422
    code = "invalid_input"


class InvalidDuration(InvalidInput):
    """A duration that is neither ISO 8601 nor ``same_day``."""

    code = "invalid_duration"


class FormValidationError(InvalidInput):
    """Step data rejected by the step's JSON Schema form."""

    code = "form_invalid"


class UnsafeExpression(InvalidInput):
    """A gateway condition that uses something outside the safe whitelist."""

    code = "unsafe_expression"


class ExpressionError(MotcuaError):
    """A safe expression that failed while evaluating (unknown variable, wrong type)."""

    http_status = 422
    code = "expression_error"


class PackageError(InvalidInput):
    """A procedure package that cannot be loaded or fails validation; ``details`` lists the problems."""

    code = "package_invalid"


class NotFound(MotcuaError):
    http_status = 404
    code = "not_found"


class AuthenticationFailed(MotcuaError):
    http_status = 401
    code = "unauthenticated"


class NotAuthorized(MotcuaError):
    """The user is outside the responsibility boundary (lane, role, agency or unit) for this action."""

    http_status = 403
    code = "forbidden"


class Locked(MotcuaError):
    """Locked until someone acts: a dossier's lookup after too many wrong PINs (the desk reissues the PIN)."""

    http_status = 423
    code = "locked"


class Conflict(MotcuaError):
    """The state changed under the caller (another officer acted first) or forbids the action now."""

    http_status = 409
    code = "conflict"


class InvalidState(Conflict):
    """The dossier or task is not in a state that allows this action."""

    code = "invalid_state"


class AlreadyExists(Conflict):
    code = "already_exists"


class TooLarge(InvalidInput):
    """An upload or file over its size limit, refused before it is read or parsed."""

    http_status = 413
    code = "too_large"


def parse_choice(choices: type[E], value, name_vi: str, name_en: str) -> E:
    """``value`` as a member of the enum ``choices``, or InvalidInput naming the accepted values."""
    try:
        return choices(value)
    except ValueError:
        accepted = ", ".join(c.value for c in choices)
        raise InvalidInput(f"{name_vi} '{value}' không hợp lệ; dùng: {accepted}.",
                           message_en=f"Unknown {name_en} '{value}'; use one of: {accepted}.") from None
