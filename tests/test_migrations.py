"""The committed migrations build, from empty, exactly the schema the models describe."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from casework import clock, create_app
from casework.config import sqlalchemy_url
from casework.extensions import db
from casework import search_index
from casework.models import AuditEntry
from casework.services.backup import backup_database
from casework.services.cases import create_case
from casework.services.reference import seed_reference
from casework.services.users import create_user
from tests.conftest import TEST_DATABASE_URL, _database_url
from tests.helpers import PASSWORD, enterprise

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


BEFORE_ISSUE_10 = "e5a8c2f4b913"   # the head before the organisation tree's constraints
TREE = ("INSERT INTO org_units (id, code, name, type, parent_id, path) VALUES "
        "(1, 'VGCL', 'VGCL', 'vgcl', NULL, '/1/'), "
        "(2, 'LDLD-79', 'LĐLĐ HCM', 'provincial_federation', 1, '/1/2/'), "
        "(3, 'CD-XA-79', 'Công đoàn phường', 'commune_union', 2, '/1/2/3/')",
        "INSERT INTO users (id, email, name, password_hash, role, unit_id, active, created_at) "
        "VALUES (1, 'lead@test.vn', 'Lead', 'x', 'leader', 3, true, CURRENT_TIMESTAMP)")


def _at_revision(url: str, revision: str, statements) -> None:
    """The database at an older revision, with some rows in it."""
    upgrade(directory=MIGRATIONS, revision=revision)
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))


def test_upgrade_keeps_a_sound_tree_and_stops_at_a_second_vgcl(empty_database_url, capfd):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        _at_revision(empty_database_url, BEFORE_ISSUE_10, TREE + (
            "UPDATE org_units SET type = 'vgcl' WHERE code = 'CD-XA-79'",))
        with pytest.raises(SystemExit):     # flask-migrate logs the error and exits
            upgrade(directory=MIGRATIONS)
        assert "These units break it: CD-XA-79" in capfd.readouterr().err
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE org_units SET type = 'commune_union' "
                                 "WHERE code = 'CD-XA-79'"))
        upgrade(directory=MIGRATIONS)   # users point at the rebuilt table: all kept, all checked
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT unit_id FROM users")).scalar_one() == 3
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text("UPDATE org_units SET type = 'vgcl' WHERE id = 3"))
            conn.rollback()
            if conn.dialect.name == "sqlite":
                assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        downgrade(directory=MIGRATIONS, revision="base")
        db.engine.dispose()


CASE_COLUMNS = ("kind, state, version, unit_id, province_id, target_members, "
                "applications_vietnamese, applications_foreign, details, search_text, created_at, "
                "updated_at, state_changed_at")
SHARED_ENTERPRISE = TREE + (
    "INSERT INTO provinces (id, code, name, is_city) VALUES (1, '79', 'HCM', true)",
    # ids from the sequence (1 and 2), so the migration's copies get the next ones
    "INSERT INTO enterprises (name, tax_code, province_id, ownership, workforce, search_text) "
    "VALUES ('Công ty Đổi Tên', '0100109106', 1, 'private', 7, 'x')",
    "INSERT INTO enterprises (name, tax_code, province_id, ownership, workforce, search_text) "
    "VALUES ('Công ty Khác', '0300588569', 1, 'private', 9, 'y')",
    *(f"INSERT INTO cases (id, {CASE_COLUMNS}) VALUES ({case_id}, 'grassroots', '{state}', 1, "
      f"3, 1, 0, 0, 0, '{{}}', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
      for case_id, state in ((1, "closed"), (2, "identified"), (3, "identified"))),
    "INSERT INTO case_enterprises (case_id, enterprise_id, position, active) VALUES "
    "(1, 1, 0, false), (2, 1, 0, true), (3, 2, 0, true)")


def test_upgrade_gives_each_case_its_own_enterprise_rows(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        _at_revision(empty_database_url, BEFORE_ISSUE_10, SHARED_ENTERPRISE)
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            links = conn.execute(sa.text(
                "SELECT l.case_id, l.tax_code, e.id, e.name, e.workforce FROM case_enterprises l "
                "JOIN enterprises e ON e.id = l.enterprise_id ORDER BY l.case_id")).all()
            assert [(c, t, n, w) for c, t, _id, n, w in links] == [
                (1, "0100109106", "Công ty Đổi Tên", 7), (2, "0100109106", "Công ty Đổi Tên", 7),
                (3, "0300588569", "Công ty Khác", 9)]
            assert links[0][2] == 1 and len({link[2] for link in links}) == 3
            with pytest.raises(sa.exc.IntegrityError):   # still one active case per tax code
                conn.execute(sa.text("UPDATE case_enterprises SET active = true "
                                     "WHERE case_id = 1"))
            conn.rollback()
        downgrade(directory=MIGRATIONS, revision=BEFORE_ISSUE_10)
        with db.engine.connect() as conn:
            copy = links[1][2]    # the newest row of the tax code is the one kept
            assert conn.execute(sa.text(
                "SELECT case_id, enterprise_id FROM case_enterprises ORDER BY case_id")
            ).all() == [(1, copy), (2, copy), (3, 2)]
            assert conn.execute(sa.text("SELECT count(*) FROM enterprises")).scalar() == 2
        downgrade(directory=MIGRATIONS, revision="base")
        db.engine.dispose()

@pytest.fixture
def owner_and_app_role(tmp_path_factory):
    """A scratch database owned by a role of its own, and a second role, the app's, owning
    nothing: (owner's URL, app's URL, the app role's name)."""
    if not TEST_DATABASE_URL:
        pytest.skip("database roles and grants are PostgreSQL's")
    server = sa.make_url(_database_url(tmp_path_factory))
    suffix = uuid.uuid4().hex[:8]
    owner, app_role, name = (f"casework_owner_{suffix}", f"casework_app_{suffix}",
                             f"casework_roles_{suffix}")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{owner}" LOGIN; CREATE ROLE "{app_role}" LOGIN'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    try:
        yield tuple(server.set(username=role, database=name).render_as_string(hide_password=False)
                    for role in (owner, app_role)) + (app_role,)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{app_role}"; '
                                 f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def _refused(engine, statement: str, match: str) -> None:
    with pytest.raises(sa.exc.DBAPIError, match=match):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))


