"""Guards of the workflow's triggers (named in casework.workflow.definition): each raises
GuardFailed with the reason, or returns quietly. They read the case's steps, history, files and
the settings, so they live beside the transition service, not in the pure workflow package."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlalchemy as sa
from flask_babel import format_date

from casework.extensions import db
from casework.models import AuditEntry, Step
from casework.models.step import OUTREACH_STEP_KINDS
from casework.i18n import number, _
from casework.services.attachments import documents_present
from casework.services.settings import get_setting
from casework.workflow.data import GuardFailed
from casework.workflow.definition import (ALL_STATES, DATE_MARKS, DATE_RULES, DOCUMENT_LABELS,
                                          DOCUMENTS, DONE, PLANNED, Trigger)
from casework import clock


@dataclass
class Attempt:
    """One attempt to fire a trigger on a case: what guards and effects read."""
    case: object
    trigger: object
    data: dict
    actor: object
    comment: str = ""
    today: date = field(default_factory=clock.today)


# guards that read only the case, not the data typed into the trigger's form: run before the
# form is offered, so a trigger that cannot pass is shown disabled with the reason
PRECONDITIONS = {"organiser_assigned", "outreach_step_logged", "survey_report_logged",
                 "enough_applications"}


def organiser_assigned(attempt: Attempt) -> None:
    if attempt.case.organiser_id is None:
        raise GuardFailed(_("No organiser is assigned to this case"), field="organiser")


def outreach_step_logged(attempt: Attempt) -> None:
    count = db.session.scalar(
        sa.select(sa.func.count(Step.id))
        .where(Step.case_id == attempt.case.id, Step.kind.in_(OUTREACH_STEP_KINDS)))
    if not count:
        raise GuardFailed(_("Log at least one outreach step (contact with the employer, a worker "
                            "meeting or propaganda) first"))


def survey_report_logged(attempt: Attempt) -> None:
    count = db.session.scalar(
        sa.select(sa.func.count(Step.id))
        .where(Step.case_id == attempt.case.id, Step.kind == "survey_report"))
    if not count:
        raise GuardFailed(_("Log a step of kind survey report first"))


def enough_applications(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    have = attempt.case.applications_vietnamese
    if have < needed:
        raise GuardFailed(_("%(have)d valid applications from Vietnamese workers; at least "
                            "%(needed)d are needed (foreign workers are not counted among the "
                            "founders)", have=have, needed=needed))


def attendance_quorum(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    if attempt.data["attendance"] < needed:
        raise GuardFailed(_("Attendance must be at least %(needed)d", needed=needed),
                          field="attendance")


def dossier_complete(attempt: Attempt) -> None:
    # ticked on the form, or with an uploaded file
    present = set(attempt.data.get("documents", [])) | documents_present(attempt.case.id)
    required = set(get_setting("required_documents"))  # the federation's choice
    missing = [d for d in DOCUMENTS if d in required and d not in present]
    if missing:
        # people read each missing document's label; API clients get the codes beside it
        named = "; ".join(_(DOCUMENT_LABELS[d]) for d in missing)
        raise GuardFailed(_("The dossier is incomplete; missing: %(missing)s", missing=named),
                          field="documents", details={"missing": missing})


def founding_members_quorum(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    if attempt.data["founding_members"] < needed:
        raise GuardFailed(_("Founding members must be at least %(needed)d", needed=needed),
                          field="founding_members")


def workforce_limit(attempt: Attempt) -> None:
    """Attendance and founding members are workers of the case's enterprises."""
    workforce = case_workforce(attempt.case)
    for name in ("attendance", "founding_members"):
        value = attempt.data.get(name)
        if value is not None and value > workforce:
            spec = next(f for f in attempt.trigger.fields if f.name == name)
            raise GuardFailed(_("%(label)s (%(value)s) cannot exceed the workforce of the "
                                "case's enterprises (%(workforce)s)", label=_(spec.label),
                                value=number(value), workforce=number(workforce)), field=name)


def case_workforce(case) -> int:
    return sum(e.workforce or 0 for e in case.enterprises)


# --- dates (definition.DATE_RULES) -----------------------------------------------------------

def day_text(value: date) -> str:
    return format_date(value, "dd/MM/yyyy")


