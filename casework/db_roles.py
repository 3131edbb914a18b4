"""The PostgreSQL role the app runs as: it owns nothing and holds only the grants it needs.

The owner role (the one that runs `flask db upgrade`) owns the tables, so only it could alter
them or disable the audit history's triggers. The app's role may read and write the app's
tables, except the audit history, which it may only read and append to; no TRUNCATE anywhere,
no DDL (it owns nothing). `flask db grant-app-role ROLE`, run as the owner after each upgrade,
sets exactly these grants (it revokes first, so running it again changes nothing).
"""
from __future__ import annotations

import sqlalchemy as sa

from casework.extensions import db
from casework.models import AuditEntry

APPEND_ONLY = {AuditEntry.__tablename__}
# read only: pg_dump (`flask backup`) reads every table, and what version the schema is at
READ_ONLY = {"alembic_version"}


class RoleRefused(Exception):
    pass


def grant_app_role(conn: sa.Connection, role: str) -> list[str]:
    """Sets the app role's grants on the current schema; returns the statements run."""
    if conn.dialect.name != "postgresql":
        raise RoleRefused("database roles are PostgreSQL's: SQLite has none to grant")
    facts = conn.execute(sa.text(
        "SELECT rolsuper, current_schema() FROM pg_roles WHERE rolname = :role"),
        {"role": role}).first()
    if facts is None:
        raise RoleRefused(f"no role {role!r}: create it first (CREATE ROLE ... LOGIN)")
    superuser, schema = facts
    tables = [t.name for t in db.metadata.sorted_tables] + sorted(READ_ONLY)
    present = set(conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    if missing := [t for t in tables if t not in present]:
        raise RoleRefused(f"tables missing ({', '.join(missing)}): run `flask db upgrade` first")
    # a member of a table's owner holds the owner's rights (ALTER, DISABLE TRIGGER)
    owning = conn.execute(sa.text(
        "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(:tables) "
        "AND pg_has_role(:role, c.relowner, 'USAGE')"),
        {"role": role, "tables": tables}).scalars().all()
    if superuser or owning:
        raise RoleRefused(f"{role!r} " + ("is a superuser" if superuser else
                          f"owns the tables, or is a member of their owner {', '.join(owning)}")
                          + ": the app's role must own nothing; create a role of its own")
    quote = conn.dialect.identifier_preparer.quote
    grantee, in_schema = quote(role), quote(schema)
    statements = [f"GRANT USAGE ON SCHEMA {in_schema} TO {grantee}"]
    for table in tables:
        name = f"{in_schema}.{quote(table)}"
        rights = ("SELECT" if table in READ_ONLY else "SELECT, INSERT" if table in APPEND_ONLY
                  else "SELECT, INSERT, UPDATE, DELETE")
        statements += [f"REVOKE ALL ON {name} FROM {grantee}",
                       f"GRANT {rights} ON {name} TO {grantee}"]
    # the ids: nextval needs USAGE; pg_dump reads each sequence's state, which needs SELECT
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {in_schema} TO {grantee}")
    for statement in statements:
        conn.execute(sa.text(statement))
    return statements
