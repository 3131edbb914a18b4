"""Settings read from the environment; SQLite under instance/ is the embedded default."""
import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Accept the common "postgres://" and "postgresql://" spellings and use psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{INSTANCE_DIR / 'casework.sqlite'}"


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
    # login attempts per client address; shared by every app server through Redis when set
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    CASES_PER_PAGE = 25
    API_MAX_PER_PAGE = 200
