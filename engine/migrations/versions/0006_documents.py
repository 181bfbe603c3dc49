"""Files on a dossier (issue 18): one row per stored version of a part's file, a result or a working document;
the bytes are in the storage under their SHA-256.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dossier_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('part_code', sa.String(length=120), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploader', sa.String(length=80), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.Column('ocr_state', sa.String(length=10), nullable=True),
    sa.Column('ocr_attempts', sa.Integer(), nullable=False),
    sa.Column('ocr_text', sa.Text(), nullable=True),
    sa.Column('ocr_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_files_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['replaces_id'], ['dossier_files.id'], name=op.f('fk_dossier_files_replaces_id_dossier_files')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_dossier_files_task_id_tasks')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_dossier_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_files'))
    )
    with op.batch_alter_table('dossier_files', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_files_ocr', ['ocr_state'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_files_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_dossier_files_slot', ['dossier_id', 'kind', 'part_code'], unique=False)


def downgrade() -> None:
    op.drop_table('dossier_files')
