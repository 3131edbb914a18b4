"""Duplicate enterprises: a supervisor's decision on two cases of one enterprise

Revision ID: d2b6e8f0a547
Revises: c9a5d7e1f436
Create Date: 2026-12-02 00:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd2b6e8f0a547'
down_revision = 'c9a5d7e1f436'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'duplicate_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_a_id', sa.Integer(), nullable=False),
        sa.Column('case_b_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.Enum('distinct', 'merged', name='duplicate_decision',
                                      native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('kept_case_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('case_a_id < case_b_id', name=op.f('ck_duplicate_decisions_pair_in_order')),
        sa.ForeignKeyConstraint(['case_a_id'], ['cases.id'],
                                name=op.f('fk_duplicate_decisions_case_a_id_cases')),
        sa.ForeignKeyConstraint(['case_b_id'], ['cases.id'],
                                name=op.f('fk_duplicate_decisions_case_b_id_cases')),
        sa.ForeignKeyConstraint(['kept_case_id'], ['cases.id'],
                                name=op.f('fk_duplicate_decisions_kept_case_id_cases')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_duplicate_decisions_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_decisions')),
        sa.UniqueConstraint('case_a_id', 'case_b_id', name='uq_duplicate_decisions_pair'),
    )


def downgrade():
    op.drop_table('duplicate_decisions')
