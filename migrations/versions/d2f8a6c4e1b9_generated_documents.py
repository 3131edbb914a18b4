"""Generated documents: attachments may be drafts casework wrote, and the decisions the superior
union issues are filed on the case beside the dossier

Revision ID: d2f8a6c4e1b9
Revises: b7e3d9a1c5f2
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd2f8a6c4e1b9'
down_revision = 'b7e3d9a1c5f2'
branch_labels = None
depends_on = None

DOSSIER = ('cover_letter', 'member_list', 'congress_minutes', 'election_minutes',
           'committee_cvs', 'business_registration', 'workforce_report')
DECISIONS = ('recognition_decision', 'provisional_decision', 'announcement_record',
             'establishment_decision')


def _documents_check(batch_op, values) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    batch_op.drop_constraint(op.f('ck_attachments_attachment_document'), type_='check')
    batch_op.create_check_constraint(op.f('ck_attachments_attachment_document'),
                                     f"document IN ({listed})")


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        _documents_check(batch_op, DOSSIER + DECISIONS)


def downgrade():
    # the decisions' files stay on disk; their rows cannot be kept under the old checklist
    op.execute("DELETE FROM attachments WHERE document IN ("
               + ", ".join(f"'{v}'" for v in DECISIONS) + ")")
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        _documents_check(batch_op, DOSSIER)
        batch_op.drop_column('draft')
