"""The citizens' catalogue of published procedures (read-only use cases): search by code or name, with or without
diacritics (engine.inputs.textfold), filtered by field (lĩnh vực) and level, over the indexed columns that publishing
keeps on each procedure (engine.procedures.publishing.catalogue_entry)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine.context import EngineContext
from engine.db.models import Procedure
from engine.errors import InvalidInput
from engine.inputs.policy import text_ok
from engine.inputs.textfold import words
from engine.procedures.publishing import describe

MAX_QUERY = 200  # characters a citizen may type into the search box
MAX_WORDS = 12
LEVELS = ("commune", "province", "central")


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _checked(query: str | None, field: str | None, level: str | None) -> tuple[list[str], str, str]:
    query, field, level = (query or "").strip(), (field or "").strip(), (level or "").strip()
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"Từ khoá tìm kiếm quá dài (tối đa {MAX_QUERY} ký tự).",
                           message_en=f"The search text is too long (at most {MAX_QUERY} characters).",
                           details={"q": ["too_long"]})
    if not (text_ok(query) and text_ok(field)):
        raise InvalidInput("Từ khoá tìm kiếm có ký tự không hợp lệ.",
                           message_en="The search text contains characters that are not allowed.",
                           details={"q": ["control_characters"]})
    if level and level not in LEVELS:
        raise InvalidInput("Cấp giải quyết không hợp lệ.", message_en="Unknown level.", details={"level": [level]})
    return words(query)[:MAX_WORDS], field[:255], level


def search_catalogue(ctx: EngineContext, query: str | None = "", field: str | None = "",
                     level: str | None = "") -> list[dict]:
    """The procedures in force whose code or name holds every word of ``query`` (folded), in ``field`` and at
    ``level`` when given, by code. InvalidInput for a query too long or with control characters."""
    terms, field, level = _checked(query, field, level)
    statement = (select(Procedure).where(Procedure.current_version_id.is_not(None))
                 .options(joinedload(Procedure.current_version)).order_by(Procedure.code))
    for term in terms:
        statement = statement.where(Procedure.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    if field:
        statement = statement.where(Procedure.field == field)
    if level:
        statement = statement.where(Procedure.level == level)
    with ctx.db.transaction(read_only=True) as session:
        return [describe(p.current_version) for p in session.scalars(statement).unique()]


def catalogue_filters(ctx: EngineContext) -> dict:
    """The fields and levels the procedures in force use (the catalogue's filter choices)."""
    with ctx.db.transaction(read_only=True) as session:
        rows = session.execute(select(Procedure.field, Procedure.level).where(
            Procedure.current_version_id.is_not(None)).distinct()).all()
    return {"fields": sorted({r.field for r in rows if r.field}),
            "levels": [level for level in LEVELS if any(r.level == level for r in rows)]}
