"""audit history append-only in the database: PostgreSQL refuses UPDATE and DELETE

Revision ID: b7c1f0a2e9d4
Revises: d3a3e838abdb
Create Date: 2026-11-25 14:30:00
"""
from alembic import op

revision = "b7c1f0a2e9d4"
down_revision = "d3a3e838abdb"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite has no such triggers worth relying on; the ORM refuses changes there too.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER audit_entries_append_only
        BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
    op.execute("DROP FUNCTION IF EXISTS audit_entries_refuse_change()")
