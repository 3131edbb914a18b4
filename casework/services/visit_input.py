"""What the values of a leadership visit refer to (casework.schemas.visits loads and checks
them): the date rules of DATE_RULES, the province, the host unit, the leader and the owners of
follow-ups; and the visit's version, checked before each change and bumped by it."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from casework import authz, clock
from casework.errors import Conflict, Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import OrgUnit, Province, User, Visit
from casework.services.guards import check_date
from casework.text import whole_number
from casework.workflow.data import GuardFailed
from casework.workflow.definition import N_


def check_visit_date(when: date, status: str) -> None:
    """A planned visit is not in the past, a visit done not in the future (DATE_RULES)."""
    rule = "visit_done" if status == "done" else "visit_planned"
    try:
        check_date(when, rule, label=N_("The planned date"), field="planned_date")
    except GuardFailed as exc:
        raise Invalid(exc.message, field="planned_date")


def find_province(code, field: str = "province") -> Province:
    province = None
    if isinstance(code, str) and code.strip().isdigit() and len(code.strip()) <= 2:
        province = db.session.scalar(
            sa.select(Province).where(Province.code == code.strip().zfill(2)))
    if province is None:
        raise Invalid(_("Unknown province %(code)s", code=repr(str(code)[:20])), field=field)
    return province


def find_host_unit(code, province: Province) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code.strip().upper())) \
        if isinstance(code, str) and code.strip() else None
    if unit is None:
        if code in (None, "") or (isinstance(code, str) and not code.strip()):
            raise Invalid(_("The host unit (a unit code such as LDLD-79) is required"),
                          field="host_unit")
        raise Invalid(_("Unknown unit %(code)s; give the code of a unit (e.g. LDLD-79) and name "
                        "other hosts in the note", code=repr(str(code)[:40])), field="host_unit")
    unit_province = authz.unit_province_id(unit)
    if unit_province is not None and unit_province != province.id:
        raise Invalid(_("%(unit)s is not in %(province)s", unit=unit.code, province=province.name),
                      field="host_unit")
    return unit


def find_leader(email, province: Province) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower())) \
        if isinstance(email, str) and email.strip() else None
    if user is None or not user.active:
        raise Invalid(_("No active user with the email %(email)s", email=repr(str(email)[:100])),
                      field="leader")
    if user.role != "leader":
        raise Invalid(_("%(name)s is a %(role)s, not a leader", name=user.name,
                        role=authz.role_name(user.role)), field="leader")
    if not authz.national(user) and authz.unit_province_id(user.unit) != province.id:
        raise Invalid(_("%(name)s is neither a leader of the VGCL nor a leader in %(province)s",
                        name=user.name, province=province.name), field="leader")
    return user


def find_owner(name: str, field: str) -> tuple[User | None, str]:
    """An owner is a user (given by email) or a person named in words."""
    if "@" in name:
        user = db.session.scalar(sa.select(User).where(User.email == name.lower()))
        if user is None or not user.active:
            raise Invalid(_("No active user with the email %(email)s (give an email of a user, or "
                            "a name)", email=repr(name[:100])), field=field)
        return user, ""
    return None, name


def touch(visit: Visit) -> None:
    """Any change to a visit or its parts bumps its version (the row is always updated)."""
    visit.updated_at = clock.now()


def save() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("Someone else changed this visit in the meantime; reload it and try "
                         "again."), code="stale_version")


def check_version(visit: Visit, version) -> None:
    if version is None or version == "":
        return
    if whole_number(version) is None:
        raise Invalid(_("version must be a whole number"), field="version")
    if whole_number(version) != visit.version:
        raise Conflict(_("Someone else changed this visit since you opened it (you saw version "
                         "%(seen)s, it is now %(current)s); reload it and try again.",
                         seen=version, current=visit.version), code="stale_version")
