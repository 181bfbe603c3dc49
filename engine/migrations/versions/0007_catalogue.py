"""The public catalogue: each procedure's folded code and name, field and level (from the version in force), indexed
for the citizens' search and filters.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _fold(text):  # engine.inputs.textfold.fold when this was written
    text = (text or '').translate(str.maketrans({'đ': 'd', 'Đ': 'd', 'ð': 'd', 'Ð': 'd'}))
    bare = ''.join(c for c in unicodedata.normalize('NFD', text) if not unicodedata.combining(c))
    return ' '.join(unicodedata.normalize('NFC', bare).casefold().split())


def upgrade() -> None:
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=600), server_default='', nullable=False))
        batch_op.add_column(sa.Column('field', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('level', sa.String(length=20), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_procedures_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedures_level'), ['level'], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        'SELECT p.id, p.code, p.name, v.card FROM procedures p '
        'JOIN procedure_versions v ON v.id = p.current_version_id')).all()
    for row in rows:
        card = row.card if isinstance(row.card, dict) else json.loads(row.card or '{}')
        bind.execute(sa.text('UPDATE procedures SET search_text = :s, field = :f, level = :l WHERE id = :id'),
                     {'s': _fold(f'{row.code} {row.name}')[:600], 'f': (card.get('field') or '')[:255],
                      'l': (card.get('level') or '')[:20], 'id': row.id})


def downgrade() -> None:
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedures_level'))
        batch_op.drop_index(batch_op.f('ix_procedures_field'))
        batch_op.drop_column('level')
        batch_op.drop_column('field')
        batch_op.drop_column('search_text')
