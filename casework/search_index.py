"""Substring search of the cases on SQLite: an FTS5 index of `cases.search_text` with the trigram
tokenizer (PostgreSQL has its own trigram index, pg_trgm, on the column itself).

A `LIKE '%…%'` reads all 200,000 search texts of the national data set, twice per list page
(the page and its count); the trigram index finds the few candidate rows directly. The index is
a table of its own (`case_search`, rowid = the case id) kept by triggers on `cases`, so every
writer — the ORM, the bulk import, the national seeder — keeps it without knowing of it. The
candidates are checked against the column again, so results are exactly those of the LIKE.
The index is asked first; a text it finds in more than PROBE cases is common, and the list then
scans in its own order instead, stopping at the page (25 rows of a common text come quickly).
An SQLite built without the trigram tokenizer (before 3.34) keeps the LIKE scan.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

TABLE = "case_search"
MIN_LENGTH = 3          # a trigram index matches substrings of three characters or more
PROBE = 500             # more matches than this: the text is common, scan instead

CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON cases BEGIN "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE OF search_text ON cases BEGIN "
    f"UPDATE {TABLE} SET search_text = new.search_text WHERE rowid = old.id; END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON cases BEGIN "
    f"DELETE FROM {TABLE} WHERE rowid = old.id; END",
)
DROP = tuple(f"DROP TRIGGER IF EXISTS {TABLE}_{event}" for event in ("insert", "update", "delete")) \
    + (f"DROP TABLE IF EXISTS {TABLE}",)
FILL = f"INSERT INTO {TABLE}(rowid, search_text) SELECT id, search_text FROM cases"


def is_index_table(name: str) -> bool:
    """The index and FTS5's own tables: not part of the models (Alembic leaves them alone)."""
    return name == TABLE or name.startswith(TABLE + "_")


def include_name(name, type_, _parent_names) -> bool:
    """Alembic's filter (migrations/env.py, the migration test): the index is made by its
    migration, not described by the models."""
    return not (type_ == "table" and is_index_table(name))


def create(connection, *, fill: bool = False) -> bool:
    """Create the index (and fill it from the cases) on SQLite; False where it cannot be."""
    if connection.dialect.name != "sqlite":
        return False
    try:
        with connection.begin_nested():
            for statement in CREATE:
                connection.exec_driver_sql(statement)
            if fill:
                connection.exec_driver_sql(f"DELETE FROM {TABLE}")
                connection.exec_driver_sql(FILL)
    except sa.exc.OperationalError:         # no FTS5 or no trigram tokenizer in this SQLite
        return False
    return True


def drop(connection) -> None:
    if connection.dialect.name == "sqlite":
        for statement in DROP:
            connection.exec_driver_sql(statement)


def after_create(_table, connection, **_kw) -> None:
    """`create_all` (the tests) builds the index with the cases table, as the migration does."""
    create(connection)


def _available(session) -> bool:
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    known = current_app.extensions.setdefault("casework_search_index", {})
    key = str(bind.url)
    if key not in known:
        known[key] = sa.inspect(bind).has_table(TABLE)
    return known[key]


def candidates(session, key: str) -> list[int] | None:
    """The ids of the cases whose search text contains `key` when they are few (at most
    PROBE: a name, a tax code), from the index; None when the index cannot say, or when the
    text is common (then a scan in the list's own order finds a page of them sooner than the
    index lists them all: "cong ty" is in nearly every case)."""
    if len(key) < MIN_LENGTH or not _available(session):
        return None
    phrase = '"' + key.replace('"', '""') + '"'           # FTS5 syntax: one quoted string
    index = sa.table(TABLE, sa.column("rowid"))
    ids = session.scalars(sa.select(index.c.rowid)
                          .where(sa.literal_column(TABLE).op("MATCH")(phrase))
                          .limit(PROBE + 1)).all()
    return ids if len(ids) <= PROBE else None
