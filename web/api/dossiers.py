"""Dossiers for officers: reception, detail, dossier-level actions, online reception check, Form 06.

Each view parses, calls one engine use case and serialises; who may do what is decided by the engine
(engine.org.authz), which answers 403 outside the responsibility boundary.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE

from engine.dossiers import actions as dossiers
from engine.dossiers import online, reception, views
from engine.dossiers.search import search_dossiers
from engine.enums import DossierStatus
from engine.records import control_slip as records
from web.api.endpoints import WRITES, operation
from web.api.schemas import (
    API_PARSER,
    ApologyBody,
    ControlSlipSchema,
    DossierDetailSchema,
    DossierStateSchema,
    HandBackBody,
    ReasonBody,
    ReceiptSchema,
    ReceiveBody,
    SupplementBody,
    SupplementRequestBody,
)
from web.api.search_schemas import DossierSearchQuery, SearchPageSchema, criteria_from
from web.auth import current_actor, engine_context

blp = Blueprint("dossiers", __name__, url_prefix="/dossiers",
                description="Hồ sơ / dossiers: search, reception, detail, supplementation, refusal, withdrawal, apology, "
                            "hand-back, online reception check, process control slip (Form 06).")
blp.ARGUMENTS_PARSER = API_PARSER


@blp.before_request
def _authenticate() -> None:
    current_actor()  # 401 before anything is parsed


def _state(code: str, status: DossierStatus | None = None, due_at=None) -> dict:
    """The dossier's state once the use case succeeded (each use case has exactly one resulting status)."""
    state = {"code": code, "status": status.value if status else None, "due_at": due_at}
    return {key: value for key, value in state.items() if value is not None}


@operation(blp, "", SearchPageSchema, args=DossierSearchQuery, location="query", unknown=RAISE,
           errors=(401, 422))
def search(query: dict):
    """Find dossiers by any part of the code, the applicant's name (diacritics and case ignored), ID number or
    phone, with filters; only the dossiers the caller may open. Best match (the exact code), then newest."""
    return search_dossiers(engine_context(), current_actor(), criteria_from(query), limit=query["limit"],
                           offset=query["offset"])


@operation(blp, "", ReceiptSchema, method="POST", status=201, args=ReceiveBody, errors=WRITES)
def receive(body: dict):
    """Receive a dossier at the one-stop desk (Form 01): code, lookup PIN (shown once) and appointment."""
    return reception.receive(engine_context(), current_actor(), body)


@operation(blp, "/<code>", DossierDetailSchema)
def detail(code: str):
    """A dossier with its steps, events (hand-overs giao / nhận), outcomes and the caller's allowed actions."""
    return views.dossier_detail(engine_context(), current_actor(), code)


@operation(blp, "/<code>/control-slip", ControlSlipSchema)
def control_slip(code: str):
    """Form 06, the process control slip: one block per hand-over with the step's result."""
    return records.control_slip(engine_context(), current_actor(), code)


@operation(blp, "/<code>/supplement-request", DossierStateSchema,
           method="POST", args=SupplementRequestBody, errors=WRITES)
def request_supplement(body: dict, code: str):
    """Form 02 during processing: one list of everything missing; the clock pauses."""
    dossiers.request_supplement(engine_context(), current_actor(), code, body)
    return _state(code, DossierStatus.AWAITING_SUPPLEMENT)


@operation(blp, "/<code>/supplement", DossierStateSchema,
           method="POST", args=SupplementBody, required=False, errors=WRITES)
def supplement(body: dict, code: str):
    """The applicant supplied what was missing: processing resumes, deadlines pushed by the paused time."""
    dossiers.supplement(engine_context(), current_actor(), code, body)
    return _state(code, DossierStatus.PROCESSING)


@operation(blp, "/<code>/refuse", DossierStateSchema, method="POST", args=ReasonBody, errors=WRITES)
def refuse(body: dict, code: str):
    """Form 03: refuse with a written reason; every open step is cancelled."""
    dossiers.refuse(engine_context(), current_actor(), code, body)
    return _state(code, DossierStatus.REFUSED)


@operation(blp, "/<code>/withdraw", DossierStateSchema, method="POST", args=ReasonBody, errors=WRITES)
def withdraw(body: dict, code: str):
    """The applicant asked to stop; recorded by the desk with the reason."""
    dossiers.withdraw(engine_context(), current_actor(), code, body)
    return _state(code, DossierStatus.WITHDRAWN)


@operation(blp, "/<code>/apology", DossierStateSchema, method="POST", args=ApologyBody, errors=WRITES)
def apology(body: dict, code: str):
    """Form 04: apology and the new appointment (once per dossier)."""
    new_due = dossiers.issue_apology(engine_context(), current_actor(), code, body)
    return _state(code, due_at=new_due)


@operation(blp, "/<code>/hand-back", DossierStateSchema,
           method="POST", args=HandBackBody, required=False, errors=WRITES)
def hand_back(body: dict, code: str):
    """The desk hands the result to the applicant: a resolved dossier becomes returned; a refusal (Form 03) is
    handed back too, and the dossier stays refused. Once only (409 after)."""
    return _state(code, dossiers.hand_back(engine_context(), current_actor(), code, body["note"]))


@operation(blp, "/<code>/accept", DossierStateSchema, method="POST", errors=WRITES)
def accept(code: str):
    """An online submission is complete: it is received now, with its appointment, and processing starts."""
    due_at = online.accept_submission(engine_context(), current_actor(), code)
    return _state(code, DossierStatus.RECEIVED, due_at)


@operation(blp, "/<code>/return-incomplete", DossierStateSchema,
           method="POST", args=SupplementRequestBody, errors=WRITES)
def return_incomplete(body: dict, code: str):
    """Form 02 before receipt: an online submission goes back with one list of everything missing."""
    online.return_incomplete(engine_context(), current_actor(), code, body)
    return _state(code, DossierStatus.INCOMPLETE)


@operation(blp, "/<code>/reject", DossierStateSchema, method="POST", args=ReasonBody, errors=WRITES)
def reject(body: dict, code: str):
    """Form 03 at reception: an online submission is refused with a written reason."""
    online.reject_submission(engine_context(), current_actor(), code, body)
    return _state(code, DossierStatus.REJECTED)
