"""indexes for national scale: the case list, its search and the pipeline

Revision ID: 5c2e7a9d4b18
Revises: 0b84272350fb
Create Date: 2026-11-30 13:10:00

- ix_cases_province_id_updated_at (province_id, updated_at) replaces ix_cases_province_id: the
  list filtered by province reads its first page in order from it;
- ix_cases_pipeline (province_id, state, kind, unit_id, target_members, state_changed_at,
  deadline): the pipeline's counts per province and state, members expected, stuck and overdue
  cases, read from the index alone;
- ix_cases_founded_on (state, founded_on, … founded_members): the unions founded in a year and
  their members, read from the founded cases alone;
- ix_cases_search_text: on PostgreSQL a trigram GIN index (pg_trgm, created here) that serves
  the search's `LIKE '%…%'`; on SQLite a plain index the search scans instead of the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c2e7a9d4b18'
down_revision = '0b84272350fb'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_province_id'))
        batch_op.create_index('ix_cases_province_id_updated_at', ['province_id', 'updated_at'],
                              unique=False)
        batch_op.create_index('ix_cases_pipeline',
                              ['province_id', 'state', 'kind', 'unit_id', 'target_members',
                               'state_changed_at', 'deadline'], unique=False)
        batch_op.create_index('ix_cases_founded_on',
                              ['state', 'founded_on', 'province_id', 'kind', 'unit_id',
                               'founded_members'], unique=False)
        batch_op.create_index('ix_cases_search_text', ['search_text'], unique=False,
                              postgresql_using='gin',
                              postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_search_text')
        batch_op.drop_index('ix_cases_founded_on')
        batch_op.drop_index('ix_cases_pipeline')
        batch_op.drop_index('ix_cases_province_id_updated_at')
        batch_op.create_index(batch_op.f('ix_cases_province_id'), ['province_id'], unique=False)
    # pg_trgm stays: other databases' objects may use it, and it is harmless
