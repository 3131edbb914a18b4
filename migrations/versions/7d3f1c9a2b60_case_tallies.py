"""case tallies for the leadership pipeline

Revision ID: 7d3f1c9a2b60
Revises: b41760f3978c
Create Date: 2026-11-30 13:30:00

- case_tallies: cases and target members per (unit, province, kind, state), kept in the same
  transaction as every change to a case (casework.services.tallies); filled here from the
  existing cases with one INSERT ... SELECT ... GROUP BY;
- ix_cases_overdue (state, deadline, province_id, kind, unit_id): the overdue dossiers;
- ix_cases_state_changed_at (state, state_changed_at, province_id, kind, unit_id): the active
  cases that changed state recently (the pipeline's stuck = tallied active cases minus these).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3f1c9a2b60'
down_revision = 'b41760f3978c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_tallies',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('target_members', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'],
                            name=op.f('fk_case_tallies_province_id_provinces')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                            name=op.f('fk_case_tallies_unit_id_org_units')),
    sa.PrimaryKeyConstraint('unit_id', 'province_id', 'kind', 'state',
                            name=op.f('pk_case_tallies')),
    sqlite_with_rowid=False
    )
    op.execute(
        "INSERT INTO case_tallies (unit_id, province_id, kind, state, cases, target_members) "
        "SELECT unit_id, province_id, kind, state, count(*), coalesce(sum(target_members), 0) "
        "FROM cases GROUP BY unit_id, province_id, kind, state")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_overdue',
                              ['state', 'deadline', 'province_id', 'kind', 'unit_id'],
                              unique=False)
        batch_op.create_index('ix_cases_state_changed_at',
                              ['state', 'state_changed_at', 'province_id', 'kind', 'unit_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state_changed_at')
        batch_op.drop_index('ix_cases_overdue')
    op.drop_table('case_tallies')
