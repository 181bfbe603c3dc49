"""Procedure drafts: where a designer's changes live until they are published as an immutable version.

A draft holds the same three parts as a version (card, BPMN, forms) and may be invalid while it is being
worked on. At most one draft per procedure is open (``open_key`` is the slug while open, NULL after, and
NULLs never collide in a unique index); ``revision`` rejects a save based on a stale copy.

Published versions are immutable (ISO 9001 §7.5.3): the listeners below refuse any ORM update or delete of
a ``procedure_versions`` row, so a change can only ever be a new version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db.models.base import Base
from engine.db.models.procedures import Procedure, ProcedureVersion
from engine.db.types import JSONData, UTCDateTime
from engine.errors import Conflict


class ProcedureDraft(Base):
    __tablename__ = "procedure_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)  # None: not yet published
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))  # the version it started from
    code: Mapped[str] = mapped_column(String(40), index=True)  # from the card at the last save
    slug: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(500))
    open_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # slug while open: one open draft each
    status: Mapped[str] = mapped_column(String(12))  # engine.enums.DraftStatus
    card_toml: Mapped[bytes] = mapped_column(LargeBinary)
    bpmn_filename: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary)
    forms: Mapped[dict] = mapped_column(JSONData, default=dict)  # task id -> JSON text
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_name: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))
    revision: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": revision}

    procedure: Mapped[Procedure | None] = relationship(foreign_keys=[procedure_id])
    base_version: Mapped[ProcedureVersion | None] = relationship(foreign_keys=[base_version_id])


def _refuse(target: ProcedureVersion) -> Conflict:
    return Conflict(
        f"Phiên bản {target.number} đã ban hành không được sửa hay xoá: hãy tạo bản nháp và ban hành phiên bản mới.",
        message_en=f"Published version {target.number} is immutable: make a draft and publish a new version.",
    )


def _no_update(mapper, connection, target: ProcedureVersion) -> None:
    state = inspect(target)
    if any(state.attrs[c.key].history.has_changes() for c in mapper.column_attrs):
        raise _refuse(target)  # (dirty without a column change, e.g. a relationship touched, is fine)


def _no_delete(mapper, connection, target: ProcedureVersion) -> None:
    raise _refuse(target)


event.listen(ProcedureVersion, "before_update", _no_update)
event.listen(ProcedureVersion, "before_delete", _no_delete)
