"""Grassroots unions live on after their founding: the union row, its enterprises, its monthly
membership reports (revisions, never overwritten) and its append-only history (issue 14)

Revision ID: a14e7c2b9d05
Revises: e13a7c5b2d90
Create Date: 2026-12-01 22:13:07.074944

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a14e7c2b9d05'
down_revision = 'e13a7c5b2d90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('membership_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('managing_unit_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('opening', sa.Integer(), nullable=False),
    sa.Column('admitted_vietnamese', sa.Integer(), nullable=False),
    sa.Column('admitted_foreign', sa.Integer(), nullable=False),
    sa.Column('left_members', sa.Integer(), nullable=False),
    sa.Column('closing', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('closing = opening + admitted_vietnamese + admitted_foreign - left_members', name=op.f('ck_membership_reports_membership_adds_up')),
    sa.CheckConstraint('opening >= 0 AND closing >= 0 AND admitted_vietnamese >= 0 AND admitted_foreign >= 0 AND left_members >= 0', name=op.f('ck_membership_reports_membership_not_negative')),
    sa.ForeignKeyConstraint(['managing_unit_id'], ['org_units.id'], name=op.f('fk_membership_reports_managing_unit_id_org_units')),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'], name=op.f('fk_membership_reports_province_id_provinces')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_membership_reports_reported_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_membership_reports_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_reports')),
    sa.UniqueConstraint('unit_id', 'month', 'revision', name='uq_membership_revision')
    )
    with op.batch_alter_table('membership_reports', schema=None) as batch_op:
        batch_op.create_index('uq_membership_current', ['unit_id', 'month'], unique=True, sqlite_where=sa.text('current'), postgresql_where=sa.text('current'))

    op.create_table('membership_tallies',
    sa.Column('managing_unit_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('admitted_vietnamese', sa.BigInteger(), nullable=False),
    sa.Column('admitted_foreign', sa.BigInteger(), nullable=False),
    sa.Column('left_members', sa.BigInteger(), nullable=False),
    sa.Column('closing', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['managing_unit_id'], ['org_units.id'], name=op.f('fk_membership_tallies_managing_unit_id_org_units')),
    sa.PrimaryKeyConstraint('managing_unit_id', 'province_id', 'month', name=op.f('pk_membership_tallies'))
    )
    with op.batch_alter_table('membership_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_membership_tallies_month', ['month', 'managing_unit_id'], unique=False)

    op.create_table('union_tallies',
    sa.Column('managing_unit_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('unions', sa.Integer(), nullable=False),
    sa.Column('members_reported', sa.BigInteger(), nullable=False),
    sa.Column('members_unreported', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['managing_unit_id'], ['org_units.id'], name=op.f('fk_union_tallies_managing_unit_id_org_units')),
    sa.PrimaryKeyConstraint('managing_unit_id', 'province_id', name=op.f('pk_union_tallies'))
    )
    op.create_table('unit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('founded', 'renamed', 'transferred', 'dissolved', 'membership_reported', 'membership_corrected', name='unit_event_action', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor_unit', sa.String(length=40), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_unit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_unit_events_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_events'))
    )
    with op.batch_alter_table('unit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_events_unit_id'), ['unit_id'], unique=False)

    op.create_table('grassroots_unions',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('chair', sa.String(length=200), nullable=False),
    sa.Column('committee', sa.JSON(), nullable=False),
    sa.Column('decision_number', sa.String(length=200), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('signer', sa.String(length=200), nullable=True),
    sa.Column('founded_on', sa.Date(), nullable=False),
    sa.Column('founding_members', sa.Integer(), nullable=False),
    sa.Column('dissolved_on', sa.Date(), nullable=True),
    sa.Column('dissolution_reason', sa.String(length=500), nullable=False),
    sa.Column('members_now', sa.Integer(), nullable=False),
    sa.Column('last_month', sa.Date(), nullable=True),
    sa.Column('members_at_dissolution', sa.Integer(), nullable=True),
    sa.CheckConstraint('founding_members >= 0', name=op.f('ck_grassroots_unions_union_founders_not_negative')),
    sa.CheckConstraint('members_now >= 0', name=op.f('ck_grassroots_unions_union_members_not_negative')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_grassroots_unions_case_id_cases')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_grassroots_unions_unit_id_org_units')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_grassroots_unions')),
    sa.UniqueConstraint('case_id', name=op.f('uq_grassroots_unions_case_id'))
    )
    with op.batch_alter_table('grassroots_unions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grassroots_unions_dissolved_on'), ['dissolved_on'], unique=False)

    op.create_table('grassroots_union_enterprises',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_grassroots_union_enterprises_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['unit_id'], ['grassroots_unions.unit_id'], name=op.f('fk_grassroots_union_enterprises_unit_id_grassroots_unions')),
    sa.PrimaryKeyConstraint('unit_id', 'enterprise_id', name=op.f('pk_grassroots_union_enterprises'))
    )


def downgrade():
    op.drop_table('grassroots_union_enterprises')
    with op.batch_alter_table('grassroots_unions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grassroots_unions_dissolved_on'))
    op.drop_table('grassroots_unions')
    with op.batch_alter_table('unit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_events_unit_id'))

    op.drop_table('unit_events')
    op.drop_table('membership_tallies')
    op.drop_table('union_tallies')
    with op.batch_alter_table('membership_reports', schema=None) as batch_op:
        batch_op.drop_index('uq_membership_current', sqlite_where=sa.text('current'), postgresql_where=sa.text('current'))

    op.drop_table('membership_reports')
