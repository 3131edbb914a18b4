"""jobs.heartbeat_at: a running job says it is alive; one silent too long is swept to failed

Revision ID: c4e9a7d2f1b8
Revises: c9d4e2a7f1b3
Create Date: 2026-12-01 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e9a7d2f1b8'
down_revision = 'c9d4e2a7f1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
