"""Leadership visits: planning a visit and recording it (status, outcome, follow-ups, the cases
discussed). Who may read and write them is `casework.authz` (its visits section); reading their
values is `visit_input`; the lists and the provinces' coverage have modules of their own
(`visit_lists`, `visit_coverage`). Operations flush, never commit.
"""
from __future__ import annotations

import sqlalchemy as sa

from casework import authz, clock
from casework.errors import Conflict, Invalid, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, User, Visit, VisitCase, VisitFollowUp
from casework.models.visit import VISIT_STATUSES
from casework.schemas.limits import MAX_ID
from casework.services.visit_input import (check_version, check_visit_date, clean_bool,
                                           clean_date, clean_text, find_host_unit, find_leader,
                                           find_province, save, touch)
from casework.text import whole_number
from casework.workflow.definition import N_

MAX_PURPOSE = 5000
MAX_OUTCOME = 10000
MAX_ACTION = 1000
MAX_HOST_NOTE = 300
MAX_OWNER = 200
MAX_FOLLOW_UPS = 100
MAX_CASES = 200
STATUS_CHANGES = {"planned": ("done", "cancelled")}
EDITABLE = ("planned_date", "purpose", "status", "outcome", "follow_ups", "cases", "host_unit",
            "host_note")
IGNORED = ("id", "version", "created_at", "updated_at")
# a status as a word inside a sentence; translated where used
STATUS_NAMES = {"planned": N_("planned"), "done": N_("done"), "cancelled": N_("cancelled")}
FIXED = {"leader": N_("The leader of a visit cannot be changed; cancel it and plan another"),
         "province": N_("The province of a visit cannot be changed; cancel it and plan another")}


