"""Escalation: a recognition overdue by more than the setting of the deciding unit's level (in
working days, casework.services.calendar), or a case stuck in one state beyond its setting, goes
to the supervisors and leaders of the unit above the deciding unit — in-app now, and in their
daily digest while it lasts. It lasts until the case moves (its state changes): the daily job
ends it then, and a case that stalls again may be escalated again.

The deciding unit is the case's managing unit (its supervisors decide the recognition, and its
people move the case); a case managed at the root has no unit above and is not escalated.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from casework import clock
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, Escalation, OrgUnit, User
from casework.services.calendar import add_working_days
from casework.services.notices import add_notice, case_title
from casework.services.queries import overdue_condition
from casework.services.settings import get_setting
from casework.workflow.definition import TERMINAL_STATES

DEFAULT_OVERDUE_DAYS = 5    # a unit type the setting does not name


def overdue_beyond(case: Case, today: date) -> bool:
    """The recognition deadline passed more than the level's working days ago."""
    days = (get_setting("escalate_overdue_working_days") or {}).get(case.unit.type,
                                                                    DEFAULT_OVERDUE_DAYS)
    return add_working_days(case.deadline, int(days)) < today


def _stuck_cutoff(today: date) -> datetime:
    start = datetime.combine(today, time(), tzinfo=clock.VIETNAM)
    return start - timedelta(days=int(get_setting("escalate_stuck_days")))


def live_escalations_query():
    return sa.select(Escalation).where(Escalation.ended_at.is_(None))


def end_moved(now: datetime | None = None) -> int:
    """End the escalations of the cases that have moved since (or are finished)."""
    now = now or clock.now()
    ended = 0
    for escalation in db.session.scalars(live_escalations_query()):
        case = escalation.case
        moved = (case.state != escalation.state or case.state in TERMINAL_STATES
                 or not _same_moment(case.state_changed_at, escalation.state_changed_at))
        if moved:
            escalation.ended_at = now
            ended += 1
    db.session.flush()
    return ended


def _same_moment(a: datetime, b: datetime) -> bool:
    """SQLite hands back naive datetimes (UTC); PostgreSQL aware ones."""
    return abs((_naive_utc(a) - _naive_utc(b)).total_seconds()) < 1


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def candidates(today: date) -> list[tuple[Case, str]]:
    """(case, reason) of every case due for escalation now, not escalated for it yet."""
    live = {(e.case_id, e.reason) for e in db.session.scalars(live_escalations_query())}
    found = []
    for case in db.session.scalars(sa.select(Case).where(overdue_condition(today))
                                   .order_by(Case.id)):
        if (case.id, "overdue") not in live and overdue_beyond(case, today):
            found.append((case, "overdue"))
    stuck = sa.and_(Case.state.not_in(TERMINAL_STATES + ("on_hold",)),
                    Case.state_changed_at < _stuck_cutoff(today))
    for case in db.session.scalars(sa.select(Case).where(stuck).order_by(Case.id)):
        if (case.id, "stuck") not in live:
            found.append((case, "stuck"))
    return found


def recipients(unit: OrgUnit) -> list[User]:
    """The active supervisors and leaders of `unit` itself."""
    return list(db.session.scalars(sa.select(User).where(
        User.unit_id == unit.id, User.active.is_(True),
        User.role.in_(("supervisor", "leader"))).order_by(User.id)))


def _message(case: Case, reason: str) -> tuple[str, str]:
    if reason == "overdue":
        subject = _("Escalated: recognition overdue since %(deadline)s",
                    deadline=case.deadline.isoformat())
        body = _("%(case)s: %(unit)s has not decided the recognition, due %(deadline)s. "
                 "It comes to you as the unit above.", case=case_title(case),
                 unit=case.unit.name, deadline=case.deadline.isoformat())
    else:
        subject = _("Escalated: a case stuck in the same state")
        body = _("%(case)s has not moved in %(unit)s since %(since)s. It comes to you as the "
                 "unit above.", case=case_title(case), unit=case.unit.name,
                 since=case.state_changed_at.astimezone(clock.VIETNAM).date().isoformat())
    return subject, body


def escalate(today: date | None = None) -> list[Escalation]:
    """The daily job's work: end the escalations of cases that moved, escalate the new ones,
    and tell the people of the unit above in-app (their email follows the commit)."""
    today = today or clock.today()
    end_moved()
    made = []
    with force_locale(current_app.config["DEFAULT_LANGUAGE"]):
        for case, reason in candidates(today):
            above = case.unit.parent
            if above is None:
                continue
            escalation = Escalation(case=case, case_id=case.id, reason=reason, unit=above,
                                    state=case.state, state_changed_at=case.state_changed_at)
            db.session.add(escalation)
            subject, body = _message(case, reason)
            for person in recipients(above):
                add_notice(person, "escalation", subject, body, case=case)
            made.append(escalation)
    db.session.flush()
    return made


def live_for_case(case: Case) -> list[Escalation]:
    return list(db.session.scalars(live_escalations_query().where(Escalation.case_id == case.id)
                                   .order_by(Escalation.id)))


def digest_items() -> dict[int, list[Escalation]]:
    """{user id: the live escalations sent to their unit}: a section of their daily digest."""
    items: dict[int, list[Escalation]] = defaultdict(list)
    escalations = list(db.session.scalars(live_escalations_query().order_by(Escalation.id)))
    by_unit = defaultdict(list)
    for escalation in escalations:
        by_unit[escalation.unit_id].append(escalation)
    for unit_id, found in by_unit.items():
        for person in recipients(db.session.get(OrgUnit, unit_id)):
            items[person.id].extend(found)
    return dict(items)
