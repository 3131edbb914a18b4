"""Approval requests over JSON."""
import sqlalchemy as sa
from flask import g, jsonify, request

from casework import authz
from casework.api import answer, bp, json_body
from casework.api.docs import operation
from casework.schemas import answers
from casework.extensions import db
from casework.models import ApprovalRequest, Case
from casework.schemas.approvals import DECISION_INPUT, ApprovalQuery, DecisionInput, WithdrawInput
from casework.schemas.base import load
from casework.services.approvals import decide, get_visible_approval, withdraw
from casework.services.history import with_case
from casework.transaction import commit

DECIDED = (answers.DecisionResult, "The request and its case")


@bp.get("/approvals")
@operation(summary="Approval requests on cases in your scope", query=ApprovalQuery,
           responses={200: (answers.ApprovalList, "At most 500, oldest first")},
           tags=["approvals"])
def list_approvals():
    status = load(ApprovalQuery, request.args)["status"]
    user = g.api_user
    query = (sa.select(ApprovalRequest).join(Case, Case.id == ApprovalRequest.case_id)
             .where(ApprovalRequest.status == status,
                    Case.unit_id.in_(authz.scope_unit_ids(user)))
             .order_by(ApprovalRequest.requested_at, ApprovalRequest.id).limit(500))
    items = list(db.session.scalars(with_case(query)))
    return jsonify(answer(answers.ApprovalList, {"items": items, "total": len(items)}))


@bp.post("/approvals/<int:approval_id>/decision")
@operation(summary="Approve or reject (a comment is required to reject)", body=DECISION_INPUT,
           responses={200: DECIDED, 403: None, 404: None, 409: None}, tags=["approvals"])
def decision(approval_id: int):
    approval = get_visible_approval(g.api_user, approval_id)
    decide(approval, g.api_user, **load(DecisionInput, json_body()))
    commit()
    return jsonify(answer(answers.DecisionResult, {"approval": approval,
                                                   "case": approval.case}))


@bp.post("/approvals/<int:approval_id>/withdraw")
@operation(summary="Withdraw your own pending request (audited)", body=WithdrawInput,
           body_required=False, responses={200: DECIDED, 403: None, 404: None, 409: None},
           tags=["approvals"])
def withdraw_request(approval_id: int):
    approval = get_visible_approval(g.api_user, approval_id)
    withdraw(approval, g.api_user, **load(WithdrawInput, json_body() if request.get_data()
                                          else {}))
    commit()
    return jsonify(answer(answers.DecisionResult, {"approval": approval,
                                                   "case": approval.case}))