def get_visit(user: User, visit_id: int) -> Visit:
    """The visit, if `user` may read it; otherwise it does not exist (404)."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or not authz.visit_in_scope(user, visit):
        raise NotFound(_("No such visit."))
    return visit


def create_visit(actor: User, *, province, host_unit, planned_date, purpose, leader=None,
                 host_note="", cases=None) -> Visit:
    authz.require_write_visits(actor)
    where = find_province(province)
    authz.require_write_visits(actor, where)
    if leader in (None, ""):
        if actor.role != "leader":
            raise Invalid(_("The leader who makes the visit is required"), field="leader")
        who = find_leader(actor.email, where)
    else:
        who = find_leader(leader, where)
    when = clean_date(planned_date, "planned_date", N_("The planned date"))
    check_visit_date(when, "planned")
    visit = Visit(leader=who, province=where, host_unit=find_host_unit(host_unit, where),
                  host_note=clean_text(host_note, "host_note", N_("The host note"),
                                       MAX_HOST_NOTE, multiline=False),
                  planned_date=when,
                  purpose=clean_text(purpose, "purpose", N_("The purpose"), MAX_PURPOSE,
                                     required=True),
                  status="planned", outcome="", created_by=actor)
    db.session.add(visit)
    if cases is not None:
        set_cases(visit, actor, cases)
    save()
    return visit


def update_visit(visit: Visit, actor: User, changes: dict, *, version=None) -> Visit:
    """Apply any of EDITABLE; all are checked before anything is changed."""
    authz.require_write_visits(actor, visit.province)
    check_version(visit, version)
    for key in changes:
        if key in ("leader", "province"):
            raise Invalid(_(FIXED[key]), field=key)
        if key not in EDITABLE and key not in IGNORED:
            raise Invalid(_("Unknown field %(name)s", name=repr(str(key)[:40])),
                          field=str(key)[:40])
    new = {}
    if "planned_date" in changes:
        new["planned_date"] = clean_date(changes["planned_date"], "planned_date",
                                         N_("The planned date"))
    if "purpose" in changes:
        new["purpose"] = clean_text(changes["purpose"], "purpose", N_("The purpose"),
                                    MAX_PURPOSE, required=True)
    if "outcome" in changes:
        new["outcome"] = clean_text(changes["outcome"], "outcome", N_("The outcome"),
                                    MAX_OUTCOME)
    if "host_unit" in changes:
        new["host_unit"] = find_host_unit(changes["host_unit"], visit.province)
    if "host_note" in changes:
        new["host_note"] = clean_text(changes["host_note"], "host_note", N_("The host note"),
                                      MAX_HOST_NOTE, multiline=False)
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
    follow_ups = parse_follow_ups(visit, changes["follow_ups"]) \
        if "follow_ups" in changes else None
    status = new.get("status", visit.status)
    if new.get("status") == "done":
        if not new.get("outcome", visit.outcome):
            raise Invalid(_("Record the outcome of the visit to mark it done"), field="outcome")
        check_visit_date(new.get("planned_date", visit.planned_date), "done")
    elif "planned_date" in new and new["planned_date"] != visit.planned_date \
            and status in ("planned", "done"):
        check_visit_date(new["planned_date"], status)
    if "cases" in changes:
        set_cases(visit, actor, changes["cases"])
    for key, value in new.items():
        setattr(visit, key, value)
    if follow_ups is not None:
        apply_follow_ups(visit, follow_ups)
    touch(visit)
    save()
    return visit


# --- follow-ups -------------------------------------------------------------------------------

def find_owner(value, field: str) -> tuple[User | None, str]:
    """An owner is a user (given by email) or a person named in words."""
    if isinstance(value, dict):
        value = value.get("email") or value.get("name")
    name = clean_text(value, field, N_("The owner"), MAX_OWNER, required=True, multiline=False)
    if "@" in name:
        user = db.session.scalar(sa.select(User).where(User.email == name.lower()))
        if user is None or not user.active:
            raise Invalid(_("No active user with the email %(email)s (give an email of a user, or "
                            "a name)", email=repr(name[:100])), field=field)
        return user, ""
    return None, name


def parse_follow_ups(visit: Visit, items) -> list[dict]:
    if not isinstance(items, list) or len(items) > MAX_FOLLOW_UPS:
        raise Invalid(_("follow_ups must be a list of at most %(maximum)d actions",
                        maximum=MAX_FOLLOW_UPS), field="follow_ups")
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
        user, name = find_owner(item.get("owner"), f"{where}.owner")
        parsed.append({"id": fid,
                       "action": clean_text(item.get("action"), f"{where}.action",
                                            N_("The action"), MAX_ACTION, required=True),
                       "owner_user": user, "owner_name": name,
                       "due_date": clean_date(item.get("due_date"), f"{where}.due_date",
                                              N_("The due date")),
                       "done": clean_bool(item.get("done", False), f"{where}.done")})
    return parsed


def apply_follow_ups(visit: Visit, parsed: list[dict]) -> None:
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
    authz.require_write_visits(actor, visit.province)
    check_version(visit, version)
    user, name = find_owner(owner, "owner")
    follow_up = VisitFollowUp()
    _fill_follow_up(follow_up, {
        "action": clean_text(action, "action", N_("The action"), MAX_ACTION, required=True),
        "owner_user": user, "owner_name": name,
        "due_date": clean_date(due_date, "due_date", N_("The due date")), "done": False})
    visit.follow_ups.append(follow_up)
    touch(visit)
    save()
    return follow_up


def set_follow_up_done(visit: Visit, actor: User, follow_up_id: int, done: bool,
                       version=None) -> VisitFollowUp:
    authz.require_write_visits(actor, visit.province)
    check_version(visit, version)
    follow_up = next((f for f in visit.follow_ups if f.id == follow_up_id), None)
    if follow_up is None:
        raise NotFound(_("No such follow-up on this visit."))
    _fill_follow_up(follow_up, {"action": follow_up.action, "owner_user": follow_up.owner_user,
                                "owner_name": follow_up.owner_name,
                                "due_date": follow_up.due_date, "done": bool(done)})
    touch(visit)
    save()
    return follow_up


# --- the cases discussed ---------------------------------------------------------------------

def _linkable_case(visit: Visit, actor: User, raw, field: str = "cases") -> Case:
    case = None
    case_id = whole_number(raw)
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        case = db.session.scalar(sa.select(Case).where(Case.ref == text.upper())) \
            or db.session.scalar(sa.select(Case).where(Case.ref == text))
    if case is None and case_id is not None and 0 < case_id <= MAX_ID:
        case = db.session.get(Case, case_id)
    # a case the actor may not see does not exist for them
    if case is None or not authz.case_in_scope(actor, case):
        raise Invalid(_("No case %(ref)s", ref=repr(str(raw)[:30])), field=field)
    creator = visit.created_by or actor
    if not authz.case_in_scope(creator, case):
        raise Invalid(_("Case %(ref)s is outside the scope of %(name)s, who planned this visit",
                        ref=case.ref or case.id, name=creator.name), field=field)
    return case


def set_cases(visit: Visit, actor: User, raw) -> None:
    """The list given replaces the linked cases the actor can see; others are kept."""
    if not isinstance(raw, list) or len(raw) > MAX_CASES:
        raise Invalid(_("cases must be a list of at most %(maximum)d case ids",
                        maximum=MAX_CASES), field="cases")
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
    authz.require_write_visits(actor, visit.province)
    check_version(visit, version)
    case = _linkable_case(visit, actor, case_ref, field="case")
    if all(link.case_id != case.id for link in visit.case_links):
        visit.case_links.append(VisitCase(case=case))
    touch(visit)
    save()
    return case


def unlink_case(visit: Visit, actor: User, case_id: int, version=None) -> None:
    authz.require_write_visits(actor, visit.province)
    check_version(visit, version)
    link = next((link for link in visit.case_links if link.case_id == case_id), None)
    if link is None or not authz.case_in_scope(actor, link.case):
        raise NotFound(_("That case is not linked to this visit."))
    visit.case_links.remove(link)
    touch(visit)
    save()
