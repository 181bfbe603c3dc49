"""Authentication hardening: a session generation per user (sign-out and deactivation end sessions on the
server), an expiry on API tokens, the lookup-PIN guard (consecutive failures, lock-out), the owning agency of
each procedure (designers are scoped to it), and the agency an audit entry concerns.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TOKEN_DAYS = 90  # tokens issued before expiries existed get the default lifetime from their issue


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_procedures_owner_agency_id'), ['owner_agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_procedures_owner_agency_id_agencies'), 'agencies',
                                    ['owner_agency_id'], ['id'])
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_log_agency_id_agencies'), 'agencies', ['agency_id'], ['id'])
    op.create_table('pin_guards',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=True),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_pin_guards_dossier_id_dossiers')),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_pin_guards'))
    )
    _backfill()


def _backfill() -> None:
    """Existing tokens expire TOKEN_DAYS after their issue; existing procedures belong to the agency of the designer
    who first published them, or to the top of the agency tree when the command line did."""
    bind = op.get_bind()
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer), sa.column('created_at', sa.DateTime),
                      sa.column('expires_at', sa.DateTime))
    for token_id, created_at in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        bind.execute(tokens.update().where(tokens.c.id == token_id)
                     .values(expires_at=(created_at or datetime.now(timezone.utc).replace(tzinfo=None))
                             + timedelta(days=TOKEN_DAYS)))
    agencies = sa.table('agencies', sa.column('id', sa.Integer), sa.column('parent_id', sa.Integer))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('agency_id', sa.Integer))
    procedures = sa.table('procedures', sa.column('id', sa.Integer), sa.column('owner_agency_id', sa.Integer))
    versions = sa.table('procedure_versions', sa.column('procedure_id', sa.Integer), sa.column('number', sa.Integer),
                        sa.column('published_by_id', sa.Integer))
    root = bind.scalar(sa.select(agencies.c.id).where(agencies.c.parent_id.is_(None)).order_by(agencies.c.id).limit(1))
    first = (sa.select(users.c.agency_id).select_from(versions.join(users, users.c.id == versions.c.published_by_id))
             .where(versions.c.procedure_id == procedures.c.id).order_by(versions.c.number).limit(1).scalar_subquery())
    bind.execute(procedures.update().values(owner_agency_id=sa.func.coalesce(first, root)))


def downgrade() -> None:
    op.drop_table('pin_guards')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_log_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_log_agency_id'))
        batch_op.drop_column('agency_id')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_procedures_owner_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_procedures_owner_agency_id'))
        batch_op.drop_column('owner_agency_id')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
