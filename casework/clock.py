"""The time the app acts at. Dates are Vietnam's (UTC+7) whatever the server's clock zone.

`travel_to` moves the clock for the current context only: the demo seeder uses it to lay a
believable history over past months through the real services. `shift` moves it for the whole
process: the test suite uses it so that a run never crosses Vietnam's midnight.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_override: ContextVar[datetime | None] = ContextVar("casework_clock_override", default=None)
_shift = timedelta(0)


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return _override.get() or datetime.now(timezone.utc) + _shift


def today() -> date:
    return now().astimezone(VIETNAM).date()


@contextmanager
def travel_to(moment: datetime):
    token = _override.set(moment.astimezone(timezone.utc))
    try:
        yield
    finally:
        _override.reset(token)


def shift(delta: timedelta) -> None:
    """Runs the whole process's clock `delta` ahead of the real one (time still advances)."""
    global _shift
    _shift = delta


def moved() -> tuple[timedelta, datetime | None]:
    """What moves the clock now: the process shift and this context's `travel_to` moment."""
    return _shift, _override.get()


def restore(delta: timedelta) -> None:
    """Back to the process shift `delta` with no `travel_to` left in this context."""
    shift(delta)
    _override.set(None)
