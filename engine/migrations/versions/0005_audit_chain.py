"""The security audit log becomes a hash chain (seq, prev_hash, hash; a one-row chain head), filled for the
entries already there in the order they were written; pending online submissions' reception checks get the
step deadline they lacked; a procedure may hold two versions of identical content (a retired version
re-imported is republished as a new version in force).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

RECEPTION_STEP = 'kiem_tra_tiep_nhan'  # engine.dossiers.online.RECEPTION_STEP when this was written


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    _chain_existing_entries()
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_audit_log_seq', ['seq'])
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_procedure_versions_hash', type_='unique')
    _reception_deadlines()


def _chain_existing_entries() -> None:
    """Every entry in the order written (id), chained exactly as engine.org.auditchain chains a new one."""
    from types import SimpleNamespace

    from engine.db.chain import GENESIS_HASH
    from engine.db.models import AuditEntry
    from engine.db.models.records import AUDIT_CHAIN_HEAD_ID
    from engine.org.auditchain import entry_hash

    bind = op.get_bind()
    table = AuditEntry.__table__  # its column types read instants as aware UTC and detail as JSON
    columns = [table.c.id, table.c.at, table.c.actor_id, table.c.actor_name, table.c.action, table.c.target,
               table.c.allowed, table.c.detail, table.c.agency_id]
    prev, seq, updates = GENESIS_HASH, 0, []
    for row in bind.execute(sa.select(*columns).order_by(table.c.id)).mappings():
        seq += 1
        entry = SimpleNamespace(**row, seq=seq)
        digest = entry_hash(prev, entry)
        updates.append({"entry_id": row["id"], "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    if updates:
        bind.execute(sa.update(table).where(table.c.id == sa.bindparam("entry_id"))
                     .values(seq=sa.bindparam("seq"), prev_hash=sa.bindparam("prev_hash"), hash=sa.bindparam("hash")),
                     updates)
    head = sa.table('audit_chain_head', sa.column('id'), sa.column('seq'), sa.column('hash'))
    bind.execute(sa.insert(head).values(id=AUDIT_CHAIN_HEAD_ID, seq=seq, hash=prev))


def _reception_deadlines() -> None:
    """An online submission waiting for the desk had no step deadline: give each its due time's deadline."""
    op.execute(sa.text(
        "INSERT INTO deadlines (dossier_id, kind, task_id, due_at, detail) "
        "SELECT t.dossier_id, 'step', t.id, t.due_at, '{}' FROM tasks t "
        "WHERE t.step_id = :step AND t.state IN ('ready', 'claimed') "
        "AND NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.task_id = t.id)"
    ).bindparams(step=RECEPTION_STEP))


def downgrade() -> None:
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_procedure_versions_hash', ['procedure_id', 'content_hash'])
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_log_seq', type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
