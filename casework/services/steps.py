"""Logging the organiser's steps, and keeping the case's application counts equal to their sum."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework import authz
from casework.extensions import db
from casework.models import Case, Step, User
from casework.errors import Conflict, Invalid
from casework.i18n import _
from casework.services.guards import check_date
from casework.text import nfc
from casework.workflow.data import GuardFailed
from casework.workflow.definition import N_, TERMINAL_STATES


def log_step(case: Case, actor: User, *, kind: str, date_: date, note: str = "",
             applications_vietnamese: int = 0, applications_foreign: int = 0) -> Step:
    """Log a step, from the values casework.schemas.steps.StepInput loads."""
    authz.require(actor, "case.log_step", case)
    if case.state in TERMINAL_STATES:
        raise Conflict(_("Steps cannot be logged on a finished case"), code="invalid_transition")
    try:
        check_date(date_, "step_date", label=N_("The date of the step"), field="date")
    except GuardFailed as exc:
        raise Invalid(exc.message, field="date")
    when, vietnamese, foreign = date_, applications_vietnamese, applications_foreign

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
    step = Step(case_id=case.id, kind=kind, date=when, note=nfc(note or ""),
                applications_vietnamese=vietnamese, applications_foreign=foreign,
                author_id=actor.id)
    db.session.add(step)
    db.session.flush()
    return step
