"""Creating, reassigning and editing cases."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from casework import authz
from casework.extensions import db
from casework.models import AuditEntry, Case, CaseEnterprise, Enterprise, OrgUnit, User
from casework.errors import Conflict, Invalid, NotFound
from casework.i18n import number, _
from casework.schemas.limits import ONE_ENTERPRISE, SMALL_UNIT_ENTERPRISES, SMALL_UNIT_WORKERS
from casework.services.audit import actor_fields, record
from casework.services.enterprises import with_province
from casework.services.new_case import new_case
from casework.services.settings import get_setting
from casework.text import whole_number
from casework.workflow.definition import TERMINAL_STATES


def flush_or_conflict(message: str | None = None, code: str = "stale_version") -> None:
    """Flush; a lost optimistic-lock race becomes a 409 (the caller rolls back). `message`, if
    given, is already translated."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(message or _("Someone else changed this case in the meantime; reload it "
                                    "and try again."), code=code)


def check_version(case: Case, version) -> None:
    seen = whole_number(version)
    if seen is None or seen < 0:
        raise Invalid(_("The version of the case you saw is required"), field="version")
    if seen != case.version:
        raise Conflict(_("Someone else changed this case since you opened it (you saw version "
                         "%(seen)s, it is now %(current)s); reload it and try again.",
                         seen=version, current=case.version), code="stale_version")


def _find_unit(code) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code)) \
        if isinstance(code, str) else None
    if unit is None:
        raise Invalid(_("Unknown unit %(code)s", code=repr(str(code)[:40])), field="unit")
    return unit


