"""Approval requests over JSON."""
import sqlalchemy as sa
from flask import g, jsonify, request

from casework import authz
from casework.api import bp, json_body
from casework.api.serializers import approval_json, case_json
from casework.extensions import db
from casework.models import ApprovalRequest, Case
from casework.models.approval import APPROVAL_STATUSES
from casework.errors import DomainError
from casework.services.approvals import decide, get_visible_approval, withdraw
from casework.services.history import with_case
from casework.transaction import commit


@bp.get("/approvals")
def list_approvals():
    status = request.args.get("status") or "pending"  # given empty: the default
    if status not in APPROVAL_STATUSES:
        raise DomainError("status must be one of " + ", ".join(APPROVAL_STATUSES),
                          code="bad_request", status=400, field="status")
    user = g.api_user
    query = (sa.select(ApprovalRequest).join(Case, Case.id == ApprovalRequest.case_id)
             .where(ApprovalRequest.status == status,
                    Case.unit_id.in_(authz.scope_unit_ids(user)))
             .order_by(ApprovalRequest.requested_at, ApprovalRequest.id).limit(500))
    items = list(db.session.scalars(with_case(query)))
    return jsonify({"items": [approval_json(a, user) for a in items], "total": len(items)})


@bp.post("/approvals/<int:approval_id>/decision")
def decision(approval_id: int):
    approval = get_visible_approval(g.api_user, approval_id)
    body = json_body()
    decide(approval, g.api_user, decision=body.get("decision"), comment=body.get("comment"),
           data=body.get("data"))
    commit()
    return jsonify({"approval": approval_json(approval, g.api_user),
                    "case": case_json(approval.case, g.api_user)})


@bp.post("/approvals/<int:approval_id>/withdraw")
def withdraw_request(approval_id: int):
    approval = get_visible_approval(g.api_user, approval_id)
    body = json_body() if request.get_data() else {}
    withdraw(approval, g.api_user, comment=body.get("comment"))
    commit()
    return jsonify({"approval": approval_json(approval, g.api_user),
                    "case": case_json(approval.case, g.api_user)})
