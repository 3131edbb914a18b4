"""Leadership visits: who covers which province, planning and recording visits, follow-ups.

Who may do what (one rule for pages and API):
- read: a visit is in a user's scope when the federation of its province or its host unit is in
  the user's subtree, or the user is the visit's leader (a user at the VGCL node sees them all);
  outside it the visit does not exist for the user (404).
- write (plan, record, follow up, link cases): a leader at the VGCL node anywhere, a provincial
  leader in the province of their unit, an administrator; organisers and supervisors only read.
- province assignments: administrators and leaders at the VGCL node.
Operations flush, never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from casework import authz
from casework.extensions import db
from casework.models import (Case, OrgUnit, Province, ProvinceAssignment, User, Visit, VisitCase,
                             VisitFollowUp)
from casework.models.visit import VISIT_STATUSES
from casework.errors import Conflict, Forbidden, Invalid, NotFound
from casework.i18n import _
from casework.schemas.limits import (ACTION_LENGTH, CASES_PER_VISIT, FILTER_LENGTH,
                                      FOLLOW_UPS_PER_VISIT, HOST_NOTE_LENGTH, IDS, NAME_LENGTH,
                                      OUTCOME_LENGTH, PURPOSE_LENGTH)
from casework.services.settings import get_setting
from casework.text import nfc, search_key, whole_number
from casework import clock
from casework.workflow.data import GuardFailed, parse_date
from casework.services.guards import check_date
from casework.workflow.definition import N_

STATUS_CHANGES = {"planned": ("done", "cancelled")}
EDITABLE = ("planned_date", "purpose", "status", "outcome", "follow_ups", "cases", "host_unit",
            "host_note")
IGNORED = ("id", "version", "created_at", "updated_at")
# a status as a word inside a sentence; translated where used
STATUS_NAMES = {"planned": N_("planned"), "done": N_("done"), "cancelled": N_("cancelled")}
FIXED = {"leader": N_("The leader of a visit cannot be changed; cancel it and plan another"),
         "province": N_("The province of a visit cannot be changed; cancel it and plan another")}


# --- who may see and do what ------------------------------------------------------------------

def unit_province_id(unit: OrgUnit) -> int | None:
    """The province a unit belongs to: its own, or that of its nearest ancestor that has one."""
    if unit.province_id is not None:
        return unit.province_id
    ancestor_ids = [int(part) for part in (unit.path or "").strip("/").split("/") if part]
    if not ancestor_ids:
        return None
    return db.session.scalar(
        sa.select(OrgUnit.province_id)
        .where(OrgUnit.id.in_(ancestor_ids), OrgUnit.province_id.is_not(None))
        .order_by(sa.func.length(OrgUnit.path).desc()).limit(1))


def _federated_province_ids(user: User):
    """Provinces whose federation is in the user's subtree (a subquery)."""
    return sa.select(OrgUnit.province_id).where(
        OrgUnit.type == "provincial_federation", OrgUnit.province_id.is_not(None),
        OrgUnit.path.startswith(user.unit.path))


def visit_scope(user: User):
    """A WHERE clause for the visits `user` may read."""
    if authz.national(user):
        return sa.true()
    return sa.or_(Visit.province_id.in_(_federated_province_ids(user)),
                  Visit.host_unit_id.in_(authz.scope_unit_ids(user)),
                  Visit.leader_id == user.id)


def visit_in_scope(user: User, visit: Visit) -> bool:
    if authz.national(user) or visit.leader_id == user.id \
            or authz.unit_in_scope(user, visit.host_unit):
        return True
    return bool(db.session.scalar(sa.select(sa.exists().where(
        OrgUnit.type == "provincial_federation", OrgUnit.province_id == visit.province_id,
        OrgUnit.path.startswith(user.unit.path)))))


def province_scope(user: User):
    """A WHERE clause for the provinces whose coverage `user` may see."""
    if authz.national(user):
        return sa.true()
    return Province.id.in_(_federated_province_ids(user))


