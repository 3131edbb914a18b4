"""SQLite: an FTS5 trigram index of the cases' search text (PostgreSQL has pg_trgm's)

Revision ID: e5a8c2f4b913
Revises: 7d3f1c9a2b60
Create Date: 2026-11-30 13:45:00

"""
from alembic import op

from casework import search_index


# revision identifiers, used by Alembic.
revision = 'e5a8c2f4b913'
down_revision = '7d3f1c9a2b60'
branch_labels = None
depends_on = None


def upgrade():
    # filled from the cases already there; nothing on PostgreSQL or an SQLite without trigrams
    search_index.create(op.get_bind(), fill=True)


def downgrade():
    search_index.drop(op.get_bind())
