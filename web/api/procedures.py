"""Published procedures: public information, no login needed."""

from __future__ import annotations

from flask_smorest import Blueprint

from engine.procedures import publishing
from web.api.endpoints import error_responses
from web.api.schemas import ProcedureDetailSchema, ProcedureSummarySchema
from web.auth import engine_context

blp = Blueprint("procedures", __name__, url_prefix="/procedures",
                description="Thủ tục hành chính đã ban hành / published administrative procedures (public).")


@blp.route("")
@blp.response(200, ProcedureSummarySchema(many=True))
def list_procedures():
    """The current version of every published procedure."""
    return publishing.list_procedures(engine_context())


@blp.route("/<code>")
@blp.response(200, ProcedureDetailSchema)
@error_responses(blp, 404)
def get_procedure(code: str):
    """One procedure's card with its human steps and lanes."""
    return publishing.get_procedure(engine_context(), code)
