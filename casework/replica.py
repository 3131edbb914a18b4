"""The leadership dashboards' read-only queries, on a PostgreSQL replica when one is set.

With DASHBOARD_DATABASE_URL set, the pipeline, time-in-state and target-progress queries run on
a second engine bound to it (a streaming replica of the main database), so that leaders reading
big aggregates do not compete with organisers writing. Without it they use the main session.

A replica lags its primary by a moment: a number changed a second ago may not show yet. Nothing
is ever written through this session; on PostgreSQL its connections are read-only as well.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from casework.config import sqlalchemy_url
from casework.extensions import db, plan_each_statement

EXTENSION = "casework_dashboard_engine"


def configure(app: Flask) -> None:
    """An engine of its own for DASHBOARD_DATABASE_URL (not a Flask-SQLAlchemy bind: no model
    is mapped to it, and binds would be shared by every app of the process)."""
    url = sqlalchemy_url(app.config.get("DASHBOARD_DATABASE_URL"))
    if not url:
        return
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    app.extensions[EXTENSION] = engine = sa.create_engine(url, **options)
    plan_each_statement(engine)
    # the tests keep one app context open around many requests: close at each request's end
    app.teardown_request(_close)
    app.teardown_appcontext(_close)


def dashboard_engine() -> sa.Engine | None:
    return current_app.extensions.get(EXTENSION)


def dashboard_session() -> Session:
    """The session for the dashboards' reads: on the replica when set, else db.session."""
    engine = dashboard_engine()
    if engine is None:
        return db.session
    session = g.get("dashboard_session")
    if session is None:
        session = g.dashboard_session = Session(bind=engine, autoflush=False)
    return session


def _close(_exc=None) -> None:
    session = g.pop("dashboard_session", None)
    if session is not None:
        session.close()
