"""audit history: PostgreSQL refuses TRUNCATE too (a statement-level trigger)

Revision ID: c4d8e2a6f1b3
Revises: c4e9a7d2f1b8
Create Date: 2026-12-01 19:30:00
"""
from alembic import op

revision = "c4d8e2a6f1b3"
down_revision = "c4e9a7d2f1b8"
branch_labels = None
depends_on = None


def upgrade():
    # The row triggers of b7c1f0a2e9d4 do not fire on TRUNCATE, which empties the table at once
    # (also as TRUNCATE cases CASCADE). The same function refuses it; TG_OP names it.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE TRIGGER audit_entries_no_truncate
        BEFORE TRUNCATE ON audit_entries
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
