"""Probes for the load balancer, systemd and monitoring: no login, no cookie, no rate limit.

GET /healthz   the process answers (touches nothing else): 200 {"status": "ok"}
GET /readyz    the database answers SELECT 1 and, when REDIS_URL is set, Redis answers PING:
               200 with each check, or 503 naming the checks that failed. Only the class of an
               error is shown, never its message (it could carry a host name or a URL).
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

from casework.extensions import db

bp = Blueprint("health", __name__)

REDIS_TIMEOUT_SECONDS = 2


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    checks = {"database": _timed(_check_database)}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _timed(_check_redis)
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "unavailable" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return _no_store(jsonify(body)), 503 if failed else 200


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001 (any failure means "not ready")
        result = {"ok": False, "error": type(exc).__name__}
    else:
        result = {"ok": True}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _check_database() -> None:
    # a connection of its own, outside the request's session: nothing is left open
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def _check_redis() -> None:
    # a client of its own with short timeouts (a probe must answer quickly), kept per URL
    url = current_app.config["REDIS_URL"]
    cached_url, client = current_app.extensions.get("casework_readiness_redis", (None, None))
    if client is None or cached_url != url:
        from redis import Redis
        client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_timeout=REDIS_TIMEOUT_SECONDS)
        current_app.extensions["casework_readiness_redis"] = (url, client)
    if not client.ping():
        raise ConnectionError("no PONG")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def init_health(app: Flask) -> None:
    app.register_blueprint(bp)
