"""Leadership visits over JSON."""
from __future__ import annotations

from flask import g, jsonify, request

from casework import authz
from casework.api import bp, json_body, paginated
from casework.api.serializers import iso
from casework.models import User, Visit
from casework.services.visit_lists import VisitFilters, visit_list_query
from casework.services.visits import create_visit, get_visit, update_visit
from casework.transaction import commit


def visit_json(visit: Visit, user: User) -> dict:
    """A visit as the API shows it; only the linked cases the reader may see are listed."""
    return {
        "id": visit.id, "leader": visit.leader.email, "leader_name": visit.leader.name,
        "province": visit.province.code, "host_unit": visit.host_unit.code,
        "host_note": visit.host_note, "planned_date": iso(visit.planned_date),
        "purpose": visit.purpose, "status": visit.status, "outcome": visit.outcome,
        "follow_ups": [{"id": f.id, "action": f.action, "owner": f.owner,
                        "due_date": iso(f.due_date), "done": f.done}
                       for f in visit.follow_ups],
        "cases": [{"id": link.case.id, "ref": link.case.ref} for link in visit.case_links
                  if authz.case_in_scope(user, link.case)],
        "version": visit.version,
        "created_at": iso(visit.created_at), "updated_at": iso(visit.updated_at),
    }


@bp.get("/visits")
def list_visits():
    query = visit_list_query(g.api_user, VisitFilters.from_args(request.args))
    return paginated(query, lambda visit: visit_json(visit, g.api_user), default_per_page=50)


@bp.post("/visits")
def post_visit():
    body = json_body()
    visit = create_visit(g.api_user, leader=body.get("leader"), province=body.get("province"),
                         host_unit=body.get("host_unit"), host_note=body.get("host_note", ""),
                         planned_date=body.get("planned_date"), purpose=body.get("purpose"),
                         cases=body.get("cases"))
    commit()
    return jsonify(visit_json(visit, g.api_user)), 201


@bp.get("/visits/<int:visit_id>")
def show_visit(visit_id: int):
    return jsonify(visit_json(get_visit(g.api_user, visit_id), g.api_user))


@bp.patch("/visits/<int:visit_id>")
def patch_visit(visit_id: int):
    visit = get_visit(g.api_user, visit_id)
    body = json_body()
    update_visit(visit, g.api_user, body, version=body.get("version"))
    commit()
    return jsonify(visit_json(visit, g.api_user)), 200
