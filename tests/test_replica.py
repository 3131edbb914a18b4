"""DASHBOARD_DATABASE_URL: the leadership dashboards read through a second engine (a replica in
production; here the same database), and everything else still uses the main one."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from casework import create_app
from casework.extensions import db
from casework.replica import dashboard_engine, dashboard_session
from tests.helpers import bearer, make_case, make_team


@pytest.fixture
def replica_app(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app({"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": None,
                        "SQLALCHEMY_DATABASE_URI": url, "DASHBOARD_DATABASE_URL": url,
                        "DEFAULT_LANGUAGE": "en", "RATELIMIT_ENABLED": False})
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()
        dashboard_engine().dispose()


class Statements:
    """The SQL each engine ran while recording."""

    def __init__(self, engines: dict):
        self.engines = engines
        self.by_engine = {name: [] for name in engines}

    def __enter__(self):
        for name, engine in self.engines.items():
            sa.event.listen(engine, "before_cursor_execute", self._recorder(name))
        return self

    def _recorder(self, name):
        def record(_conn, _cursor, statement, *_args):
            self.by_engine[name].append(statement)
        setattr(self, f"_listener_{name}", record)
        return record

    def __exit__(self, *exc):
        for name, engine in self.engines.items():
            sa.event.remove(engine, "before_cursor_execute", getattr(self, f"_listener_{name}"))


def test_without_the_setting_the_dashboards_use_the_main_session(app):
    assert dashboard_engine() is None
    assert dashboard_session() is db.session


def test_the_pipeline_reads_through_the_dashboard_engine(replica_app):
    team = make_team("LDLD-79")
    make_case(team.organiser)
    make_case(team.organiser)
    leader = team.vgcl_leader
    client = replica_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = leader.get_id()
        session["_fresh"] = True
    engines = {"main": db.engine, "dashboard": dashboard_engine()}
    assert engines["main"] is not engines["dashboard"]

    with Statements(engines) as page:
        response = client.get("/leadership/pipeline?by=province")
    assert response.status_code == 200
    assert "Hồ Chí Minh" in response.get_data(as_text=True)
    aggregation = [s for s in page.by_engine["dashboard"] if "GROUP BY" in s]
    assert aggregation, page.by_engine
    assert not [s for s in page.by_engine["main"] if "GROUP BY cases.province_id" in s]

    with Statements(engines) as api:
        response = client.get("/api/v1/pipeline?by=province", headers=bearer(leader))
    assert response.status_code == 200
    assert response.get_json()["totals"]["states"]["identified"] == 2
    assert any("GROUP BY" in s for s in api.by_engine["dashboard"])

    with Statements(engines) as targets:
        assert client.get("/leadership/targets").status_code == 200
    assert targets.by_engine["dashboard"]

    # the session is closed at the end of each request (no transaction left open)
    assert dashboard_session() is not None
    assert client.get("/leadership/timings").status_code == 200


def test_on_postgresql_the_dashboard_connections_are_read_only(replica_app):
    if dashboard_engine().dialect.name != "postgresql":
        pytest.skip("read-only connections are a PostgreSQL setting")
    reads = dashboard_session()
    try:
        with pytest.raises(DBAPIError, match="read-only"):
            reads.execute(sa.text("UPDATE org_units SET name = name"))
    finally:
        reads.rollback()
