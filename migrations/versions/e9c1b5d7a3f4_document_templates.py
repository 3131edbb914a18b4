"""A unit's own document templates, every upload a version

Revision ID: e9c1b5d7a3f4
Revises: d2f8a6c4e1b9
Create Date: 2026-12-01 23:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e9c1b5d7a3f4'
down_revision = 'd2f8a6c4e1b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'],
                                name=op.f('fk_document_templates_unit_id_org_units')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_document_templates_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_templates')),
        sa.UniqueConstraint('unit_id', 'type', 'version',
                            name='uq_document_templates_unit_type_version'))


def downgrade():
    op.drop_table('document_templates')
