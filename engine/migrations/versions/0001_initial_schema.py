"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
import engine.db.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['agencies.id'], name=op.f('fk_agencies_parent_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_agencies_code'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_parent_id'), ['parent_id'], unique=False)

    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('procedures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['current_version_id'], ['procedure_versions.id'], name='fk_procedures_current_version', use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedures')),
    sa.UniqueConstraint('code', name=op.f('uq_procedures_code')),
    sa.UniqueConstraint('slug', name=op.f('uq_procedures_slug'))
    )
    op.create_table('dossier_counters',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=6), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_dossier_counters_agency_id_agencies')),
    sa.PrimaryKeyConstraint('agency_id', 'day', name=op.f('pk_dossier_counters'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_units_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('agency_id', 'code', name='uq_units_agency_code')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_agency_id'), ['agency_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_users_agency_id_agencies')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_users_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_unit_id'), ['unit_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=255), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)

    op.create_table('procedure_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('card', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('card_toml', sa.LargeBinary(), nullable=False),
    sa.Column('bpmn_filename', sa.String(length=255), nullable=False),
    sa.Column('bpmn_xml', sa.LargeBinary(), nullable=False),
    sa.Column('forms', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('steps', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_by_name', sa.String(length=80), nullable=False),
    sa.Column('published_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_versions_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_procedure_versions_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_versions')),
    sa.UniqueConstraint('procedure_id', 'content_hash', name='uq_procedure_versions_hash'),
    sa.UniqueConstraint('procedure_id', 'number', name='uq_procedure_versions_number')
    )
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_versions_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedure_versions_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('user_contacts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('updated_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_contacts_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_contacts'))
    )
    op.create_table('user_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_roles')),
    sa.UniqueConstraint('user_id', 'role', name='uq_user_roles_user_role')
    )
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_roles_user_id'), ['user_id'], unique=False)

    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=False),
    sa.Column('procedure_version_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('applicant', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('applicant_name', sa.String(length=255), nullable=False),
    sa.Column('documents', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('data', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('submitted_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('received_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('effective_received_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('due_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('statutory_due_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('paused_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('paused_minutes', sa.Integer(), nullable=False),
    sa.Column('apology_issued_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('resolved_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('returned_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('working_minutes', sa.Integer(), nullable=True),
    sa.Column('result_note', sa.Text(), nullable=True),
    sa.Column('workflow_state', sa.LargeBinary(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_event_hash', sa.String(length=64), nullable=False),
    sa.Column('last_event_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_dossiers_agency_id_agencies')),
    sa.ForeignKeyConstraint(['procedure_version_id'], ['procedure_versions.id'], name=op.f('fk_dossiers_procedure_version_id_procedure_versions')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_dossiers_received_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('code', name=op.f('uq_dossiers_code'))
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_agency_received', ['agency_id', 'received_at'], unique=False)
        batch_op.create_index('ix_dossiers_agency_resolved', ['agency_id', 'resolved_at'], unique=False)
        batch_op.create_index('ix_dossiers_agency_status_due', ['agency_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_applicant_name'), ['applicant_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_procedure_version_id'), ['procedure_version_id'], unique=False)

    op.create_table('procedure_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('open_key', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('card_toml', sa.LargeBinary(), nullable=False),
    sa.Column('bpmn_filename', sa.String(length=255), nullable=False),
    sa.Column('bpmn_xml', sa.LargeBinary(), nullable=False),
    sa.Column('forms', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=80), nullable=False),
    sa.Column('created_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by_name', sa.String(length=80), nullable=False),
    sa.Column('updated_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['base_version_id'], ['procedure_versions.id'], name=op.f('fk_procedure_drafts_base_version_id_procedure_versions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_procedure_drafts_created_by_id_users')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_drafts_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['published_version_id'], ['procedure_versions.id'], name=op.f('fk_procedure_drafts_published_version_id_procedure_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_drafts')),
    sa.UniqueConstraint('open_key', name=op.f('uq_procedure_drafts_open_key'))
    )
    with op.batch_alter_table('procedure_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_drafts_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedure_drafts_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_events_actor_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_events_dossier_id_dossiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('dossier_id', 'seq', name='uq_events_dossier_seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_at', ['at'], unique=False)
        batch_op.create_index('ix_events_kind_at', ['kind', 'at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('topic', sa.String(length=30), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notifications_agency_id_agencies')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_notifications_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_notifications_recipient_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name='uq_notifications_key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_agency_created', ['agency_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_notifications_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('workflow_task_id', sa.String(length=36), nullable=False),
    sa.Column('step_id', sa.String(length=120), nullable=False),
    sa.Column('step_name', sa.String(length=255), nullable=False),
    sa.Column('lane', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('deadline', sa.String(length=20), nullable=False),
    sa.Column('ready_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('due_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('claimed_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('finished_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('working_minutes', sa.Integer(), nullable=True),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('procedure_name', sa.String(length=500), nullable=False),
    sa.Column('applicant_name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_tasks_agency_id_agencies')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tasks_assignee_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_tasks_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['finished_by_id'], ['users.id'], name=op.f('fk_tasks_finished_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_tasks_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('workflow_task_id', name='uq_tasks_workflow_task_id')
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_agency_state_finished', ['agency_id', 'state', 'finished_at'], unique=False)
        batch_op.create_index('ix_tasks_assignee', ['assignee_id', 'state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_tasks_pool', ['agency_id', 'role', 'state', 'due_at'], unique=False)
        batch_op.create_index('ix_tasks_state_due', ['state', 'due_at'], unique=False)
        batch_op.create_index('ix_tasks_unit', ['unit_id', 'state', 'due_at'], unique=False)

    op.create_table('deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('workflow_task_id', sa.String(length=36), nullable=True),
    sa.Column('due_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('done_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_deadlines_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_deadlines_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadlines'))
    )
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadlines_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_deadlines_pending', ['done_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadlines_task_id'), ['task_id'], unique=False)

    op.create_table('nonconformities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.String(length=120), nullable=False),
    sa.Column('raised_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('due_at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cause', sa.Text(), nullable=True),
    sa.Column('corrective_action', sa.Text(), nullable=True),
    sa.Column('action_recorded_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('action_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('closed_at', engine.db.types.UTCDateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_recorded_by_id'], ['users.id'], name=op.f('fk_nonconformities_action_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_nonconformities_agency_id_agencies')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_nonconformities_closed_by_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_nonconformities_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_nonconformities_task_id_tasks')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_nonconformities_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformities')),
    sa.UniqueConstraint('task_id', name='uq_nonconformities_task_id')
    )
    with op.batch_alter_table('nonconformities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonconformities_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformities_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_nonconformities_status_raised', ['status', 'raised_at'], unique=False)
        batch_op.create_index('ix_nonconformities_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('nonconformity_id', sa.Integer(), nullable=True),
    sa.Column('at', engine.db.types.UTCDateTime(), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_escalations_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformities.id'], name=op.f('fk_escalations_nonconformity_id_nonconformities')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_escalations_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    sa.UniqueConstraint('key', name='uq_escalations_key')
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index('ix_escalations_kind_dossier', ['kind', 'dossier_id'], unique=False)
        batch_op.create_index('ix_escalations_kind_nonconformity', ['kind', 'nonconformity_id'], unique=False)
        batch_op.create_index('ix_escalations_kind_task', ['kind', 'task_id'], unique=False)



    # procedures <-> procedure_versions reference each other: SQLite creates the use_alter key inline,
    # other databases need it added once both tables exist.
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key("fk_procedures_current_version", "procedures", "procedure_versions",
                              ["current_version_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_procedures_current_version", "procedures", type_="foreignkey")

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_kind_task')
        batch_op.drop_index('ix_escalations_kind_nonconformity')
        batch_op.drop_index('ix_escalations_kind_dossier')

    op.drop_table('escalations')
    with op.batch_alter_table('nonconformities', schema=None) as batch_op:
        batch_op.drop_index('ix_nonconformities_unit_status')
        batch_op.drop_index('ix_nonconformities_status_raised')
        batch_op.drop_index(batch_op.f('ix_nonconformities_dossier_id'))
        batch_op.drop_index(batch_op.f('ix_nonconformities_agency_id'))

    op.drop_table('nonconformities')
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadlines_task_id'))
        batch_op.drop_index('ix_deadlines_pending')
        batch_op.drop_index(batch_op.f('ix_deadlines_dossier_id'))

    op.drop_table('deadlines')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_unit')
        batch_op.drop_index('ix_tasks_state_due')
        batch_op.drop_index('ix_tasks_pool')
        batch_op.drop_index(batch_op.f('ix_tasks_dossier_id'))
        batch_op.drop_index('ix_tasks_assignee')
        batch_op.drop_index('ix_tasks_agency_state_finished')

    op.drop_table('tasks')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_due')
        batch_op.drop_index(batch_op.f('ix_notifications_dossier_id'))
        batch_op.drop_index('ix_notifications_agency_created')

    op.drop_table('notifications')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_kind_at')
        batch_op.drop_index('ix_events_at')

    op.drop_table('events')
    with op.batch_alter_table('procedure_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_drafts_procedure_id'))
        batch_op.drop_index(batch_op.f('ix_procedure_drafts_code'))

    op.drop_table('procedure_drafts')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_procedure_version_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_applicant_name'))
        batch_op.drop_index('ix_dossiers_agency_status_due')
        batch_op.drop_index('ix_dossiers_agency_resolved')
        batch_op.drop_index('ix_dossiers_agency_received')

    op.drop_table('dossiers')
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_roles_user_id'))

    op.drop_table('user_roles')
    op.drop_table('user_contacts')
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_versions_procedure_id'))
        batch_op.drop_index(batch_op.f('ix_procedure_versions_content_hash'))

    op.drop_table('procedure_versions')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('audit_log')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_unit_id'))
        batch_op.drop_index(batch_op.f('ix_users_agency_id'))

    op.drop_table('users')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_agency_id'))

    op.drop_table('units')
    op.drop_table('dossier_counters')
    op.drop_table('procedures')
    op.drop_table('calendar_days')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_parent_id'))

    op.drop_table('agencies')

