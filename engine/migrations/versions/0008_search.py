"""The dossier search index: rows of folded text per dossier (engine.db.models.search), the full-text index of the
database over them (SQLite: an external-content FTS5 trigram table kept by triggers; PostgreSQL: pg_trgm's GIN
index), filled for the dossiers already there exactly as engine.dossiers.search_index fills a new one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    from engine.db.models.search import search_ddl

    op.create_table('dossier_search',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_search_dossier_id_dossiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_search')),
    sa.UniqueConstraint('dossier_id', 'source', name='uq_dossier_search_source')
    )
    with op.batch_alter_table('dossier_search', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_search_dossier', ['dossier_id'], unique=False)
    bind = op.get_bind()
    for statement in search_ddl(bind.dialect.name):
        op.execute(statement)
    _fill(bind)


def _fill(bind) -> None:
    """Every dossier's own row, in batches (the triggers / the GIN index take each row as it is inserted)."""
    from engine.db.models import Dossier, DossierSearch
    from engine.dossiers.search_text import SOURCE_DOSSIER, dossier_text

    dossiers, index = Dossier.__table__, DossierSearch.__table__
    last = 0
    while True:
        rows = bind.execute(sa.select(dossiers.c.id, dossiers.c.code, dossiers.c.applicant)
                            .where(dossiers.c.id > last).order_by(dossiers.c.id).limit(BATCH)).all()
        if not rows:
            return
        values = [{"dossier_id": i, "source": SOURCE_DOSSIER, "body": dossier_text(code, applicant)}
                  for i, code, applicant in rows]
        bind.execute(index.insert(), [v for v in values if v["body"]])
        last = rows[-1][0]


def downgrade() -> None:
    from engine.db.models.search import search_drop

    for statement in search_drop(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('dossier_search', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_search_dossier')
    op.drop_table('dossier_search')
