"""Working days: weekends and Vietnamese public holidays are off, make-up Saturdays are on."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import CalendarDay
from casework.services.calendar import add_working_days, seed_public_holidays


@pytest.fixture(autouse=True)
def holidays_2026():
    seed_public_holidays([2026])
    db.session.commit()


def test_tet_2026_is_in_the_calendar():
    tet = db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.day.between(date(2026, 2, 1), date(2026, 2, 28)))).all()
    assert [(d.day, d.kind) for d in tet] == [(date(2026, 2, day), "holiday")
                                             for day in range(16, 21)]
    assert all("Tết" in d.name for d in tet)


def test_fifteen_working_days_across_tet_2026():
    # Tue 10 Feb 2026. Counted: 11, 12, 13 Feb (3); 14-15 weekend; 16-20 Tết; 21-22 weekend;
    # 23-27 Feb (8); 2-6 Mar (13); 9, 10 Mar (15).
    assert add_working_days(date(2026, 2, 10), 15) == date(2026, 3, 10)


def test_a_make_up_working_saturday_counts():
    db.session.add(CalendarDay(day=date(2026, 2, 28), kind="working",
                               name="Làm bù cho ngày nghỉ Tết"))
    db.session.commit()
    # as above, with Sat 28 Feb counted as the 9th day: the 15th is Mon 9 Mar
    assert add_working_days(date(2026, 2, 10), 15) == date(2026, 3, 9)


def test_a_holiday_added_by_an_admin_is_skipped():
    db.session.add(CalendarDay(day=date(2026, 3, 4), kind="holiday", name="Nghỉ thêm"))
    db.session.commit()
    assert add_working_days(date(2026, 2, 10), 15) == date(2026, 3, 11)


@pytest.mark.parametrize("start,days,expected", [
    (date(2026, 3, 2), 0, date(2026, 3, 2)),      # nothing to add
    (date(2026, 3, 2), 1, date(2026, 3, 3)),      # Mon -> Tue
    (date(2026, 3, 6), 1, date(2026, 3, 9)),      # Fri -> Mon, over the weekend
    (date(2026, 3, 7), 1, date(2026, 3, 9)),      # from a Saturday
    (date(2026, 3, 2), 5, date(2026, 3, 9)),      # one calendar week
    (date(2026, 2, 13), 1, date(2026, 2, 23)),    # Fri before Tết -> Mon after it
    (date(2026, 4, 24), 1, date(2026, 4, 28)),    # Hùng Kings (26 Apr, a Sunday) off on Mon 27
    (date(2026, 4, 29), 1, date(2026, 5, 4)),     # 30 Apr and 1 May, then the weekend
    (date(2026, 8, 28), 2, date(2026, 9, 4)),     # 31 Aug, 1-2 Sep National Day
    (date(2025, 12, 31), 1, date(2026, 1, 2)),    # New Year's Day
])
def test_add_working_days(start, days, expected):
    seed_public_holidays([2025])
    assert add_working_days(start, days) == expected


def test_seeding_holidays_is_idempotent():
    before = db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay))
    assert seed_public_holidays([2026]) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == before


def test_seeding_keeps_an_admin_edited_day():
    db.session.execute(sa.delete(CalendarDay).where(CalendarDay.day == date(2027, 1, 1)))
    db.session.add(CalendarDay(day=date(2027, 1, 1), kind="working", name="Đổi ngày"))
    db.session.commit()
    seed_public_holidays([2027])
    assert db.session.get(CalendarDay, date(2027, 1, 1)).kind == "working"
