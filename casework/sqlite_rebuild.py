"""Migrations that rebuild a table other tables point at, on SQLite.

Alembic's batch mode changes a constraint on SQLite by copying the table, dropping the old one
and renaming the copy. With foreign keys enforced (casework turns them on for every connection),
the drop fails: its implicit DELETE breaks the rows that refer to the table. The check is turned
off around the rebuild — outside a transaction, the only place SQLite's PRAGMA takes effect — and
every reference is verified before it is turned on again. PostgreSQL alters the table in place.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def foreign_keys_off(op):
    """`with foreign_keys_off(op): with op.batch_alter_table(...) ...` inside a migration."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    yield   # on an error the upgrade stops here, with nothing of this step committed
    broken = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).all()
    if broken:
        raise RuntimeError(f"the rebuild broke references: {broken[:10]}")
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys=ON")
