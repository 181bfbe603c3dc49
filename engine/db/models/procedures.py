"""Published procedure versions: immutable, addressed by content hash; dossiers keep theirs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db.models.base import Base
from engine.db.types import JSONData, UTCDateTime


class Procedure(Base):
    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # national TTHC code
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    # The public catalogue's search and filters (engine.procedures.catalogue), kept from the version in force:
    # code and name folded (engine.inputs.textfold), the field (lĩnh vực) and the deciding level.
    search_text: Mapped[str] = mapped_column(String(600), default="", server_default="")
    field: Mapped[str] = mapped_column(String(255), default="", server_default="", index=True)
    level: Mapped[str] = mapped_column(String(20), default="", server_default="", index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_versions.id", use_alter=True, name="fk_procedures_current_version")
    )
    # The agency whose designers manage the procedure (with those of the agencies above it): the agency of the
    # designer who first published or imported it; the top of the agency tree for the command line.
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)

    current_version: Mapped[ProcedureVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)


class ProcedureVersion(Base):
    __tablename__ = "procedure_versions"
    __table_args__ = (
        UniqueConstraint("procedure_id", "number", name="uq_procedure_versions_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # Not unique per procedure: a retired version's content published again is a new version (its number
    # says when it came back into force; engine.procedures.publishing.store_version).
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    card: Mapped[dict] = mapped_column(JSONData)  # procedure.toml as parsed, for display and the engine
    card_toml: Mapped[bytes] = mapped_column(LargeBinary)
    bpmn_filename: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary)
    forms: Mapped[dict] = mapped_column(JSONData)  # task id -> the form file's JSON text, byte-exact
    steps: Mapped[dict] = mapped_column(JSONData)  # task id -> {name, lane, deadline}
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_by_name: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(foreign_keys=[procedure_id])