def why_not_write(user: User, province: Province | None = None) -> str | None:
    """None when `user` may plan or record visits (in `province`, when given)."""
    if user.role not in ("leader", "admin"):
        return _("Only leaders plan and record leadership visits; organisers and supervisors "
                 "may read them.")
    if authz.national(user):
        return None
    own = unit_province_id(user.unit)
    if user.role == "admin":  # an administrator of a province manages that province's visits
        if province is not None and province.id != own:
            return _("An administrator manages visits only in their own unit's province.")
        return None
    if own is None:
        return _("Only a leader of the VGCL or of a provincial federation plans visits.")
    if province is not None and province.id != own:
        own_name = db.session.get(Province, own).name
        return _("A provincial leader plans visits only in their own province (%(province)s).",
                 province=own_name)
    return None


def can_write(user: User, province: Province | None = None) -> bool:
    return why_not_write(user, province) is None


def require_write(user: User, province: Province | None = None) -> None:
    reason = why_not_write(user, province)
    if reason is not None:
        raise Forbidden(reason)


def why_not_assign(user: User) -> str | None:
    if user.role == "admin" or (user.role == "leader" and authz.national(user)):
        return None
    return _("Only an administrator or a leader of the VGCL assigns provinces.")


def can_assign(user: User) -> bool:
    return why_not_assign(user) is None


def get_visit(user: User, visit_id: int) -> Visit:
    """The visit, if `user` may read it; otherwise it does not exist (404)."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or not visit_in_scope(user, visit):
        raise NotFound(_("No such visit."))
    return visit


# --- parsing ----------------------------------------------------------------------------------

def _text(value, field: str, label: str, maximum: int, *, required: bool = False,
          multiline: bool = True) -> str:
    """`label` is a message id marked with N_ (translated here)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(_("%(label)s must be text", label=_(label)), field=field)
    text = nfc(value)
    if required and not text:
        raise Invalid(_("%(label)s is required", label=_(label)), field=field)
    if len(text) > maximum:
        raise Invalid(_("%(label)s must be at most %(maximum)d characters", label=_(label),
                        maximum=maximum), field=field)
    allowed = "\n\r\t" if multiline else ""
    if any(ord(ch) < 32 and ch not in allowed for ch in text):
        raise Invalid(_("%(label)s contains control characters", label=_(label)), field=field)
    return text


def _date(value, field: str, label: str) -> date:
    if value in (None, ""):
        raise Invalid(_("%(label)s is required", label=_(label)), field=field)
    if isinstance(value, datetime):
        value = value.date()
    try:
        return parse_date(value, label, field)
    except GuardFailed as exc:  # the same parsing as trigger data, reported as bad input
        raise Invalid(exc.message, field=field)


def _check_visit_date(when: date, status: str) -> None:
    """A planned visit is not in the past, a visit done not in the future (DATE_RULES)."""
    rule = "visit_done" if status == "done" else "visit_planned"
    try:
        check_date(when, rule, label=N_("The planned date"), field="planned_date")
    except GuardFailed as exc:
        raise Invalid(exc.message, field="planned_date")


def _bool(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise Invalid(_("done must be true or false"), field=field)


def find_province(code, field: str = "province") -> Province:
    province = None
    if isinstance(code, str) and code.strip().isdigit() and len(code.strip()) <= 2:
        province = db.session.scalar(
            sa.select(Province).where(Province.code == code.strip().zfill(2)))
    if province is None:
        raise Invalid(_("Unknown province %(code)s", code=repr(str(code)[:20])), field=field)
    return province


def _host_unit(code, province: Province) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code.strip().upper())) \
        if isinstance(code, str) and code.strip() else None
    if unit is None:
        if code in (None, "") or (isinstance(code, str) and not code.strip()):
            raise Invalid(_("The host unit (a unit code such as LDLD-79) is required"),
                          field="host_unit")
        raise Invalid(_("Unknown unit %(code)s; give the code of a unit (e.g. LDLD-79) and name "
                        "other hosts in the note", code=repr(str(code)[:40])), field="host_unit")
    unit_province = unit_province_id(unit)
    if unit_province is not None and unit_province != province.id:
        raise Invalid(_("%(unit)s is not in %(province)s", unit=unit.code, province=province.name),
                      field="host_unit")
    return unit


