"""The dossier search index: rows of folded text per dossier (its own data now; the text of its documents, OCR'd,
later: one row per source), with a real full-text index of each database over them.

- SQLite: an external-content FTS5 table ``dossier_search_fts`` with the ``trigram`` tokenizer (any substring of
  three characters or more), kept equal to ``dossier_search`` by triggers, so every write to the index rows
  reaches the full-text index in the same transaction.
- PostgreSQL: a GIN index with ``pg_trgm``'s ``gin_trgm_ops`` over the same column, which answers ``LIKE
  '%…%'``.

The text is folded before it is stored (engine.dossiers.search_text), so neither database needs its own notion
of diacritics. The dialect's DDL runs after the table is created (tests' ``create_all``) and from the migration
0006 (``search_ddl``); ``SEARCH_SHADOW_NAMES`` are the objects the models do not describe (compare_metadata
skips them).
"""

from __future__ import annotations

from sqlalchemy import DDL, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.models.base import Base

FTS_TABLE = "dossier_search_fts"
TRGM_INDEX = "ix_dossier_search_body_trgm"
SEARCH_SHADOW_NAMES = frozenset({FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config",
                                                                                 "content")), TRGM_INDEX})


class DossierSearch(Base):
    __tablename__ = "dossier_search"
    __table_args__ = (
        UniqueConstraint("dossier_id", "source", name="uq_dossier_search_source"),
        Index("ix_dossier_search_dossier", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    source: Mapped[str] = mapped_column(String(60))  # "dossier", later e.g. "document:12"
    body: Mapped[str] = mapped_column(Text)  # folded text (engine.dossiers.search_text.fold)


SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, content='dossier_search', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER dossier_search_ai AFTER INSERT ON dossier_search BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER dossier_search_ad AFTER DELETE ON dossier_search BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER dossier_search_au AFTER UPDATE ON dossier_search BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body); "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS dossier_search_au", "DROP TRIGGER IF EXISTS dossier_search_ad",
               "DROP TRIGGER IF EXISTS dossier_search_ai", f"DROP TABLE IF EXISTS {FTS_TABLE}")
POSTGRES_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX {TRGM_INDEX} ON dossier_search USING gin (body gin_trgm_ops)",
)
POSTGRES_DROP = (f"DROP INDEX IF EXISTS {TRGM_INDEX}",)


def search_ddl(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_DDL, "postgresql": POSTGRES_DDL}.get(dialect, ())


def search_drop(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, ())


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's comparison: the full-text objects the dialect's DDL creates are not the models' business."""
    return name not in SEARCH_SHADOW_NAMES


for _dialect in ("sqlite", "postgresql"):
    for _statement in search_ddl(_dialect):
        event.listen(DossierSearch.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
    for _statement in search_drop(_dialect):
        event.listen(DossierSearch.__table__, "before_drop", DDL(_statement).execute_if(dialect=_dialect))
