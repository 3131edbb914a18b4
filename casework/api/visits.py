"""Leadership visits over JSON."""
from __future__ import annotations

from flask import g, jsonify, request

from casework.api import answer, bp, json_body, paginated
from casework.api.docs import operation
from casework.schemas.base import load
from casework.schemas.visits import PATCH, Visit, VisitInput, VisitList, VisitPatch, VisitQuery
from casework.services.visit_lists import VisitFilters, visit_list_query
from casework.services.visits import create_visit, get_visit, update_visit
from casework.transaction import commit


@bp.get("/visits")
@operation(summary="Leadership visits in your scope", query=VisitQuery,
           responses={200: (VisitList, "A page of visits")}, tags=["visits"])
def list_visits():
    query = visit_list_query(g.api_user, VisitFilters.from_args(request.args))  # VisitQuery
    return paginated(query, VisitList, default_per_page=50)


@bp.post("/visits")
@operation(summary="Plan a visit (leaders)", body=VisitInput,
           responses={201: (Visit, "The visit"), 403: None, 409: None}, tags=["visits"])
def post_visit():
    visit = create_visit(g.api_user, **load(VisitInput, json_body()))
    commit()
    return jsonify(answer(Visit, visit)), 201


@bp.get("/visits/<int:visit_id>")
@operation(summary="A visit", responses={200: (Visit, "The visit"), 404: None},
           tags=["visits"])
def show_visit(visit_id: int):
    return jsonify(answer(Visit, get_visit(g.api_user, visit_id)))


@bp.patch("/visits/<int:visit_id>")
@operation(summary="Change or record a visit", body=VisitPatch,
           responses={200: (Visit, "The visit"), 403: None, 404: None, 409: None},
           tags=["visits"])
def patch_visit(visit_id: int):
    visit = get_visit(g.api_user, visit_id)
    changes = load(VisitPatch, json_body(), partial=PATCH)
    update_visit(visit, g.api_user, changes, version=changes.pop("version", None))
    commit()
    return jsonify(answer(Visit, visit)), 200