def _eligible_leader(email, province: Province) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower())) \
        if isinstance(email, str) and email.strip() else None
    if user is None or not user.active:
        raise Invalid(_("No active user with the email %(email)s", email=repr(str(email)[:100])),
                      field="leader")
    if user.role != "leader":
        raise Invalid(_("%(name)s is a %(role)s, not a leader", name=user.name,
                        role=authz.role_name(user.role)), field="leader")
    if not authz.national(user) and unit_province_id(user.unit) != province.id:
        raise Invalid(_("%(name)s is neither a leader of the VGCL nor a leader in %(province)s",
                        name=user.name, province=province.name), field="leader")
    return user


def _find_owner(value, field: str) -> tuple[User | None, str]:
    """An owner is a user (given by email) or a person named in words."""
    if isinstance(value, dict):
        value = value.get("email") or value.get("name")
    name = _text(value, field, N_("The owner"), NAME_LENGTH, required=True, multiline=False)
    if "@" in name:
        user = db.session.scalar(sa.select(User).where(User.email == name.lower()))
        if user is None or not user.active:
            raise Invalid(_("No active user with the email %(email)s (give an email of a user, or "
                            "a name)", email=repr(name[:100])), field=field)
        return user, ""
    return None, name


def _touch(visit: Visit) -> None:
    """Any change to a visit or its parts bumps its version (the row is always updated)."""
    visit.updated_at = clock.now()


def _flush() -> None:
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


# --- operations -------------------------------------------------------------------------------

def create_visit(actor: User, *, province, host_unit, planned_date, purpose, leader=None,
                 host_note="", cases=None) -> Visit:
    require_write(actor)
    where = find_province(province)
    require_write(actor, where)
    if leader in (None, ""):
        if actor.role != "leader":
            raise Invalid(_("The leader who makes the visit is required"), field="leader")
        who = _eligible_leader(actor.email, where)
    else:
        who = _eligible_leader(leader, where)
    when = _date(planned_date, "planned_date", N_("The planned date"))
    _check_visit_date(when, "planned")
    visit = Visit(leader=who, province=where, host_unit=_host_unit(host_unit, where),
                  host_note=_text(host_note, "host_note", N_("The host note"), HOST_NOTE_LENGTH,
                                  multiline=False),
                  planned_date=when,
                  purpose=_text(purpose, "purpose", N_("The purpose"), PURPOSE_LENGTH,
                                required=True),
                  status="planned", outcome="", created_by=actor)
    db.session.add(visit)
    if cases is not None:
        _set_cases(visit, actor, cases)
    _flush()
    return visit


