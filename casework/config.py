"""Settings read from the environment; SQLite under instance/ is the embedded default."""
import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def sqlalchemy_url(url: str | None) -> str | None:
    """Accept the common "postgres://" and "postgresql://" spellings and use psycopg 3."""
    if url:
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url or None


def _database_url() -> str:
    return (sqlalchemy_url(os.environ.get("DATABASE_URL"))
            or f"sqlite:///{INSTANCE_DIR / 'casework.sqlite'}")


DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"


class Config:
    # "development" (what `make run` sets) relaxes what production requires: a SECRET_KEY of
    # its own and cookies sent over HTTPS only
    ENVIRONMENT = os.environ.get("CASEWORK_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BOOTSTRAP_SERVE_LOCAL = True
    BABEL_DEFAULT_LOCALE = "vi"
    DEFAULT_LANGUAGE = "vi"          # when the user has not chosen one
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    # login attempts per account (the email typed) and client address together; and a ceiling
    # per address for everyone behind it (a provincial office shares one address): shared by
    # every app server through Redis when set
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT",
                                              "100 per minute;1000 per hour")
    # posting the public application page (/apply/<token>): per address, and per link
    APPLY_ADDRESS_RATE_LIMIT = os.environ.get("APPLY_ADDRESS_RATE_LIMIT", "10 per hour")
    APPLY_LINK_RATE_LIMIT = os.environ.get("APPLY_LINK_RATE_LIMIT", "300 per hour")
    # Redis, when set, holds what several app servers share: rate limits and the job queue
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    # background jobs: "rq" (a Redis queue and `flask jobs worker`) when REDIS_URL is set, else
    # "thread" (a thread of the web process: nothing else to run); "inline" runs them at once
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND") or ("rq" if REDIS_URL else "thread")
    # a running job says it is alive every JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_AFTER
    # seconds lost its process and is marked failed (`flask jobs sweep`, workers, the scheduler)
    JOB_HEARTBEAT_SECONDS = 30
    JOB_STALE_AFTER = int(os.environ.get("JOB_STALE_AFTER") or 300)
    # seconds between attempts to email a notification the mail server refused
    MAIL_RETRY_INTERVALS = (60, 300, 1800, 7200)
    # when the scheduler queues the overdue digest: cron syntax, in UTC (07:00 in Vietnam)
    OVERDUE_DIGEST_CRON = os.environ.get("OVERDUE_DIGEST_CRON", "0 0 * * *")
    # files every app server and worker must see (shared storage when they are on several
    # machines): uploads waiting for their import job and rejected rows; finished exports
    IMPORTS_DIR = os.environ.get("IMPORTS_DIR") or str(INSTANCE_DIR / "imports")
    EXPORTS_DIR = os.environ.get("EXPORTS_DIR") or str(INSTANCE_DIR / "exports")
    # a case export of more rows than this is written by a job, then downloaded
    EXPORT_IN_REQUEST_MAX_ROWS = int(os.environ.get("EXPORT_IN_REQUEST_MAX_ROWS", 5000))
    RATELIMIT_HEADERS_ENABLED = True
    CASES_PER_PAGE = 25
    # notifications by email: SMTP when MAIL_SERVER is set, else .eml files in MAIL_OUTBOX_DIR
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1").lower() in ("1", "true", "yes", "on")
    MAIL_FROM = os.environ.get("MAIL_FROM", "casework@localhost")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR") or str(INSTANCE_DIR / "outbox")
    # the address people open casework at (e.g. https://casework.congdoan.vn): the links in
    # notification emails, which jobs write outside any request; without it they carry none
    BASE_URL = os.environ.get("BASE_URL") or None
    API_MAX_PER_PAGE = 200
    # dossier attachments: where the files are kept, and the largest accepted (bytes)
    ATTACHMENTS_DIR = os.environ.get("ATTACHMENTS_DIR", str(INSTANCE_DIR / "attachments"))
    MAX_ATTACHMENT_BYTES = int(os.environ.get("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
    # the largest spreadsheet the import page accepts (bytes)
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))
    # operations (docs/deployment.md): logs as JSON lines on stderr unless LOG_FORMAT=text (the
    # default in development); /metrics for a bearer METRICS_TOKEN, or from this machine only
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or None  # default: text in development, else json
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # how many reverse proxies (nginx) stand in front: their X-Forwarded-For/-Proto are trusted
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES") or 0)
    # a PostgreSQL replica for the leadership dashboards' read-only queries (default: DATABASE_URL)
    DASHBOARD_DATABASE_URL = sqlalchemy_url(os.environ.get("DASHBOARD_DATABASE_URL"))
