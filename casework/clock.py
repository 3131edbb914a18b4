"""The time the app acts at. Dates are Vietnam's (UTC+7) whatever the server's clock zone.

`travel_to` moves the clock for the current context only: the demo seeder uses it to lay a
believable history over past months through the real services.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_override: ContextVar[datetime | None] = ContextVar("casework_clock_override", default=None)


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return _override.get() or datetime.now(timezone.utc)


def today() -> date:
    return now().astimezone(VIETNAM).date()


@contextmanager
def travel_to(moment: datetime):
    token = _override.set(moment.astimezone(timezone.utc))
    try:
        yield
    finally:
        _override.reset(token)
