"""The scanned application form of one worker: an attachment kind of its own (not a dossier
checklist item) and the audit action that records its upload, opening and deletion

Revision ID: f4b8e1c2a7d3
Revises: d2b6e8f0a547
Create Date: 2026-12-01 23:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f4b8e1c2a7d3'
down_revision = 'd2b6e8f0a547'
branch_labels = None
depends_on = None

# the dossier's checklist and the decisions filed beside it (d2f8a6c4e1b9)
DOCUMENTS = ('cover_letter', 'member_list', 'congress_minutes', 'election_minutes',
             'committee_cvs', 'business_registration', 'workforce_report',
             'recognition_decision', 'provisional_decision', 'announcement_record',
             'establishment_decision')
ACTIONS = ('created', 'transition', 'approval_requested', 'approval_decided', 'reassigned',
           'edited', 'approval_withdrawn', 'application_added', 'application_status',
           'register_viewed', 'register_exported', 'application_erased', 'application_link')


def _replace_check(table: str, name: str, column: str, values) -> None:
    # an Enum's CHECK constraint, named by the metadata's convention (as in e13a7c5b2d90)
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), f"{column} IN ({listed})")


def upgrade():
    _replace_check('attachments', 'attachment_document', 'document',
                   DOCUMENTS + ('application_form',))
    _replace_check('audit_entries', 'audit_action', 'action', ACTIONS + ('application_form',))


def downgrade():
    _replace_check('audit_entries', 'audit_action', 'action', ACTIONS)
    _replace_check('attachments', 'attachment_document', 'document', DOCUMENTS)
