"""What the desk's and the citizen's HTML forms post about a dossier, read one way for both: the
applicant's fields (the engine's ApplicantSchema names them) and the documents, ticked or typed one per line."""

from __future__ import annotations

from engine.inputs.schemas import ApplicantSchema

APPLICANT_FIELDS = tuple(ApplicantSchema().fields)


def lines(text: str | None) -> list[str]:
    """One item per line, blanks dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def applicant_from(form) -> dict:
    applicant = {key: (form.get(f"applicant.{key}") or "").strip() for key in APPLICANT_FIELDS}
    applicant["email"] = applicant["email"] or None
    return applicant


def documents_from(form, typed: str = "other_documents") -> list[str]:
    """The ticked documents, then those typed one per line in the field ``typed``."""
    return [d.strip() for d in form.getlist("documents") if d.strip()] + lines(form.get(typed))