def find_organiser(email, case_unit: OrgUnit) -> User:
    """An active organiser or supervisor who can see cases of `case_unit`."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower())) \
        if isinstance(email, str) else None
    if user is None or not user.active:
        raise Invalid(_("No active user with the email %(email)s", email=repr(str(email)[:100])),
                      field="organiser")
    if user.role not in authz.CASE_WORKERS:
        raise Invalid(_("%(name)s is a %(role)s, not an organiser", name=user.name,
                        role=authz.role_name(user.role)), field="organiser")
    if not authz.unit_in_scope(user, case_unit):
        raise Invalid(_("%(name)s belongs to %(unit)s, which does not manage %(case_unit)s",
                        name=user.name, unit=user.unit.code, case_unit=case_unit.code),
                      field="organiser")
    return user


def _refuse_target_above_workforce(target: int, workforce: int) -> None:
    """Members are workers of the case's enterprises (setting member_target_margin: by how many
    percent a target may exceed them)."""
    margin = get_setting("member_target_margin") or 0
    allowed = workforce + workforce * margin // 100
    if target > allowed:
        if margin:
            message = _("The member target (%(target)s) cannot exceed the workforce of the "
                        "case's enterprises (%(workforce)s) by more than %(margin)s%%: at most "
                        "%(allowed)s", target=number(target), workforce=number(workforce),
                        margin=margin, allowed=number(allowed))
        else:
            message = _("The member target (%(target)s) cannot exceed the workforce of the "
                        "case's enterprises (%(workforce)s)", target=number(target),
                        workforce=number(workforce))
        raise Invalid(message, field="target_members")


def create_case(actor: User, *, kind: str, unit: str, enterprises: list[dict],
                organiser: str | None = None, target_members: int = 0) -> Case:
    """A new case, from the values casework.schemas.cases.CaseInput loads (a form's are the
    same): the unit and the organiser are codes, each enterprise a dict of EnterpriseInput."""
    managing_unit = _find_unit(unit)
    authz.require(actor, "case.create", managing_unit)
    assigned = find_organiser(organiser, managing_unit) if organiser else actor
    target = target_members or 0
    if kind == "small_units":
        if len(enterprises) < SMALL_UNIT_ENTERPRISES.least:
            raise Invalid(_("A small-units case groups at least two enterprises"),
                          field="enterprises")
    elif not ONE_ENTERPRISE.least <= len(enterprises) <= ONE_ENTERPRISE.most:
        raise Invalid(_("This kind of case targets exactly one enterprise"),
                      field="enterprises")
    cleaned = [with_province(data, position=i) for i, data in enumerate(enterprises)]
    tax_codes = [e["tax_code"] for e in cleaned]
    if len(set(tax_codes)) != len(tax_codes):
        raise Invalid(_("The same tax code appears twice"), field="enterprises")
    if kind == "small_units":
        for i, e in enumerate(cleaned):
            if e["workforce"] >= SMALL_UNIT_WORKERS:
                raise Invalid(_("Enterprise %(number)d: a small unit has fewer than %(limit)d "
                                "workers", number=i + 1, limit=SMALL_UNIT_WORKERS),
                              field=f"enterprises.{i}.workforce")
    _refuse_target_above_workforce(target, sum(e["workforce"] or 0 for e in cleaned))
    _refuse_second_active_case(actor, tax_codes)

    province = cleaned[0]["province"]
    made = new_case(kind=kind, unit_id=managing_unit.id, province_code=province.code,
                    enterprises=[{**e, "province_id": e["province"].id} for e in cleaned],
                    organiser_id=assigned.id, organiser_email=assigned.email,
                    actor=actor_fields(actor), target_members=target)
    linked = [Enterprise(**row, province=data["province"])
              for row, data in zip(made.enterprises, cleaned)]
    case = Case(**made.case_row(), unit=managing_unit, organiser=assigned, province=province,
                links=[CaseEnterprise(enterprise=e, **values)
                       for e, values in zip(linked, made.link_values())])
    db.session.add(case)
    try:
        db.session.flush()
    except IntegrityError:  # lost a race for the same enterprise: the partial index refused it
        raise Conflict(_("This enterprise already has an active case"), code="duplicate_case")
    # the reference needs the id; written outside the version counter so a new case is version 1
    ref, search_text = made.reference(case.id), made.search_text(case.id)
    db.session.execute(sa.update(Case.__table__).where(Case.__table__.c.id == case.id)
                       .values(ref=ref, search_text=search_text, updated_at=case.updated_at))
    set_committed_value(case, "ref", ref)
    set_committed_value(case, "search_text", search_text)
    db.session.add(AuditEntry(**made.created_entry(case.id)))
    db.session.flush()
    return case


def _refuse_second_active_case(actor: User, tax_codes: list[str]) -> None:
    existing = db.session.execute(
        sa.select(CaseEnterprise.tax_code, Case)
        .join(Case, Case.id == CaseEnterprise.case_id)
        .where(CaseEnterprise.tax_code.in_(tax_codes), CaseEnterprise.active)).first()
    if existing:
        tax_code, case = existing
        raise Conflict(active_case_message(actor, tax_code, case), code="duplicate_case",
                       status=409)


def active_case_message(actor: User | None, tax_code: str, case: Case) -> str:
    """Why a case (or an import row) for `tax_code` is refused by the active `case`: its
    reference for those who may see it (and for the system: the command line without --user,
    run by whoever runs the server); for others only that it exists and which unit to ask."""
    if actor is None or authz.case_in_scope(actor, case):
        return _("The enterprise with tax code %(tax_code)s already has an active case "
                 "(%(ref)s)", tax_code=tax_code, ref=case.ref)
    return _("The enterprise with tax code %(tax_code)s already has an active case, managed "
             "by %(unit)s: contact that unit.", tax_code=tax_code, unit=case.unit.name)


def reassign(case: Case, actor: User, *, organiser, version, comment: str = "") -> Case:
    authz.require(actor, "case.reassign", case)
    check_version(case, version)
    if case.state in TERMINAL_STATES:
        raise Conflict(_("A finished case cannot be reassigned"), code="invalid_transition")
    new = find_organiser(organiser, case.unit)
    old = case.organiser
    case.organiser = new
    flush_or_conflict()
    record(case, actor, "reassigned", comment=comment,
           data={"from": old.email if old else None, "to": new.email})
    return case


def edit_case(case: Case, actor: User, *, version, target_members) -> Case:
    authz.require(actor, "case.edit", case)
    check_version(case, version)
    old = case.target_members
    target = target_members or 0   # a whole number from the form (its field checks the range)
    _refuse_target_above_workforce(target, sum(e.workforce or 0 for e in case.enterprises))
    case.target_members = target
    flush_or_conflict()
    record(case, actor, "edited", data={"target_members": [old, case.target_members]})
    return case


def get_case(case_id) -> Case:
    case = db.session.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None:
        raise NotFound(_("No such case."))
    return case
