"""Files on a dossier (DOMAIN §9): a row per stored version of a part's file, a result document or an officer's
working document. The bytes live in the storage under their SHA-256 (engine.documents.storage); a row is never
deleted (records are kept), a replaced file keeps its row with ``superseded_at`` set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.models.base import Base
from engine.db.types import UTCDateTime


class DossierFile(Base):
    __tablename__ = "dossier_files"
    __table_args__ = (
        Index("ix_dossier_files_slot", "dossier_id", "kind", "part_code"),
        Index("ix_dossier_files_ocr", "ocr_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    kind: Mapped[str] = mapped_column(String(10))  # engine.enums.FileKind: part / result / working
    part_code: Mapped[str] = mapped_column(String(120))  # the part's or result's code; a working document: its step
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))  # the step a working document belongs to
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(40))
    pages: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))  # the client's file name as a label, never a path
    source: Mapped[str] = mapped_column(String(12))  # engine.enums.FileSource
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the citizen
    uploader: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_seq: Mapped[int] = mapped_column(Integer)  # the dossier event that recorded it (its hash is in the chain)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_files.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ocr_state: Mapped[str | None] = mapped_column(String(10))  # engine.enums.OcrState; None: nothing to read
    ocr_attempts: Mapped[int] = mapped_column(Integer, default=0)
    ocr_text: Mapped[str | None] = mapped_column(Text)
    ocr_sha256: Mapped[str | None] = mapped_column(String(64))  # the searchable PDF officers download
