"""casework: the campaign to found grassroots trade unions, one case at a time."""
from __future__ import annotations

import os

from flask import Flask

from casework import jobs
from casework.config import INSTANCE_DIR, Config
from casework.observability import init_observability
from casework.security import init_security


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_path=str(INSTANCE_DIR))
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    init_observability(app)  # first: the request id exists before any other hook runs
    register_extensions(app)
    register_tasks()
    register_blueprints(app)
    init_security(app)
    register_operations(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from sqlalchemy import event

    from casework import models  # noqa: F401  (every model on the metadata)
    from casework.extensions import (babel, bootstrap, csrf, db, login_manager, migrate,
                                     plan_each_statement)
    from casework.i18n import select_locale
    from casework.replica import configure as configure_dashboard_replica

    db.init_app(app)
    from casework.services.tallies import register as register_tallies
    register_tallies()  # the case tallies follow every flush (once per process)
    configure_dashboard_replica(app)  # DASHBOARD_DATABASE_URL: a second engine, for reads
    migrate.init_app(app, db, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from flask_babel import get_locale
    app.jinja_env.globals["get_locale"] = get_locale
    bootstrap.init_app(app)
    from casework.static_files import init_static_files
    init_static_files(app)

    with app.app_context():
        plan_each_statement(db.engine)
        if db.engine.dialect.name == "sqlite":
            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA busy_timeout=5000")
                # readers never block the writer: a background job reports its progress while
                # a request (or the job itself) reads
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.close()


def register_tasks() -> None:
    from casework import tasks  # noqa: F401  (each task registers its name with casework.jobs)


def register_blueprints(app: Flask) -> None:
    from casework.routing import init_routing
    init_routing(app)  # the id converter, before any rule is added; the query-string check
    from casework.api import bp as api_bp
    from casework.views.admin import bp as admin_bp
    from casework.views.approvals import bp as approvals_bp
    from casework.views.auth import bp as auth_bp
    from casework.views.cases import bp as cases_bp
    from casework.views.filters import bp as filters_bp
    from casework.views.leadership import bp as leadership_bp
    from casework.views.visits import bp as visits_bp
    from casework.views.workflow import bp as workflow_bp

    app.register_blueprint(filters_bp)   # the template filters and context, app-wide
    app.register_blueprint(auth_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(leadership_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(workflow_bp)
    app.register_blueprint(api_bp)
    from casework.views.imports import bp as imports_bp; app.register_blueprint(imports_bp)  # noqa: E702
    from casework.views.jobs import bp as jobs_bp; app.register_blueprint(jobs_bp)  # noqa: E702
    from casework.views.notifications import bp as notifications_bp; app.register_blueprint(notifications_bp)  # noqa: E702,E501
    from casework.views.apply import bp as apply_bp; app.register_blueprint(apply_bp)  # noqa: E702
    from casework.views import register_files  # noqa: F401  (its routes, on the register's blueprint)
    from casework.views.register import bp as register_bp; app.register_blueprint(register_bp)  # noqa: E702,E501
    from casework.views.membership import bp as membership_bp; app.register_blueprint(membership_bp)  # noqa: E702,E501
    from casework.views.documents import bp as documents_bp; app.register_blueprint(documents_bp)  # noqa: E702,E501
    from casework.views.document_templates import bp as templates_bp; app.register_blueprint(templates_bp)  # noqa: E702,E501


def register_operations(app: Flask) -> None:
    """Health probes and metrics (never rate limited), and the proxy in front."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from casework.metrics import init_metrics
    from casework.views.health import init_health
    init_health(app)
    init_metrics(app)
    limiter = app.extensions["casework_limiter"]
    limiter.exempt(app.blueprints["health"])
    limiter.exempt(app.blueprints["metrics"])
    from casework.views.apply import init_rate_limits
    init_rate_limits(app)  # the public application page: per address and per link
    if proxies := app.config["TRUSTED_PROXIES"]:  # the client's address and scheme from nginx
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_errorhandlers(app: Flask) -> None:
    from casework.views.errors import register
    register(app)


def register_commands(app: Flask) -> None:
    from casework.cli import register
    register(app)


# `rq worker` imports this package before casework.jobs: its worker makes the app this way
jobs.make_worker_app_with(create_app)
