"""A founded case becomes a grassroots union: a unit of the tree that lives on (issue 14).

`found_union` runs as an effect of `announce` and `complete_transfer`, inside the transition,
where nothing may flush early (services/transitions.py): it only adds objects to the session;
the unit's path is written as its row is inserted (models/membership.py).

A union can be renamed, transferred to another managing unit and dissolved, each written to its
history (UnitEvent). A transfer moves the months from its date on; the months before stay with
the unit that managed it then.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework import authz, clock
from casework.errors import Forbidden, Invalid, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, OrgUnit, User, UnitType
from casework.models.membership import GrassrootsUnion, MembershipReport, UnitEvent
from casework.schemas.limits import REASON_LENGTH, UNIT_NAME_LENGTH
from casework.services.audit import actor_fields
from casework.services.membership_tallies import count_reports_of, shift_union, shift_unions
from casework.text import nfc

UNION_PREFIX = "Công đoàn cơ sở "
MANAGERS = ("supervisor", "admin")  # who renames, transfers and dissolves a union


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def record_event(unit: OrgUnit, actor: User | None, action: str, *, comment: str = "",
                 data: dict | None = None) -> UnitEvent:
    event = UnitEvent(unit=unit, action=action, comment=comment or "", data=data or {},
                      **actor_fields(actor))
    db.session.add(event)
    return event


def _union_name(case: Case) -> str:
    names = [e.name for e in case.enterprises]
    name = UNION_PREFIX + (names[0] if names else (case.ref or str(case.id)))
    if len(names) > 1:
        name += f" (+{len(names) - 1})"
    return name[:UNIT_NAME_LENGTH]


def _free_code(case: Case) -> str:
    base = f"CDCS-{case.id}"
    code, n = base, 1
    while db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == code)):
        n += 1
        code = f"{base}-{n}"
    return code


def _parse_day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def found_union(case: Case, actor: User | None, founded_on: date, founding_members: int,
                ) -> GrassrootsUnion:
    """The unit a founded case becomes, under the case's managing unit. Adds, never flushes."""
    details = case.details or {}
    congress = details.get("hold_congress") or {}
    decision = details.get("decision") or details.get("establish") or {}
    committee = congress.get("committee_members") or decision.get("committee_members") or []
    manager = case.unit
    province = manager.province or case.province
    unit = OrgUnit(code=_free_code(case), name=_union_name(case), type=UnitType.grassroots.value,
                   parent=manager, province=province, path="")
    union = GrassrootsUnion(
        unit=unit, case=case, chair=congress.get("chair") or "", committee=list(committee),
        decision_number=decision.get("decision_number"),
        decision_date=_parse_day(decision.get("decision_date")), signer=decision.get("signer"),
        founded_on=founded_on, founding_members=founding_members,
        members_now=founding_members, dissolution_reason="")
    union.enterprises = list(case.enterprises)
    db.session.add_all([unit, union])
    shift_unions(manager.id, province.id if province else None, unions=1,
                 unreported=founding_members)
    record_event(unit, actor, "founded", data={"case_id": case.id, "case_ref": case.ref,
                                               "founding_members": founding_members})
    return union


def add_existing_union(unit: OrgUnit, founded_on: date, founding_members: int
                       ) -> GrassrootsUnion:
    """A union founded before the system (no case): a grassroots unit of the tree made a union
    that reports. Flushes, never commits."""
    union = GrassrootsUnion(unit=unit, founded_on=founded_on, founding_members=founding_members,
                            members_now=founding_members, dissolution_reason="")
    db.session.add(union)
    db.session.flush()
    shift_union(union, 1)
    return union


# ---------------------------------------------------------------------------------------------
# finding a union, as the authorization rule sees it

def visible_union(user: User, code: str) -> GrassrootsUnion:
    """The union of that code if the user may read it; 404 otherwise (outside scope too)."""
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == str(code)[:40]))
    if unit is None or unit.type != UnitType.grassroots.value or unit.grassroots is None \
            or user.role not in authz.CASE_READERS or not authz.unit_in_scope(user, unit):
        raise NotFound(_("No such grassroots union."))
    return unit.grassroots


def why_not_manage(user: User, union: GrassrootsUnion) -> str | None:
    if user.role not in MANAGERS:
        return _("Only a supervisor or an administrator renames, transfers or dissolves a "
                 "union.")
    if user.unit_id == union.unit_id:
        return _("A union's own users do not rename, transfer or dissolve it.")
    return None


def _require_manager(user: User, union: GrassrootsUnion) -> None:
    reason = why_not_manage(user, union)
    if reason:
        raise Forbidden(reason)


