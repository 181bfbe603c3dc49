"""Schemas of the dossier search (``GET /api/v1/dossiers``): the query string and the page of results. The rules
of a query (its length, what is searched, the date ranges) live in the engine (engine.dossiers.search); these
only parse."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.dossiers.search import Criteria, Sort
from engine.enums import Channel, DossierStatus
from engine.inputs.policy import Text
from web.api.schemas import Instant, page_limit, page_offset

MAX_QUERY_PARAM = 10_000  # what the parser reads; the engine refuses a search over its own bound with a clear message


class DossierSearchQuery(Schema):
    q = Text(load_default="", validate=validate.Length(max=MAX_QUERY_PARAM), metadata={
        "description": "Any part of a dossier code, the applicant's name (with or without diacritics, any case), "
                       "an ID number (CCCD), a phone number or an e-mail; searched literally (no operators)."})
    procedure = Text(load_default=None, validate=validate.Length(max=40), metadata={"description": "Procedure code."})
    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in DossierStatus])), load_default=list,
                         metadata={"description": "One or more statuses (repeat the parameter)."})
    agency = Text(load_default=None, validate=validate.Length(max=40), metadata={"description": "Agency code."})
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                          metadata={"description": "A unit (id) that has or had a step of the dossier."})
    channel = fields.String(load_default=None, validate=validate.OneOf([c.value for c in Channel]))
    received_from = fields.Date(load_default=None, metadata={"description": "Local calendar day, included."})
    received_to = fields.Date(load_default=None, metadata={"description": "Local calendar day, included."})
    due_from = fields.Date(load_default=None)
    due_to = fields.Date(load_default=None)
    late = fields.Boolean(load_default=None, metadata={
        "description": "Late: decided after its appointment, or still in process past it (not while paused)."})
    sort = fields.String(load_default=None, validate=validate.OneOf([s.value for s in Sort]), metadata={
        "description": "relevance (the exact code first, then newest; the default with q), newest (the default "
                       "without q), oldest, due."})
    limit = page_limit()
    offset = page_offset()


def criteria_from(query: dict) -> Criteria:
    return Criteria(q=query["q"], procedure=query["procedure"], statuses=tuple(query["status"]),
                    agency=query["agency"], unit_id=query["unit"], channel=query["channel"],
                    received_from=query["received_from"], received_to=query["received_to"],
                    due_from=query["due_from"], due_to=query["due_to"], late=query["late"], sort=query["sort"])


class SearchRowSchema(Schema):
    code = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    applicant_name = fields.String()
    status = fields.String()
    status_label = fields.String()
    channel = fields.String()
    agency_code = fields.String()
    agency_name = fields.String()
    received_at = Instant(allow_none=True, metadata={"description": "Submitted at, for an online submission."})
    due_at = Instant()
    resolved_at = Instant(allow_none=True)
    late = fields.Boolean()


class SearchPageSchema(Schema):
    items = fields.List(fields.Nested(SearchRowSchema), attribute="rows")
    total = fields.Integer(metadata={"description": "Matches, counted up to 1000."})
    more = fields.Boolean(metadata={"description": "More than `total` match: refine the search."})
    limit = fields.Integer()
    offset = fields.Integer()
    sort = fields.String()
    phrases = fields.List(fields.String(), metadata={"description": "What was searched for, folded."})
