"""users session generation

Revision ID: c9d4e2a7f1b3
Revises: 6c26f57f3b24
Create Date: 2026-12-01 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d4e2a7f1b3'
down_revision = '6c26f57f3b24'
branch_labels = None
depends_on = None


def upgrade():
    # existing sessions carried a bare id, which no longer signs in: everyone logs in once more
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
