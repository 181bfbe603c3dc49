"""KPI month roll-ups: working-minute histograms per month and per ancestor agency (the 90th percentiles of a
subtree's whole months read them, engine.kpis.months), filled from the daily histograms; the dossier and
task indexes the live "now" figures read widened to cover them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

DOSSIER_INDEX, TASK_INDEX = 'ix_dossiers_agency_status_due', 'ix_tasks_agency_state_finished'


def _key() -> list:
    return [sa.Column('agency_id', sa.Integer(), nullable=False), sa.Column('month', sa.Date(), nullable=False),
            sa.Column('procedure_id', sa.Integer(), nullable=False)]


def _count() -> sa.Column:
    return sa.Column('count', sa.BigInteger(), server_default='0', nullable=False)


def upgrade() -> None:
    op.create_table('kpi_dossier_month_minutes', *_key(),
    sa.Column('minutes', sa.Integer(), nullable=False),
    _count(),
    sa.PrimaryKeyConstraint('agency_id', 'month', 'procedure_id', 'minutes', name=op.f('pk_kpi_dossier_month_minutes'))
    )
    op.create_table('kpi_step_month_minutes', *_key(),
    sa.Column('step_id', sa.String(length=120), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    _count(),
    sa.PrimaryKeyConstraint('agency_id', 'month', 'procedure_id', 'step_id', 'minutes',
                            name=op.f('pk_kpi_step_month_minutes'))
    )
    op.drop_index(DOSSIER_INDEX, table_name='dossiers')
    op.create_index(DOSSIER_INDEX, 'dossiers', ['agency_id', 'status', 'due_at', 'procedure_version_id',
                                                'statutory_due_at', 'paused_at'], unique=False)
    op.drop_index(TASK_INDEX, table_name='tasks')
    op.create_index(TASK_INDEX, 'tasks', ['agency_id', 'state', 'finished_at', 'unit_id', 'due_at', 'overdue',
                                          'paused'], unique=False)
    _backfill()


def _backfill() -> None:
    """The roll-ups of the daily histograms already kept (engine.kpis.rollups.derive)."""
    from sqlalchemy.orm import Session

    from engine.kpis.rollups import derive

    session = Session(bind=op.get_bind())
    try:
        derive(session)
        session.flush()
    finally:
        session.close()


def downgrade() -> None:
    op.drop_index(TASK_INDEX, table_name='tasks')
    op.create_index(TASK_INDEX, 'tasks', ['agency_id', 'state', 'finished_at'], unique=False)
    op.drop_index(DOSSIER_INDEX, table_name='dossiers')
    op.create_index(DOSSIER_INDEX, 'dossiers', ['agency_id', 'status', 'due_at'], unique=False)
    op.drop_table('kpi_step_month_minutes')
    op.drop_table('kpi_dossier_month_minutes')