def update_visit(visit: Visit, actor: User, changes: dict, *, version=None) -> Visit:
    """Apply any of EDITABLE; all are checked before anything is changed."""
    require_write(actor, visit.province)
    check_version(visit, version)
    for key in changes:
        if key in ("leader", "province"):
            raise Invalid(_(FIXED[key]), field=key)
        if key not in EDITABLE and key not in IGNORED:
            raise Invalid(_("Unknown field %(name)s", name=repr(str(key)[:40])),
                          field=str(key)[:40])
    new = {}
    if "planned_date" in changes:
        new["planned_date"] = _date(changes["planned_date"], "planned_date",
                                    N_("The planned date"))
    if "purpose" in changes:
        new["purpose"] = _text(changes["purpose"], "purpose", N_("The purpose"), PURPOSE_LENGTH,
                               required=True)
    if "outcome" in changes:
        new["outcome"] = _text(changes["outcome"], "outcome", N_("The outcome"), OUTCOME_LENGTH)
    if "host_unit" in changes:
        new["host_unit"] = _host_unit(changes["host_unit"], visit.province)
    if "host_note" in changes:
        new["host_note"] = _text(changes["host_note"], "host_note", N_("The host note"),
                                 HOST_NOTE_LENGTH, multiline=False)
    if "status" in changes:
        status = changes["status"]
        if status not in VISIT_STATUSES:
            raise Invalid(_("Status must be one of %(choices)s",
                            choices=", ".join(VISIT_STATUSES)), field="status")
        if status != visit.status:
            if status not in STATUS_CHANGES.get(visit.status, ()):
                if visit.status == "cancelled":
                    reason = _("A cancelled visit cannot be reopened or recorded; plan a new "
                               "visit.")
                else:
                    reason = _("A visit that is %(status)s cannot become %(new_status)s.",
                               status=_(STATUS_NAMES[visit.status]),
                               new_status=_(STATUS_NAMES[status]))
                raise Conflict(reason, code="invalid_status_change", field="status")
            new["status"] = status
    follow_ups = _parse_follow_ups(visit, changes["follow_ups"]) \
        if "follow_ups" in changes else None
    status = new.get("status", visit.status)
    if new.get("status") == "done":
        if not new.get("outcome", visit.outcome):
            raise Invalid(_("Record the outcome of the visit to mark it done"), field="outcome")
        _check_visit_date(new.get("planned_date", visit.planned_date), "done")
    elif "planned_date" in new and new["planned_date"] != visit.planned_date \
            and status in ("planned", "done"):
        _check_visit_date(new["planned_date"], status)
    if "cases" in changes:
        _set_cases(visit, actor, changes["cases"])
    for key, value in new.items():
        setattr(visit, key, value)
    if follow_ups is not None:
        _apply_follow_ups(visit, follow_ups)
    _touch(visit)
    _flush()
    return visit


def _parse_follow_ups(visit: Visit, items) -> list[dict]:
    if not isinstance(items, list) or len(items) > FOLLOW_UPS_PER_VISIT:
        raise Invalid(_("follow_ups must be a list of at most %(maximum)d actions",
                        maximum=FOLLOW_UPS_PER_VISIT), field="follow_ups")
    existing = {f.id for f in visit.follow_ups}
    parsed = []
    for i, item in enumerate(items):
        where = f"follow_ups[{i}]"
        if not isinstance(item, dict):
            raise Invalid(_("Each follow-up must be an object {action, owner, due_date, done}"),
                          field=where)
        fid = item.get("id")
        if fid is not None and (not isinstance(fid, int) or isinstance(fid, bool)
                                or fid not in existing):
            raise Invalid(_("No follow-up %(id)s on this visit", id=str(fid)[:20]),
                          field=f"{where}.id")
        user, name = _find_owner(item.get("owner"), f"{where}.owner")
        parsed.append({"id": fid,
                       "action": _text(item.get("action"), f"{where}.action",
                                       N_("The action"), ACTION_LENGTH, required=True),
                       "owner_user": user, "owner_name": name,
                       "due_date": _date(item.get("due_date"), f"{where}.due_date",
                                         N_("The due date")),
                       "done": _bool(item.get("done", False), f"{where}.done")})
    return parsed


def _apply_follow_ups(visit: Visit, parsed: list[dict]) -> None:
    """The list given replaces the visit's follow-ups: items with an id update that one."""
    by_id = {f.id: f for f in visit.follow_ups}
    kept = []
    for item in parsed:
        follow_up = by_id.get(item["id"]) if item["id"] is not None else None
        if follow_up is None:
            follow_up = VisitFollowUp()
        _fill_follow_up(follow_up, item)
        kept.append(follow_up)
    visit.follow_ups = kept


def _fill_follow_up(follow_up: VisitFollowUp, item: dict) -> None:
    follow_up.action = item["action"]
    follow_up.owner_user = item["owner_user"]
    follow_up.owner_name = item["owner_name"]
    follow_up.due_date = item["due_date"]
    if item["done"] and not follow_up.done:
        follow_up.done_at = clock.now()
    elif not item["done"]:
        follow_up.done_at = None
    follow_up.done = item["done"]