def test_the_app_role_works_but_no_one_can_erase_the_audit_history(owner_and_app_role, tmp_path):
    as_owner, as_app, app_role = owner_and_app_role
    owner_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": as_owner})
    with owner_app.app_context():
        upgrade(directory=MIGRATIONS)
        runner = owner_app.test_cli_runner()
        result = runner.invoke(args=["db", "grant-app-role", app_role])
        assert result.exit_code == 0, result.output
        owner = sa.make_url(as_owner).username
        refused = runner.invoke(args=["db", "grant-app-role", owner])
        assert refused.exit_code == 1 and "must own nothing" in refused.output
        db.engine.dispose()

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": as_app})
    with app.app_context():
        # the app at work as its role: reference data, a user, a case and its history
        seed_reference(years=[clock.today().year])
        organiser = create_user(email="organiser@test.vn", name="Organiser", role="organiser",
                                unit_code="LDLD-79", password=PASSWORD)
        create_case(organiser, kind="grassroots", unit="LDLD-79", enterprises=[enterprise()])
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
        db.session.remove()
        for statement, match in (
                ("TRUNCATE audit_entries", "permission denied"),
                ("TRUNCATE cases CASCADE", "permission denied"),
                ("UPDATE audit_entries SET comment = 'rewritten'", "permission denied"),
                ("DELETE FROM audit_entries", "permission denied"),
                ("ALTER TABLE audit_entries DISABLE TRIGGER USER", "must be owner"),
                ("DROP TRIGGER audit_entries_no_truncate ON audit_entries", "must be owner"),
                ("CREATE TABLE erased (id int)", "permission denied")):
            _refused(db.engine, statement, match)
        # `flask backup` (pg_dump) runs as the app's role
        assert backup_database(as_app, tmp_path / "casework.dump").stat().st_size > 0
        db.engine.dispose()

    # the owner could alter the table, but its TRUNCATE is stopped by the trigger
    owner_engine = sa.create_engine(sqlalchemy_url(as_owner))
    for statement in ("TRUNCATE audit_entries", "TRUNCATE cases CASCADE"):
        _refused(owner_engine, statement, "append-only: TRUNCATE refused")
    with owner_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar_one() == 1
    owner_engine.dispose()
