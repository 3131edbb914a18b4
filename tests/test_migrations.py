"""The committed migrations build, from empty, exactly the schema the models describe."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from casework import create_app
from casework.extensions import db
from casework import search_index
from conftest import TEST_DATABASE_URL, _database_url

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture
def empty_database_url(tmp_path, tmp_path_factory):
    """A brand-new database: a file on SQLite, a scratch database on the PostgreSQL server."""
    if not TEST_DATABASE_URL:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite")
        return
    server = sa.make_url(_database_url(tmp_path_factory))
    name = f"casework_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_name": search_index.include_name})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(directory=MIGRATIONS, revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_postgresql_refuses_to_change_the_audit_history(empty_database_url):
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO provinces (id, code, name, is_city) VALUES (1, '79', 'HCM', true);"
                "INSERT INTO org_units (id, code, name, type, path) "
                "VALUES (1, 'VGCL', 'VGCL', 'vgcl', '/1/');"
                "INSERT INTO cases (id, kind, state, version, unit_id, province_id, target_members,"
                " applications_vietnamese, applications_foreign, details, search_text, created_at,"
                " updated_at, state_changed_at) VALUES (1, 'grassroots', 'identified', 1, 1, 1, 0,"
                " 0, 0, '{}', '', now(), now(), now());"
                "INSERT INTO audit_entries (case_id, action, actor_name, actor_role, actor_unit,"
                " comment, data, created_at) VALUES (1, 'created', 'A', 'organiser', 'VGCL', '',"
                " '{}', now())"))
        for statement in ("UPDATE audit_entries SET comment = 'rewritten'",
                          "DELETE FROM audit_entries"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT comment FROM audit_entries")).scalar_one() == ""
        db.engine.dispose()