def earlier_dates(case, marks) -> dict[str, date]:
    """The case's own dates among `marks`: recorded trigger fields, and for a state the day the
    case last entered it (Vietnam's date; a resume does not count)."""
    found: dict[str, date] = {}
    states = [m for m in marks if m in ALL_STATES]
    if states and case.id is not None:
        rows = db.session.execute(
            sa.select(AuditEntry.to_state, sa.func.max(AuditEntry.created_at))
            .where(AuditEntry.case_id == case.id, AuditEntry.action == "transition",
                   AuditEntry.to_state.in_(states),
                   sa.or_(AuditEntry.trigger.is_(None), AuditEntry.trigger != "resume"))
            .group_by(AuditEntry.to_state))
        for state, moment in rows:
            if isinstance(moment, datetime):
                if moment.tzinfo is None:  # SQLite hands back naive UTC
                    moment = moment.replace(tzinfo=timezone.utc)
                found[state] = moment.astimezone(clock.VIETNAM).date()
    for mark in marks:
        if mark in states:
            continue
        for values in (case.details or {}).values():
            if isinstance(values, dict) and isinstance(values.get(mark), str):
                try:
                    found[mark] = date.fromisoformat(values[mark])
                except ValueError:
                    pass
    return found


@dataclass(frozen=True)
class DateBounds:
    earliest: date | None
    latest: date | None
    because: str | None     # the DATE_MARKS key behind `earliest`, None when it is today

    def help_text(self) -> str:
        """The bounds in words, for the field's help text (in the reader's language)."""
        if self.earliest and self.latest:
            if self.because is None:
                return _("Today")
            return _("From %(earliest)s (%(mark)s) to today", earliest=day_text(self.earliest),
                     mark=_(DATE_MARKS[self.because]))
        if self.earliest:
            if self.because is None:
                return _("Today or later")
            return _("From %(earliest)s (%(mark)s), and not in the past",
                     earliest=day_text(self.earliest), mark=_(DATE_MARKS[self.because]))
        return _("Today or earlier: it records what was done")

    @property
    def impossible(self) -> bool:
        return bool(self.earliest and self.latest and self.earliest > self.latest)


def date_bounds(rule_name: str, case=None, today: date | None = None) -> DateBounds:
    rule = DATE_RULES[rule_name]
    today = today or clock.today()
    earliest, because = (today, None) if rule.when == PLANNED else (None, None)
    if case is not None:
        for mark, day in earlier_dates(case, rule.after).items():
            if earliest is None or day > earliest:
                earliest, because = day, mark
    return DateBounds(earliest, today if rule.when == DONE else None, because)


def check_date(value: date, rule_name: str, *, label: str, field: str, case=None,
               today: date | None = None) -> None:
    """Refuse `value` outside its rule; `label` is a message id."""
    bounds = date_bounds(rule_name, case, today)
    if bounds.latest and value > bounds.latest:
        raise GuardFailed(_("%(label)s cannot be in the future (%(date)s; today is %(today)s)",
                            label=_(label), date=day_text(value),
                            today=day_text(bounds.latest)), field=field)
    if bounds.earliest and value < bounds.earliest:
        if bounds.because is None:
            raise GuardFailed(_("%(label)s cannot be in the past (%(date)s; today is "
                                "%(today)s)", label=_(label), date=day_text(value),
                                today=day_text(bounds.earliest)), field=field)
        raise GuardFailed(_("%(label)s cannot be before %(mark)s (%(earliest)s)",
                            label=_(label), mark=_(DATE_MARKS[bounds.because]),
                            earliest=day_text(bounds.earliest)), field=field)


def dated_fields(trigger: Trigger):
    return [f for f in trigger.fields if f.type == "date" and f.name in DATE_RULES]


def dates_in_order(attempt: Attempt) -> None:
    for spec in dated_fields(attempt.trigger):
        value = attempt.data.get(spec.name)
        if value is not None:
            check_date(value, spec.name, label=spec.label, field=spec.name, case=attempt.case,
                       today=attempt.today)


def dates_possible(attempt: Attempt) -> None:
    """Before the form: a date that no day up to today can satisfy (the congress is planned
    for next week) blocks the trigger until then."""
    for spec in dated_fields(attempt.trigger):
        bounds = date_bounds(spec.name, attempt.case, attempt.today)
        if bounds.impossible:
            raise GuardFailed(_("%(label)s cannot be before %(mark)s (%(earliest)s): possible "
                                "from that day", label=_(spec.label),
                                mark=_(DATE_MARKS[bounds.because]),
                                earliest=day_text(bounds.earliest)), field=spec.name)


WORKFORCE_FIELDS = ("attendance", "founding_members")


def checks_of(trigger: Trigger) -> list:
    """Every check a firing of `trigger` runs: the table's rules, then its named guards."""
    checks = [dates_in_order] if dated_fields(trigger) else []
    if any(f.name in WORKFORCE_FIELDS for f in trigger.fields):
        checks.append(workforce_limit)
    return checks + [globals()[name] for name in trigger.guards]


def preconditions_of(trigger: Trigger) -> list:
    """The checks that read only the case: what decides whether the trigger is offered."""
    checks = [dates_possible] if dated_fields(trigger) else []
    return checks + [globals()[name] for name in trigger.guards if name in PRECONDITIONS]
