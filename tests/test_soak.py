"""The race soak's own helpers (fast, no server, no database).

The soak itself runs outside pytest, in CI:
    python scripts/soak.py --clients 4 --seconds 20
"""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest
from stdnum.vn import mst

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "soak.py"


@pytest.fixture(scope="module")
def soak():
    spec = importlib.util.spec_from_file_location("soak_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_tax_codes_are_valid(soak):
    rng = random.Random(1)
    codes = {soak.tax_code(rng) for _ in range(300)}
    assert all(mst.is_valid(code) and len(code) == 10 for code in codes)
    assert len(codes) > 290


def test_refuses_databases_other_people_use(soak):
    for name in ("test", "test_main", "test_ui", "test_core", "test_lead", "test_visits"):
        with pytest.raises(SystemExit):
            soak.main(["--database-url", f"postgresql://postgres@127.0.0.1:5432/{name}"])


def test_admin_url_points_at_the_maintenance_database(soak):
    url = "postgresql+psycopg://u:p@db.local:5433/casework_soak?sslmode=disable"
    assert soak.database_name(url) == "casework_soak"
    assert soak.admin_url(url) == "postgresql://u:p@db.local:5433/postgres?sslmode=disable"
    assert soak.plain_url(url) == "postgresql://u:p@db.local:5433/casework_soak?sslmode=disable"


def test_error_blocks_are_cut_to_the_project_frames(soak):
    root = str(soak.ROOT)
    log = "\n".join([
        "[2026-01-01 00:00:00 +0000] [1] [INFO] Booting worker with pid: 2",
        "[2026-01-01 00:00:01,000] ERROR in app: Exception on /api/v1/cases/1/transitions [POST]",
        "Traceback (most recent call last):",
        f'  File "{root}/.venv/lib/python3.11/site-packages/flask/app.py", line 1, in wsgi_app',
        "    response = self.full_dispatch_request()",
        f'  File "{root}/casework/services/transitions.py", line 104, in apply_transition',
        "    for link in case.links:",
        "sqlalchemy.orm.exc.StaleDataError: UPDATE statement on table 'cases' expected ...",
        "[2026-01-01 00:00:02 +0000] [1] [INFO] Handling signal: term",
    ])
    blocks = soak.tracebacks(log)
    assert len(blocks) == 1
    assert soak.app_frames(blocks[0]) == [
        "[2026-01-01 00:00:01,000] ERROR in app: Exception on /api/v1/cases/1/transitions [POST]",
        f'  File "{root}/casework/services/transitions.py", line 104, in apply_transition',
        "    for link in case.links:",
        "sqlalchemy.orm.exc.StaleDataError: UPDATE statement on table 'cases' expected ...",
    ]
