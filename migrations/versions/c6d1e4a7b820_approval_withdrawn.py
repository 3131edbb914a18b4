"""Approval requests: the requester may withdraw a pending one (status 'withdrawn')

Revision ID: c6d1e4a7b820
Revises: c4d8e2a6f1b3
Create Date: 2026-12-02 10:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c6d1e4a7b820'
down_revision = 'c4d8e2a6f1b3'
branch_labels = None
depends_on = None

STATUSES = ('pending', 'approved', 'rejected', 'superseded')
ACTIONS = ('created', 'transition', 'approval_requested', 'approval_decided', 'reassigned',
           'edited')


def _replace_check(table: str, name: str, column: str, values) -> None:
    # an Enum's CHECK constraint, named by the metadata's convention; batch mode rebuilds the
    # table on SQLite, alters it in place on PostgreSQL
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), f"{column} IN ({listed})")


def upgrade():
    _replace_check('approval_requests', 'approval_status', 'status', STATUSES + ('withdrawn',))
    _replace_check('audit_entries', 'audit_action', 'action', ACTIONS + ('approval_withdrawn',))


def downgrade():
    # the history is append-only: a database that holds a withdrawal cannot go back
    _replace_check('audit_entries', 'audit_action', 'action', ACTIONS)
    op.execute("UPDATE approval_requests SET status = 'superseded' WHERE status = 'withdrawn'")
    _replace_check('approval_requests', 'approval_status', 'status', STATUSES)
