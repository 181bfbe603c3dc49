"""marshmallow schemas for the data that crosses the engine's boundary (requests into use cases)."""

from __future__ import annotations

from functools import cache

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.enums import Channel
from engine.errors import InvalidInput
from engine.inputs.policy import Data, Instant, Text

MAX_TEXT = 2000
REASON_MIN = 5


class ApplicantSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Text(required=True, validate=validate.Length(min=2, max=255))
    id_number = Text(load_default="", validate=validate.Regexp(r"^[0-9A-Za-z]{0,20}$"))
    phone = Text(load_default="", validate=validate.Regexp(r"^[0-9+ .()-]{0,20}$"))
    email = fields.Email(load_default=None, allow_none=True)
    address = Text(load_default="", validate=validate.Length(max=500))


class ReceiveSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    procedure_code = Text(required=True, validate=validate.Length(min=1, max=40))
    applicant = fields.Nested(ApplicantSchema, required=True)
    channel = fields.String(load_default=Channel.DESK.value, validate=validate.OneOf([c.value for c in Channel]))
    data = Data(load_default=dict)
    documents = fields.List(Text(validate=validate.Length(max=500)), load_default=list)
    agency_code = Text(load_default=None, allow_none=True, validate=validate.Length(max=40))


class ReasonSchema(Schema):
    reason = Text(required=True, multiline=True, validate=validate.Length(min=REASON_MIN, max=MAX_TEXT))


class RefusalSchema(ReasonSchema):
    """Form 03: the reason and, where the officer gives it, the legal basis (the citizen reads both in the lookup)."""
    legal_basis = Text(load_default="", validate=validate.Length(max=1000))


class SupplementRequestSchema(ReasonSchema):
    missing = fields.List(Text(validate=validate.Length(min=1, max=500)), required=True,
                          validate=validate.Length(min=1))


class SupplementSchema(Schema):
    documents = fields.List(Text(validate=validate.Length(min=1, max=500)), load_default=list)
    data = Data(load_default=dict)


class ApologySchema(ReasonSchema):
    new_due_at = Instant(required=True, default_timezone=None)


class CompleteSchema(Schema):
    data = Data(load_default=dict)


@cache
def _instance(schema: type[Schema]) -> Schema:
    """One instance per schema class: building one costs as much as a load, and loading keeps no state."""
    return schema()


def load(schema: type[Schema], payload: dict | None) -> dict:
    """Validate ``payload`` or raise InvalidInput listing every field problem."""
    try:
        return _instance(schema).load(payload or {})
    except ValidationError as err:
        raise InvalidInput(
            "Dữ liệu không hợp lệ: " + "; ".join(f"{k}: {v}" for k, v in _flatten(err.messages)),
            message_en="Invalid data: " + "; ".join(f"{k}: {v}" for k, v in _flatten(err.messages)),
            details=err.messages,
        ) from None


def _flatten(messages, prefix=""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}{key}.")
    else:
        text = " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        yield prefix.rstrip("."), text
