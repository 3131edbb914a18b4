"""`flask backup` writes a backup that restores every record."""
from __future__ import annotations

from datetime import date

import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import AuditEntry, Case, OrgUnit, Step, User
from casework.services.cases import create_case
from casework.services.steps import log_step
from tests.helpers import enterprise, new_user

COUNTED = (Case, Step, AuditEntry, User, OrgUnit)


def _counts(connection) -> dict:
    return {m.__tablename__: connection.execute(
        sa.select(sa.func.count()).select_from(m.__table__)).scalar_one() for m in COUNTED}


def _some_records():
    organiser = new_user("organiser", "LDLD-79")
    for i in range(3):
        case = create_case(organiser, kind="grassroots", unit="LDLD-79",
                           enterprises=[enterprise(f"Công ty Đồng Tháp {i}")])
        log_step(case, organiser, kind="worker_meeting", date_=date(2026, 1, 5),
                 applications_vietnamese=2 + i, note="Họp công nhân")
    db.session.commit()


def _restore(backup_path, url: sa.URL) -> sa.URL:
    """Restore into a fresh database and return its URL."""
    if url.get_backend_name() == "sqlite":
        return sa.make_url(f"sqlite:///{backup_path}")
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore not installed")
    name = f"casework_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    restored = url.set(database=name)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error",
                    f"--dbname={restored.set(drivername='postgresql').render_as_string(hide_password=False)}",
                    str(backup_path)], check=True, capture_output=True)
    return restored


def test_backup_restores_every_record(runner, tmp_path):
    _some_records()
    with db.engine.connect() as conn:
        expected = _counts(conn)
    target = tmp_path / "backup.bin"

    result = runner.invoke(args=["backup", "--output", str(target)])

    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    restored_url = _restore(target, db.engine.url)
    engine = sa.create_engine(restored_url)
    try:
        with engine.connect() as conn:
            assert _counts(conn) == expected
            names = conn.execute(sa.text("SELECT name FROM enterprises ORDER BY name")).scalars()
            assert list(names) == [f"Công ty Đồng Tháp {i}" for i in range(3)]
    finally:
        engine.dispose()
        if restored_url.get_backend_name() == "postgresql":
            admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored_url.database}" WITH (FORCE)'))
            admin.dispose()
