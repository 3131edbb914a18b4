"""Possible duplicate enterprises over JSON: asked before POST /cases, which still creates."""
from __future__ import annotations

from flask import g, jsonify

from casework import authz
from casework.api import bp, json_body
from casework.api.docs import operation
from casework.schemas.base import dump, load
from casework.schemas.duplicates import DuplicateCheckInput, DuplicateMatches
from casework.services.duplicates import find_for_all


@bp.post("/duplicates")
@operation(summary="Cases whose enterprise may be one of these (same tax code, a branch's "
                   "parent, a similar name in the province)",
           body=DuplicateCheckInput, responses={200: DuplicateMatches}, tags=["cases"])
def check_duplicates():
    values = load(DuplicateCheckInput, json_body())
    matches = []
    for m in find_for_all(values["enterprises"]):
        visible = authz.case_in_scope(g.api_user, m.case)
        matches.append({"case_id": m.case.id if visible else None, "ref": m.case.ref,
                        "unit": m.case.unit.code, "state": m.case.state,
                        "name": m.enterprise.name, "tax_code": m.enterprise.tax_code,
                        "reason": m.reason, "score": m.score})
    return jsonify(dump(DuplicateMatches, {"matches": matches}))
