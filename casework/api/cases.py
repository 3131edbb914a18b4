"""Cases, steps and transitions over JSON."""
from flask import g, jsonify, request
from sqlalchemy.orm import undefer

from casework import authz
from casework.api import bp, json_body, paginated
from casework.api.serializers import (approval_json, audit_json, blocked_triggers, case_json,
                                      step_json)
from casework.services.approvals import route
from casework.extensions import db
from casework.models import Case
from casework.services.cases import create_case
from casework.services.history import history_of, steps_of
from casework.services.queries import CaseFilters, case_list_query
from casework.services.steps import log_step
from casework.services.transitions import request_transition
from casework.transaction import commit


def _visible_case(case_id: int) -> Case:
    return authz.require_case_visible(g.api_user, db.session.get(Case, case_id))


@bp.get("/cases")
def list_cases():
    query = case_list_query(g.api_user, CaseFilters.from_args(request.args))
    # allowed_triggers reads it for every case: loaded with the rows, not one query each
    query = query.options(undefer(Case.approval_pending), undefer(Case.applications_received))
    return paginated(query, lambda case: case_json(case, g.api_user))


@bp.post("/cases")
def post_case():
    body = json_body()
    case = create_case(g.api_user, kind=body.get("kind"), unit=body.get("unit"),
                       enterprises=body.get("enterprises"), organiser=body.get("organiser"),
                       target_members=body.get("target_members"))
    commit()
    return jsonify(case_json(case, g.api_user)), 201


@bp.get("/cases/<int:case_id>")
def get_case(case_id: int):
    case = _visible_case(case_id)
    body = case_json(case, g.api_user)
    body["blocked_triggers"] = blocked_triggers(case, g.api_user)
    body["history"] = [audit_json(e, g.api_user, case) for e in history_of(case.id)]
    body["steps"] = [step_json(s, g.api_user, case) for s in steps_of(case.id)]
    return jsonify(body)


@bp.post("/cases/<int:case_id>/steps")
def add_step(case_id: int):
    case = _visible_case(case_id)
    body = json_body()
    step = log_step(case, g.api_user, kind=body.get("kind"), date_=body.get("date"),
                    note=body.get("note", ""),
                    applications_vietnamese=body.get("applications_vietnamese", 0),
                    applications_foreign=body.get("applications_foreign", 0))
    commit()
    return jsonify(step_json(step)), 201


@bp.post("/cases/<int:case_id>/transitions")
def transition(case_id: int):
    case = _visible_case(case_id)
    body = json_body()
    outcome, result = request_transition(case, g.api_user, trigger=body.get("trigger"),
                                         version=body.get("version"), data=body.get("data"),
                                         comment=body.get("comment"))
    # the body is written from the flushed state, before the commit expires every attribute
    # (reading them again afterwards would cost a query each); a failed commit answers 409
    if outcome == "approval":
        where = route(result)
        answer = jsonify({"approval": approval_json(result, g.api_user),
                          "route": {"unit": where.unit.code, "escalated": where.escalated,
                                    "nobody": where.nobody,
                                    "message": where.message(result)}}), 202
    else:
        answer = jsonify(case_json(case, g.api_user)), 200
    commit()
    return answer