def add_follow_up(visit: Visit, actor: User, *, action, owner, due_date,
                  version=None) -> VisitFollowUp:
    require_write(actor, visit.province)
    check_version(visit, version)
    user, name = _find_owner(owner, "owner")
    follow_up = VisitFollowUp()
    _fill_follow_up(follow_up, {
        "action": _text(action, "action", N_("The action"), ACTION_LENGTH, required=True),
        "owner_user": user, "owner_name": name,
        "due_date": _date(due_date, "due_date", N_("The due date")), "done": False})
    visit.follow_ups.append(follow_up)
    _touch(visit)
    _flush()
    return follow_up


def set_follow_up_done(visit: Visit, actor: User, follow_up_id: int, done: bool,
                       version=None) -> VisitFollowUp:
    require_write(actor, visit.province)
    check_version(visit, version)
    follow_up = next((f for f in visit.follow_ups if f.id == follow_up_id), None)
    if follow_up is None:
        raise NotFound(_("No such follow-up on this visit."))
    _fill_follow_up(follow_up, {"action": follow_up.action, "owner_user": follow_up.owner_user,
                                "owner_name": follow_up.owner_name,
                                "due_date": follow_up.due_date, "done": bool(done)})
    _touch(visit)
    _flush()
    return follow_up


def _linkable_case(visit: Visit, actor: User, raw, field: str = "cases") -> Case:
    case = None
    case_id = whole_number(raw)
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        case = db.session.scalar(sa.select(Case).where(Case.ref == text.upper())) \
            or db.session.scalar(sa.select(Case).where(Case.ref == text))
    if case is None and case_id is not None and IDS.least <= case_id <= IDS.most:
        case = db.session.get(Case, case_id)
    # a case the actor may not see does not exist for them
    if case is None or not authz.case_in_scope(actor, case):
        raise Invalid(_("No case %(ref)s", ref=repr(str(raw)[:30])), field=field)
    creator = visit.created_by or actor
    if not authz.case_in_scope(creator, case):
        raise Invalid(_("Case %(ref)s is outside the scope of %(name)s, who planned this visit",
                        ref=case.ref or case.id, name=creator.name), field=field)
    return case


def _set_cases(visit: Visit, actor: User, raw) -> None:
    """The list given replaces the linked cases the actor can see; others are kept."""
    if not isinstance(raw, list) or len(raw) > CASES_PER_VISIT:
        raise Invalid(_("cases must be a list of at most %(maximum)d case ids",
                        maximum=CASES_PER_VISIT), field="cases")
    wanted: dict[int, Case] = {}
    for item in raw:
        case = _linkable_case(visit, actor, item)
        wanted[case.id] = case
    kept = [link for link in visit.case_links
            if link.case_id in wanted or not authz.case_in_scope(actor, link.case)]
    present = {link.case_id for link in kept}
    for case_id, case in wanted.items():
        if case_id not in present:
            kept.append(VisitCase(case=case))
    visit.case_links = kept


def link_case(visit: Visit, actor: User, case_ref, version=None) -> Case:
    require_write(actor, visit.province)
    check_version(visit, version)
    case = _linkable_case(visit, actor, case_ref, field="case")
    if all(link.case_id != case.id for link in visit.case_links):
        visit.case_links.append(VisitCase(case=case))
    _touch(visit)
    _flush()
    return case


def unlink_case(visit: Visit, actor: User, case_id: int, version=None) -> None:
    require_write(actor, visit.province)
    check_version(visit, version)
    link = next((link for link in visit.case_links if link.case_id == case_id), None)
    if link is None or not authz.case_in_scope(actor, link.case):
        raise NotFound(_("That case is not linked to this visit."))
    visit.case_links.remove(link)
    _touch(visit)
    _flush()


# --- lists ------------------------------------------------------------------------------------

# ?upcoming= : what a checkbox or a client may send for yes and no
UPCOMING = {"1": True, "true": True, "yes": True, "on": True,
            "0": False, "false": False, "no": False, "off": False}


