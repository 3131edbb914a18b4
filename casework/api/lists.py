"""Working lists over JSON: the reader's lists, saving one, and a list's cases."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy.orm import undefer

from casework.api import bp, json_body, paginated
from casework.api.docs import operation
from casework.schemas import answers
from casework.models import Case
from casework.schemas.base import dump, load
from casework.schemas.lists import ListInput, WorkingList, WorkingLists
from casework.services.lists import find_list, lists_for, save_list
from casework.services.queries import case_list_query
from casework.transaction import commit


@bp.get("/lists")
@operation(summary="Your working lists (built-in and saved, yours and your unit's), counted",
           responses={200: WorkingLists}, tags=["lists"])
def get_lists():
    return jsonify(dump(WorkingLists, {"items": lists_for(g.api_user, counted=True)}))


@bp.post("/lists")
@operation(summary="Save a case list filter as a working list, private or shared with your unit",
           body=ListInput, responses={201: WorkingList, 409: None}, tags=["lists"])
def post_list():
    values = load(ListInput, json_body())
    item = save_list(g.api_user, name=values["name"], filters=values["filters"],
                     shared=values["shared"])
    body = dump(WorkingList, item)
    commit()
    return jsonify(body), 201


@bp.get("/lists/<list_id>/cases")
@operation(summary="The cases of a working list, in your scope (the shape of GET /cases)",
           responses={200: (answers.CaseList, "A page of the list's cases"), 404: None},
           tags=["lists"])
def list_cases_of(list_id: str):
    item = find_list(g.api_user, list_id)
    query = case_list_query(g.api_user, item.case_filters).options(
        undefer(Case.approval_pending), undefer(Case.applications_received))
    return paginated(query, answers.CaseList)
