"""Logging the organiser's steps, and keeping the case's application counts equal to their sum."""
from __future__ import annotations

import sqlalchemy as sa

from casework import authz
from casework.extensions import db
from casework.models import Case, Step, User
from casework.models.step import STEP_KINDS
from casework.errors import Conflict, Invalid
from casework.i18n import _
from casework.schemas.limits import APPLICATIONS_CHANGE, NOTE_LENGTH
from casework.services.guards import check_date
from casework.text import nfc, whole_number
from casework.workflow.data import GuardFailed, parse_date
from casework.workflow.definition import N_, TERMINAL_STATES


def _count(value, field: str) -> int:
    if value in (None, ""):
        return 0
    value = whole_number(value)
    if value is None or not APPLICATIONS_CHANGE.least <= value <= APPLICATIONS_CHANGE.most:
        raise Invalid(_("Applications must be a whole number (negative only to correct an "
                        "earlier count)"), field=field)
    return value


def log_step(case: Case, actor: User, *, kind, date_=None, note="", applications_vietnamese=0,
             applications_foreign=0) -> Step:
    authz.require(actor, "case.log_step", case)
    if case.state in TERMINAL_STATES:
        raise Conflict(_("Steps cannot be logged on a finished case"), code="invalid_transition")
    if kind not in STEP_KINDS:
        raise Invalid(_("Kind must be one of %(choices)s", choices=", ".join(STEP_KINDS)),
                      field="kind")
    if date_ in (None, ""):
        raise Invalid(_("The date of the step is required"), field="date")
    try:
        when = parse_date(date_, N_("The date of the step"), "date")
        check_date(when, "step_date", label=N_("The date of the step"), field="date")
    except GuardFailed as exc:
        raise Invalid(exc.message, field="date")
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note) > NOTE_LENGTH:
        raise Invalid(_("The note must be text of at most %(maximum)d characters",
                        maximum=NOTE_LENGTH), field="note")
    vietnamese = _count(applications_vietnamese, "applications_vietnamese")
    foreign = _count(applications_foreign, "applications_foreign")

    if vietnamese or foreign:
        # one atomic UPDATE, so concurrent steps add up and a total never goes below zero
        table = Case.__table__
        result = db.session.execute(
            sa.update(table)
            .where(table.c.id == case.id,
                   table.c.applications_vietnamese + vietnamese >= 0,
                   table.c.applications_foreign + foreign >= 0)
            .values(applications_vietnamese=table.c.applications_vietnamese + vietnamese,
                    applications_foreign=table.c.applications_foreign + foreign))
        if result.rowcount != 1:
            raise Invalid(_("A correction cannot bring the number of applications below zero"),
                          field="applications_vietnamese")
        db.session.expire(case, ["applications_vietnamese", "applications_foreign"])
    step = Step(case_id=case.id, kind=kind, date=when, note=nfc(note),
                applications_vietnamese=vietnamese, applications_foreign=foreign,
                author_id=actor.id)
    db.session.add(step)
    db.session.flush()
    return step
