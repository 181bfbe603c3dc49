"""KPI tallies: daily counts and working-minute histograms the KPI report sums (engine.kpis.tally), filled
from the existing records so an upgraded database reports the same figures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), server_default='0', nullable=False)


def _key() -> list:
    return [sa.Column('agency_id', sa.Integer(), nullable=False), sa.Column('day', sa.Date(), nullable=False),
            sa.Column('procedure_id', sa.Integer(), nullable=False), sa.Column('unit_id', sa.Integer(), nullable=False)]


def upgrade() -> None:
    op.create_table('kpi_dossier_days', *_key(),
    *(_counter(c) for c in ('received', 'received_desk', 'received_online', 'received_postal', 'supplemented',
                            'resolved', 'early', 'on_time', 'late', 'refused', 'paused_dossiers', 'paused_minutes',
                            'wm_count', 'wm_sum')),
    sa.PrimaryKeyConstraint('agency_id', 'day', 'procedure_id', 'unit_id', name=op.f('pk_kpi_dossier_days'))
    )
    op.create_table('kpi_dossier_marks',
    sa.Column('dossier_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('marks', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_kpi_dossier_marks'))
    )
    op.create_table('kpi_dossier_minutes', *_key(),
    sa.Column('minutes', sa.Integer(), nullable=False),
    _counter('count'),
    sa.PrimaryKeyConstraint('agency_id', 'day', 'procedure_id', 'unit_id', 'minutes', name=op.f('pk_kpi_dossier_minutes'))
    )
    op.create_table('kpi_step_days', *_key(),
    sa.Column('step_id', sa.String(length=120), nullable=False),
    sa.Column('step_name', sa.String(length=255), nullable=False),
    *(_counter(c) for c in ('finished', 'late', 'wm_count', 'wm_late', 'wm_sum')),
    sa.PrimaryKeyConstraint('agency_id', 'day', 'procedure_id', 'unit_id', 'step_id', 'step_name',
                            name=op.f('pk_kpi_step_days'))
    )
    op.create_table('kpi_step_minutes', *_key(),
    sa.Column('step_id', sa.String(length=120), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    _counter('count'),
    sa.PrimaryKeyConstraint('agency_id', 'day', 'procedure_id', 'unit_id', 'step_id', 'minutes',
                            name=op.f('pk_kpi_step_minutes'))
    )
    _backfill()


def _backfill() -> None:
    """The tallies of the dossiers already recorded, by the engine's own rules (engine.kpis.tally.rebuild)."""
    from sqlalchemy.orm import Session

    from engine.kpis.tally import rebuild

    session = Session(bind=op.get_bind())
    try:
        rebuild(session)
        session.flush()
    finally:
        session.close()


def downgrade() -> None:
    op.drop_table('kpi_step_minutes')
    op.drop_table('kpi_step_days')
    op.drop_table('kpi_dossier_minutes')
    op.drop_table('kpi_dossier_marks')
    op.drop_table('kpi_dossier_days')
