"""Logs: one JSON object per line on stderr, each carrying the id of the request it belongs to,
and one access line per request.

The request id is the caller's `X-Request-ID` when it looks like one (nginx passes its own
`$request_id`), otherwise a fresh uuid4; it is kept in `g.request_id`, put on every log record
written while the request runs and sent back in the `X-Request-ID` response header, so a line in
nginx's log, the app's log and a user's error report can be matched.

The access line names the endpoint, never the query string (a reset link or a token could be
in it), and the user by id only.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

from casework.security import is_development

REQUEST_ID_HEADER = "X-Request-ID"
# letters, digits and . _ - only, at most 128 characters: nothing that could forge a log line
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
ACCESS_LOG = "casework.access"
# probes and scrapes come every few seconds: their access lines are at DEBUG
QUIET_ENDPOINTS = frozenset({"health.healthz", "health.readyz", "metrics.metrics"})
TEXT_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = ("levelname", "name", "message", "request_id")
JSON_RENAMES = {"levelname": "level", "name": "logger"}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (g.get("request_id", "-") if has_request_context() else "-")
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when the record is written (so that a test capturing
    stderr, or a server that replaced it, gets the lines)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    # "time": ISO 8601 in UTC; the fields first, then any `extra` of the record
    return JsonFormatter(list(JSON_FIELDS), rename_fields=JSON_RENAMES, timestamp="time",
                         json_ensure_ascii=False)


def configure_logging(level: str = "INFO", log_format: str = "json") -> logging.Handler:
    """One handler on the root logger (replacing the one an earlier call installed): every
    logger of the process, the app's and the libraries', writes through it."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, StderrHandler):
            root.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(formatter_for(log_format))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # what alembic says when imported is noise; `flask db upgrade` sets its own levels
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # the state machine library logs every callback it runs at INFO: several lines a transition
    logging.getLogger("transitions").setLevel(logging.WARNING)
    # alembic's fileConfig() disables the loggers that exist when a migration runs in-process
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] == "casework":
            logger.disabled = False
    return handler


def init_observability(app: Flask) -> None:
    """Call first in create_app: the request id is set before any other hook runs."""
    log_format = (app.config.get("LOG_FORMAT")
                  or ("text" if is_development(app) else "json")).lower()
    configure_logging(app.config.get("LOG_LEVEL") or "INFO", log_format)
    app.logger.removeHandler(default_handler)  # the root handler writes the app's records
    app.before_request(_start_request)
    app.after_request(_finish_request)


def request_id_from(header: str | None) -> str:
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def request_duration() -> float | None:
    started = g.get("request_started")
    return None if started is None else time.perf_counter() - started


def current_user_id() -> int | None:
    """The signed-in user (session) or the API token's user, without loading either: read from
    the identity map, so a request whose session was rolled back runs no query here."""
    for user in (g.get("api_user"), g.get("_login_user")):  # Flask-Login's per-request cache
        state = sa.inspect(user, raiseerr=False) if user is not None else None
        if state is not None and state.identity:
            return state.identity[0]
    return None


# routes whose path is itself a secret (an application link's token): logged as their rule
SECRET_PATH_ENDPOINTS = ("apply.form", "apply.submit")


def loggable_path() -> str:
    if request.endpoint in SECRET_PATH_ENDPOINTS and request.url_rule is not None:
        return request.url_rule.rule
    return request.path


def _finish_request(response):
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    duration = request_duration()
    duration_ms = None if duration is None else round(duration * 1000, 2)
    endpoint = request.endpoint or "-"
    user_id = current_user_id()
    logging.getLogger(ACCESS_LOG).log(
        logging.DEBUG if endpoint in QUIET_ENDPOINTS else logging.INFO,
        "%s %s %s %sms user=%s", request.method, loggable_path(), response.status_code,
        duration_ms, user_id if user_id is not None else "-",
        extra={"request_id": request_id, "method": request.method, "path": loggable_path(),
               "endpoint": endpoint, "status": response.status_code,
               "duration_ms": duration_ms, "user_id": user_id})
    return response
