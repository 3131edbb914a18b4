"""Jobs: a bulk action on many cases runs as a job of kind 'bulk'

Revision ID: b8f4c6d0e325
Revises: a7e3b5c9d214
Create Date: 2026-12-02 00:05:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8f4c6d0e325'
down_revision = 'a7e3b5c9d214'
branch_labels = None
depends_on = None


def _kinds(values) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_jobs_job_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_jobs_job_kind'), f"kind IN ({listed})")


def upgrade():
    _kinds(('import', 'export', 'bulk'))


def downgrade():
    op.execute("DELETE FROM jobs WHERE kind = 'bulk'")
    _kinds(('import', 'export'))