def _require_live(union: GrassrootsUnion) -> None:
    if union.dissolved:
        raise Invalid(_("This union was dissolved on %(day)s.", day=union.dissolved_on.isoformat()))


def _check_day(day, union: GrassrootsUnion, field: str) -> date:
    if not isinstance(day, date):
        raise Invalid(_("A date in the form YYYY-MM-DD is required"), field=field)
    if day > clock.today():
        raise Invalid(_("The date cannot be after today"), field=field)
    if day < union.founded_on:
        raise Invalid(_("The date cannot be before the founding (%(day)s)",
                        day=union.founded_on.isoformat()), field=field)
    return day


# ---------------------------------------------------------------------------------------------
# what happens to a union after its founding

def rename_union(actor: User, union: GrassrootsUnion, name: str) -> None:
    _require_manager(actor, union)
    name = nfc(name) if isinstance(name, str) else ""
    if not name or len(name) > UNIT_NAME_LENGTH or any(ord(ch) < 32 for ch in name):
        raise Invalid(_("A name of at most %(maximum)d characters is required",
                        maximum=UNIT_NAME_LENGTH), field="name")
    old = union.unit.name
    union.unit.name = name
    record_event(union.unit, actor, "renamed", data={"from": old, "to": name})
    db.session.flush()


def transfer_union(actor: User, union: GrassrootsUnion, parent_code: str, on: date,
                   comment: str = "") -> None:
    """Move the union under another managing unit from `on`: its reports of that month and
    after follow it, the earlier ones stay with the unit that managed it then."""
    _require_manager(actor, union)
    _require_live(union)
    on = _check_day(on, union, "on")
    parent = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == str(parent_code)[:40]))
    if parent is None or not authz.unit_in_scope(actor, parent):
        raise Invalid(_("Unknown managing unit %(code)s", code=repr(str(parent_code)[:40])),
                      field="parent")
    if parent.type == UnitType.grassroots.value:
        raise Invalid(_("A grassroots union is managed by a federation or an upper-level "
                        "union, not by another grassroots union"), field="parent")
    unit = union.unit
    if parent.id == unit.parent_id:
        raise Invalid(_("The union is already managed by %(code)s", code=parent.code),
                      field="parent")
    old = unit.parent
    shift_union(union, -1)
    unit.parent = parent
    unit.path = f"{parent.path}{unit.id}/"
    if parent.province_id is not None:
        unit.province_id = parent.province_id
    db.session.flush()
    count_reports_of(unit.id, first_of_month(on), -1)   # the moved months leave the old tallies
    db.session.execute(
        sa.update(MembershipReport)
        .where(MembershipReport.unit_id == unit.id, MembershipReport.month >= first_of_month(on))
        .values(managing_unit_id=parent.id, province_id=unit.province_id)
        .execution_options(synchronize_session=False))
    count_reports_of(unit.id, first_of_month(on), 1)
    shift_union(union, 1, parent.id, unit.province_id)
    record_event(unit, actor, "transferred", comment=nfc(comment)[:REASON_LENGTH],
                 data={"from": old.code, "to": parent.code, "on": on.isoformat()})
    db.session.flush()


def dissolve_union(actor: User, union: GrassrootsUnion, on: date, reason: str) -> None:
    """The union ends on `on`: its members then count as left in that month; no report after."""
    _require_manager(actor, union)
    _require_live(union)
    on = _check_day(on, union, "on")
    reason = nfc(reason) if isinstance(reason, str) else ""
    if not reason or len(reason) > REASON_LENGTH:
        raise Invalid(_("A reason of at most %(maximum)d characters is required",
                        maximum=REASON_LENGTH), field="reason")
    later = db.session.scalar(sa.select(sa.func.max(MembershipReport.month)).where(
        MembershipReport.unit_id == union.unit_id, MembershipReport.current,
        MembershipReport.month > first_of_month(on)))
    if later:
        raise Invalid(_("The union reported for %(month)s, after that date",
                        month=later.strftime("%Y-%m")), field="on")
    shift_union(union, -1)
    union.dissolved_on = on
    union.dissolution_reason = reason
    union.members_at_dissolution = union.members_now
    record_event(union.unit, actor, "dissolved", comment=reason,
                 data={"on": on.isoformat(), "members": union.members_now})
    db.session.flush()


def union_history(union: GrassrootsUnion) -> list[UnitEvent]:
    return list(db.session.scalars(sa.select(UnitEvent).where(UnitEvent.unit_id == union.unit_id)
                                   .order_by(UnitEvent.id)))
