"""Working days: weekends and public holidays are off, make-up Saturdays are on (all as data)."""
from datetime import date, timedelta

import holidays
import sqlalchemy as sa

from casework.extensions import db
from casework.models import CalendarDay


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    horizon = start + timedelta(days=days * 3 + 30)
    rows = db.session.execute(
        sa.select(CalendarDay.day, CalendarDay.kind)
        .where(CalendarDay.day > start, CalendarDay.day <= horizon)).all()
    special = {row.day: row.kind for row in rows}
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        kind = special.get(current)
        if kind == "working" or (kind is None and current.weekday() < 5):
            left -= 1
    return current


def seed_public_holidays(years) -> int:
    """Copy Vietnam's public holidays (Tết by the lunar calendar) from the `holidays` package."""
    added = 0
    for day, name in sorted(holidays.Vietnam(years=list(years), language="vi").items()):
        if db.session.get(CalendarDay, day) is None:
            db.session.add(CalendarDay(day=day, kind="holiday", name=name))
            added += 1
    db.session.flush()
    return added
