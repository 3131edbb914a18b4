"""Working lists: a case list filter saved under a name, private or shared with a unit

Revision ID: a7e3b5c9d214
Revises: e9c1b5d7a3f4
Create Date: 2026-12-02 00:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7e3b5c9d214'
down_revision = 'e9c1b5d7a3f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'],
                                name=op.f('fk_saved_lists_owner_id_users')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_saved_lists_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_lists')),
    )
    with op.batch_alter_table('saved_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_lists_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_lists_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_lists_unit_id'))
        batch_op.drop_index(batch_op.f('ix_saved_lists_owner_id'))
    op.drop_table('saved_lists')
