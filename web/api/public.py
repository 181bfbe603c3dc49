"""For citizens, without an account: online submission, lookup by code + PIN, completing an incomplete
online dossier. Rate-limited per client; a wrong PIN is indistinguishable from an unknown code."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from engine.dossiers import online, views
from engine.enums import DossierStatus
from web.api.endpoints import error_responses
from web.api.public_schemas import PublicDossierSchema
from web.api.schemas import (
    API_PARSER,
    DossierStateSchema,
    OnlineSubmissionBody,
    OnlineSupplementBody,
    PinBody,
    SubmissionSchema,
)
from web.auth import engine_context
from web.extensions import limiter
from web.pin_limits import pin_limited

blp = Blueprint("citizen", __name__, url_prefix="/public",  # "public" names the citizens' pages
                description="Công dân / citizens (no login): submit online, look up a dossier with its code and PIN.")
blp.ARGUMENTS_PARSER = API_PARSER


def _submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


@blp.route("/dossiers/<code>/lookup", methods=["POST"])
@blp.arguments(PinBody)
@blp.response(200, PublicDossierSchema)
@error_responses(blp, 404, 422, 423, 429)
@pin_limited
def lookup(body: dict, code: str):
    """A dossier's status, steps and the reasons of its changes (what a supplement request asks for, a refusal's
    reason and legal basis, an apology's new date), for whoever holds its code and PIN (no officers' names, no
    data). The PIN goes in the JSON body, never in the URL."""
    return views.public_lookup(engine_context(), code, body["pin"])


@blp.route("/dossiers", methods=["POST"])
@blp.arguments(OnlineSubmissionBody)
@blp.response(201, SubmissionSchema)
@error_responses(blp, 404, 409, 422, 429)
@limiter.limit(_submit_limit)
def submit(body: dict):
    """Submit a dossier online to an agency; it waits for the desk's completeness check. Keep the PIN."""
    return online.submit_online(engine_context(), body)


@blp.route("/dossiers/<code>/supplement", methods=["POST"])
@blp.arguments(OnlineSupplementBody)
@blp.response(200, DossierStateSchema)
@error_responses(blp, 404, 409, 422, 423, 429)
@pin_limited
def resubmit(body: dict, code: str):
    """Complete an online dossier returned as incomplete (Form 02); it goes back to the desk's check."""
    pin = body.pop("pin")
    online.resubmit_online(engine_context(), code, pin, body)
    return {"code": code, "status": DossierStatus.SUBMITTED.value}
