"""Prometheus metrics at GET /metrics.

  casework_http_request_duration_seconds{endpoint,method,status}   histogram, every request
  casework_transitions_total{kind,trigger}                          transitions committed
  casework_approvals_pending                                        counted when scraped
  casework_job_queue_depth{queue}                                   jobs waiting, when scraped

Who may read it: a caller sending `Authorization: Bearer <METRICS_TOKEN>`; when METRICS_TOKEN is
not set, only a caller on this machine (127.0.0.1 or ::1) whose request did not come through a
proxy (no X-Forwarded-For): nginx in front forwards from 127.0.0.1, and the world must not get in
that way.

Several processes (gunicorn's workers): with PROMETHEUS_MULTIPROC_DIR set in the environment
before the app starts, prometheus_client keeps every process's counters and histograms in files
there and a scrape, whichever worker answers it, adds them up; gunicorn.conf.py empties the folder
when the server starts and marks each dead worker's files. Without it each worker would answer
with its own numbers only.

A transition is counted when the transaction that made it commits, never before: a transition
whose request is rolled back afterwards (a lost race at commit, a later refusal) is not counted.
"""
from __future__ import annotations

import hmac
import logging
import os

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from sqlalchemy.exc import SQLAlchemyError

from casework import jobs
from casework.extensions import db
from casework.models import ApprovalRequest
from casework.observability import request_duration
from casework.transaction import on_outcome

log = logging.getLogger(__name__)

REQUEST_DURATION = Histogram(
    "casework_http_request_duration_seconds", "Time to answer a request, by endpoint",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
TRANSITIONS = Counter(
    "casework_transitions_total", "Case transitions committed, by kind of case and trigger",
    ["kind", "trigger"])
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
LOOPBACK = frozenset({"127.0.0.1", "::1"})
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")

bp = Blueprint("metrics", __name__)


# --- transitions: counted after commit ---------------------------------------------------------

def transition_applied(kind: str, trigger: str) -> None:
    """Note a transition made in the current transaction; it is counted when that commits."""
    on_outcome(committed=TRANSITIONS.labels(kind=kind, trigger=trigger).inc)


# --- requests ----------------------------------------------------------------------------------

def _observe_request(response):
    duration = request_duration()
    if duration is not None:
        # the rule's endpoint, never the path: one series per route, whatever the ids
        endpoint = request.endpoint or "none"
        method = request.method if request.method in METHODS else "other"
        REQUEST_DURATION.labels(endpoint=endpoint, method=method,
                                status=str(response.status_code)).observe(duration)
    return response


# --- numbers read when scraped -----------------------------------------------------------------

class ScrapeTimeCollector:
    """Gauges computed by the process that answers the scrape (so never summed over workers)."""

    def collect(self):
        try:
            count = db.session.scalar(sa.select(sa.func.count()).select_from(ApprovalRequest)
                                      .where(ApprovalRequest.status == "pending"))
        except SQLAlchemyError as exc:  # the database is down: the rest still answers
            db.session.rollback()
            log.warning("approvals pending unavailable: %s", type(exc).__name__)
        else:
            pending = GaugeMetricFamily("casework_approvals_pending",
                                        "Approval requests waiting for a decision")
            pending.add_metric([], count or 0)
            yield pending
        depth = GaugeMetricFamily("casework_job_queue_depth", "Jobs waiting in each queue",
                                  labels=["queue"])
        for name, waiting in sorted(queue_depths().items()):
            depth.add_metric([name], waiting)
        yield depth


def queue_depths() -> dict[str, int]:
    """casework.jobs.queue_depths(), or nothing when there is no queue (or Redis is down: a
    scrape still answers, the readiness check reports Redis)."""
    try:
        return dict(jobs.queue_depths())
    except Exception as exc:  # noqa: BLE001 (Redis unreachable, RQ missing)
        log.warning("queue depths unavailable: %s", type(exc).__name__)
        return {}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(accept: str | None) -> tuple[bytes, str]:
    """The metrics in the format the scraper asked for (Accept), and its content type."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Everything())
    registry.register(ScrapeTimeCollector())
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


class _Everything:
    """The default registry (this process's metrics and the process/platform/GC collectors)."""

    def collect(self):
        return REGISTRY.collect()


def allowed(app: Flask) -> bool:
    token = app.config.get("METRICS_TOKEN")
    if token:
        scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode())
    return (request.remote_addr in LOOPBACK
            and not any(request.headers.get(h) for h in PROXY_HEADERS))


@bp.get("/metrics")
def metrics():
    if not allowed(current_app):
        status = 401 if current_app.config.get("METRICS_TOKEN") else 403
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        return Response("forbidden\n" if status == 403 else "unauthorized\n", status=status,
                        mimetype="text/plain", headers=headers)
    body, content_type = exposition(request.headers.get("Accept"))
    return Response(body, content_type=content_type)


def init_metrics(app: Flask) -> None:
    if folder := multiprocess_dir():  # gunicorn.conf.py makes it; a missing one fails requests
        os.makedirs(folder, exist_ok=True)
    app.after_request(_observe_request)
    app.register_blueprint(bp)
