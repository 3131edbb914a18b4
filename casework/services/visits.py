"""Leadership visits: planning a visit and recording it (status, outcome, follow-ups, the cases
discussed). Who may read and write them is `casework.authz` (its visits section); what their
values refer to is `visit_input` (casework.schemas.visits loads them); the lists and the
provinces' coverage have modules of their own (`visit_lists`, `visit_coverage`). Operations
flush, never commit.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework import authz, clock
from casework.errors import Conflict, Invalid, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, User, Visit, VisitCase, VisitFollowUp
from casework.schemas.limits import IDS
from casework.services.visit_input import (check_version, check_visit_date, find_host_unit,
                                           find_leader, find_owner, find_province, save, touch)
from casework.text import whole_number
from casework.workflow.definition import N_

STATUS_CHANGES = {"planned": ("done", "cancelled")}
# a status as a word inside a sentence; translated where used
STATUS_NAMES = {"planned": N_("planned"), "done": N_("done"), "cancelled": N_("cancelled")}


def get_visit(user: User, visit_id: int) -> Visit:
    """The visit, if `user` may read it; otherwise it does not exist (404)."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or not authz.visit_in_scope(user, visit):
        raise NotFound(_("No such visit."))
    return visit



# --- operations -------------------------------------------------------------------------------

def create_visit(actor: User, *, province: str, host_unit: str, planned_date: date,
                 purpose: str, leader: str | None = None, host_note: str = "",
                 cases: list | None = None) -> Visit:
    """Plan a visit, from the values casework.schemas.visits.VisitInput loads."""
    authz.require_write_visits(actor)
    where = find_province(province)
    authz.require_write_visits(actor, where)
    if leader in (None, ""):
        if actor.role != "leader":
            raise Invalid(_("The leader who makes the visit is required"), field="leader")
        who = find_leader(actor.email, where)
    else:
        who = find_leader(leader, where)
    when = planned_date
    check_visit_date(when, "planned")
    visit = Visit(leader=who, province=where, host_unit=find_host_unit(host_unit, where),
                  host_note=host_note, planned_date=when, purpose=purpose,
                  status="planned", outcome="", created_by=actor)
    db.session.add(visit)
    if cases is not None:
        _set_cases(visit, actor, cases)
    save()
    return visit


def update_visit(visit: Visit, actor: User, changes: dict, *, version=None) -> Visit:
    """Apply the changes casework.schemas.visits.VisitPatch loads (the keys given); all are
    checked before anything is changed."""
    authz.require_write_visits(actor, visit.province)
    check_version(visit, version)
    new = {key: changes[key] for key in ("planned_date", "purpose", "outcome", "host_note")
           if key in changes}
    if "host_unit" in changes:
        new["host_unit"] = find_host_unit(changes["host_unit"], visit.province)
    if "status" in changes:
        status = changes["status"]
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
    follow_ups = _follow_ups_of(visit, changes["follow_ups"]) \
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
        _set_cases(visit, actor, changes["cases"])
    for key, value in new.items():
        setattr(visit, key, value)
    if follow_ups is not None:
        _apply_follow_ups(visit, follow_ups)
    touch(visit)
    save()
    return visit


def _follow_ups_of(visit: Visit, items: list[dict]) -> list[dict]:
    """The follow-ups given (FollowUpInput), their ids on this visit and owners looked up."""
    existing = {f.id for f in visit.follow_ups}
    parsed = []
    for i, item in enumerate(items):
        where = f"follow_ups[{i}]"
        fid = item.get("id")
        if fid is not None and (not isinstance(fid, int) or isinstance(fid, bool)
                                or fid not in existing):
            raise Invalid(_("No follow-up %(id)s on this visit", id=str(fid)[:20]),
                          field=f"{where}.id")
        user, name = find_owner(item["owner"], f"{where}.owner")
        parsed.append({"id": fid, "action": item["action"], "owner_user": user,
                       "owner_name": name, "due_date": item["due_date"],
                       "done": item["done"]})
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


def add_follow_up(visit: Visit, actor: User, *, action: str, owner: str, due_date: date,
                  version=None) -> VisitFollowUp:
    """A follow-up, from the values casework.schemas.visits.FollowUpInput loads."""
    authz.require_write_visits(actor, visit.province)
    check_version(visit, version)
    user, name = find_owner(owner, "owner")
    follow_up = VisitFollowUp()
    _fill_follow_up(follow_up, {"action": action, "owner_user": user, "owner_name": name,
                                "due_date": due_date, "done": False})
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


def _set_cases(visit: Visit, actor: User, raw: list) -> None:
    """The list given replaces the linked cases the actor can see; others are kept."""
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


# --- lists ------------------------------------------------------------------------------------