@dataclass
class VisitFilters:
    leader: str | None = None     # email
    province: str | None = None   # province code
    status: str | None = None
    upcoming: bool = False

    @classmethod
    def from_args(cls, args) -> "VisitFilters":
        def arg(name):
            value = args.get(name)
            typed = value.strip() if isinstance(value, str) else ""
            return typed[:FILTER_LENGTH] or None
        upcoming = arg("upcoming")
        if upcoming is not None and upcoming not in UPCOMING:
            raise Invalid(_("upcoming must be one of %(choices)s", choices=", ".join(UPCOMING)),
                          field="upcoming")
        filters = cls(leader=arg("leader"), province=arg("province"), status=arg("status"),
                      upcoming=UPCOMING.get(upcoming, False))
        if filters.status and filters.status not in VISIT_STATUSES:
            raise Invalid(_("Status must be one of %(choices)s",
                            choices=", ".join(VISIT_STATUSES)), field="status")
        return filters

    def as_args(self) -> dict:
        args = {k: v for k, v in vars(self).items() if v and k != "upcoming"}
        if self.upcoming:
            args["upcoming"] = "1"
        return args


def _visit_load_options():
    return (joinedload(Visit.leader), joinedload(Visit.province), joinedload(Visit.host_unit),
            selectinload(Visit.follow_ups).joinedload(VisitFollowUp.owner_user),
            selectinload(Visit.case_links).joinedload(VisitCase.case).joinedload(Case.unit))


def visit_list_query(user: User, filters: VisitFilters, today: date | None = None):
    """Visits in the user's scope matching `filters`; upcoming ones soonest first."""
    today = today or clock.today()
    query = sa.select(Visit).where(visit_scope(user)).options(*_visit_load_options())
    if filters.leader:
        query = query.where(Visit.leader_id.in_(
            sa.select(User.id).where(User.email == filters.leader.lower())))
    if filters.province:
        query = query.where(Visit.province_id.in_(
            sa.select(Province.id).where(Province.code == filters.province.zfill(2))))
    if filters.status:
        query = query.where(Visit.status == filters.status)
    if filters.upcoming:
        return (query.where(Visit.status == "planned", Visit.planned_date >= today)
                .order_by(Visit.planned_date, Visit.id))
    return query.order_by(Visit.planned_date.desc(), Visit.id.desc())


def overdue_follow_ups(user: User, today: date | None = None) -> list[VisitFollowUp]:
    """Follow-ups past their due date and not done, of visits in scope (not cancelled ones)."""
    today = today or clock.today()
    query = (sa.select(VisitFollowUp).join(VisitFollowUp.visit)
             .where(visit_scope(user), VisitFollowUp.done.is_(False),
                    VisitFollowUp.due_date < today, Visit.status != "cancelled")
             .options(joinedload(VisitFollowUp.owner_user),
                      joinedload(VisitFollowUp.visit).joinedload(Visit.leader),
                      joinedload(VisitFollowUp.visit).joinedload(Visit.province))
             .order_by(VisitFollowUp.due_date, VisitFollowUp.id))
    return list(db.session.scalars(query))


def visits_of_case(case_id: int) -> list[Visit]:
    """The visits at which a case was discussed, newest first (for the case page, which has
    already checked the case is in the reader's scope)."""
    return list(db.session.scalars(
        sa.select(Visit).join(VisitCase, VisitCase.visit_id == Visit.id)
        .where(VisitCase.case_id == case_id)
        .options(joinedload(Visit.leader), joinedload(Visit.province),
                 joinedload(Visit.host_unit))
        .order_by(Visit.planned_date.desc(), Visit.id.desc())))


# --- coverage: who covers which province, and where no visit took place ----------------------

@dataclass
class ProvinceCoverage:
    province: Province
    leader: User | None
    last_done: date | None
    next_planned: date | None
    gap: bool          # no visit done since the cutoff


def gap_cutoff(months: int | None = None, today: date | None = None) -> date:
    months = get_setting("visit_gap_months") if months is None else months
    return (today or clock.today()) - relativedelta(months=int(months))


