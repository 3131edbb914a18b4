"""Escalations: overdue recognitions and stuck cases sent to the unit above

Revision ID: c9a5d7e1f436
Revises: b8f4c6d0e325
Create Date: 2026-12-02 00:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9a5d7e1f436'
down_revision = 'b8f4c6d0e325'
branch_labels = None
depends_on = None

# as helper G's migration e13a7c5b2d90 left them
KINDS = ('approval_requested', 'approval_decided', 'overdue_digest', 'application_received')


def _kinds(values) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notification_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notification_kind'),
                                         f"kind IN ({listed})")


def upgrade():
    op.create_table(
        'escalations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Enum('overdue', 'stuck', name='escalation_reason',
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=30), nullable=False),
        sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_escalations_case_id_cases')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_escalations_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_case_id'), ['case_id'], unique=False)
        batch_op.create_index('uq_escalations_live', ['case_id', 'reason'], unique=True,
                              sqlite_where=sa.text('ended_at IS NULL'),
                              postgresql_where=sa.text('ended_at IS NULL'))
    _kinds(KINDS + ('escalation',))


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'escalation'")
    _kinds(KINDS)
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('uq_escalations_live')
        batch_op.drop_index(batch_op.f('ix_escalations_case_id'))
    op.drop_table('escalations')
