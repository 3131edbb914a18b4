"""The register of decision numbers: a counter per issuing unit and year, the numbers issued,
and a unit's own suffix

Revision ID: b7e3d9a1c5f2
Revises: a14e7c2b9d05
Create Date: 2026-12-01 23:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b7e3d9a1c5f2'
down_revision = 'a14e7c2b9d05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'decision_counters',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_decision_counters_unit_id_org_units')),
        sa.PrimaryKeyConstraint('unit_id', 'year', name=op.f('pk_decision_counters')))
    op.create_table(
        'decision_numbers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=60), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=40), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_decision_numbers_case_id_cases')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'],
                                name=op.f('fk_decision_numbers_issued_by_id_users')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_decision_numbers_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_numbers')),
        sa.UniqueConstraint('unit_id', 'year', 'number',
                            name='uq_decision_numbers_unit_year_number'))
    op.create_index(op.f('ix_decision_numbers_case_id'), 'decision_numbers', ['case_id'])
    op.create_table(
        'unit_decision_suffixes',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('suffix', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_unit_decision_suffixes_unit_id_org_units')),
        sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_decision_suffixes')))


def downgrade():
    op.drop_table('unit_decision_suffixes')
    op.drop_index(op.f('ix_decision_numbers_case_id'), table_name='decision_numbers')
    op.drop_table('decision_numbers')
    op.drop_table('decision_counters')