def coverage(user: User, months: int | None = None,
             today: date | None = None) -> list[ProvinceCoverage]:
    """Every province in the user's scope, its assigned leader and its last and next visits
    (four queries, whatever the number of provinces)."""
    today = today or clock.today()
    cutoff = gap_cutoff(months, today)
    provinces = visible_provinces(user)
    leaders = {a.province_id: a.leader for a in db.session.scalars(
        sa.select(ProvinceAssignment).options(joinedload(ProvinceAssignment.leader)))}
    last_done = dict(db.session.execute(
        sa.select(Visit.province_id, sa.func.max(Visit.planned_date))
        .where(Visit.status == "done").group_by(Visit.province_id)).all())
    next_planned = dict(db.session.execute(
        sa.select(Visit.province_id, sa.func.min(Visit.planned_date))
        .where(Visit.status == "planned", Visit.planned_date >= today)
        .group_by(Visit.province_id)).all())
    rows = []
    for province in provinces:
        last = last_done.get(province.id)
        rows.append(ProvinceCoverage(province, leaders.get(province.id), last,
                                     next_planned.get(province.id),
                                     gap=last is None or last < cutoff))
    return rows


def provinces_without_visit(user: User, months: int | None = None,
                            today: date | None = None) -> list[ProvinceCoverage]:
    return [row for row in coverage(user, months, today) if row.gap]


def assign_province(actor: User, *, leader, province) -> ProvinceAssignment:
    """Give a province to a standing member (a leader at the VGCL node); it moves from whoever
    covered it before."""
    reason = why_not_assign(actor)
    if reason:
        raise Forbidden(reason)
    where = find_province(province)
    user = db.session.scalar(sa.select(User).where(User.email == leader.strip().lower())) \
        if isinstance(leader, str) and leader.strip() else None
    if user is None or not user.active:
        raise Invalid(_("No active user with the email %(email)s", email=repr(str(leader)[:100])),
                      field="leader")
    if user.role != "leader" or not authz.national(user):
        raise Invalid(_("%(name)s is not a leader of the VGCL; only standing members of the "
                        "Presidium are assigned provinces", name=user.name), field="leader")
    assignment = db.session.scalar(
        sa.select(ProvinceAssignment).where(ProvinceAssignment.province_id == where.id))
    if assignment is None:
        assignment = ProvinceAssignment(province=where, leader=user, assigned_by_id=actor.id)
        db.session.add(assignment)
    else:
        assignment.leader = user
        assignment.assigned_by_id = actor.id
        assignment.created_at = clock.now()
    db.session.flush()
    return assignment


def unassign_province(actor: User, province) -> None:
    reason = why_not_assign(actor)
    if reason:
        raise Forbidden(reason)
    where = find_province(province)
    assignment = db.session.scalar(
        sa.select(ProvinceAssignment).where(ProvinceAssignment.province_id == where.id))
    if assignment is None:
        raise NotFound(_("No leader covers %(province)s.", province=where.name))
    db.session.delete(assignment)
    db.session.flush()


def assignable_leaders() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(User.unit)
        .where(User.role == "leader", User.active.is_(True), OrgUnit.is_root)
        .order_by(User.name)))


def eligible_leaders(actor: User) -> list[User]:
    """The leaders `actor` may plan a visit for: VGCL leaders, and leaders in the actor's
    subtree (a provincial leader: those of their province)."""
    return list(db.session.scalars(
        sa.select(User).join(User.unit)
        .where(User.role == "leader", User.active.is_(True),
               sa.or_(OrgUnit.is_root, OrgUnit.path.startswith(actor.unit.path)))
        .order_by(User.name)))


def _by_name(provinces) -> list[Province]:
    """Alphabetical as people read it ("Đà Nẵng" among the D's), whatever the DB collation."""
    return sorted(provinces, key=lambda p: search_key(p.name))


def visible_provinces(user: User) -> list[Province]:
    return _by_name(db.session.scalars(sa.select(Province).where(province_scope(user))))


def writable_provinces(actor: User) -> list[Province]:
    if why_not_write(actor) is not None:
        return []
    query = sa.select(Province)
    if actor.role == "leader" and not authz.national(actor):
        query = query.where(Province.id == unit_province_id(actor.unit))
    return _by_name(db.session.scalars(query))
