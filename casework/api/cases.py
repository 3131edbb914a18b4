"""Cases, steps and transitions over JSON."""
from flask import g, jsonify, request
from sqlalchemy.orm import undefer

from casework import authz
from casework.api import answer, bp, json_body, paginated
from casework.api.docs import OneOf, operation
from casework.schemas import answers
from casework.extensions import db
from casework.models import Case
from casework.schemas.base import load
from casework.schemas.cases import CaseInput, CaseQuery, OneEnterpriseCase, SmallUnitsCase
from casework.schemas.paging import without_paging
from casework.schemas.steps import StepInput
from casework.schemas.transitions import TRANSITION_INPUT, TransitionRequest
from casework.services.approvals import route
from casework.services.cases import create_case
from casework.services.history import history_of, steps_of
from casework.services.queries import CaseFilters, case_list_query
from casework.services.steps import log_step
from casework.services.transitions import offered_triggers, request_transition
from casework.transaction import commit

CASE_INPUT = OneOf("CaseInput", (OneEnterpriseCase, SmallUnitsCase),
                   description="One enterprise, or at least two for small_units")


def _visible_case(case_id: int) -> Case:
    return authz.require_case_visible(g.api_user, db.session.get(Case, case_id))


class _Detail:
    """A case with what its page adds: history, steps, the triggers its guards block."""

    def __init__(self, case: Case, **parts):
        self._case = case
        self.__dict__.update(parts)

    def __getattr__(self, name):
        return getattr(self._case, name)


@bp.get("/cases")
@operation(summary="Cases in your scope; q ignores Vietnamese diacritics", query=CaseQuery,
           responses={200: (answers.CaseList, "A page of cases")}, tags=["cases"])
def list_cases():
    filters = CaseFilters(**without_paging(load(CaseQuery, request.args)))
    query = case_list_query(g.api_user, filters)
    # allowed_triggers reads it for every case: loaded with the rows, not one query each
    query = query.options(undefer(Case.approval_pending), undefer(Case.applications_received))
    return paginated(query, answers.CaseList)


@bp.post("/cases")
@operation(summary="Create a case", body=CASE_INPUT,
           responses={201: (answers.Case, "The new case"), 403: None, 409: None}, tags=["cases"])
def post_case():
    case = create_case(g.api_user, **load(CaseInput, json_body()))
    commit()
    return jsonify(answer(answers.Case, case)), 201


@bp.get("/cases/<int:case_id>")
@operation(summary="A case with its history and steps",
           responses={200: (answers.CaseDetail, "The case"), 404: None}, tags=["cases"])
def get_case(case_id: int):
    case = _visible_case(case_id)
    blocked = {t.name: reason for t, reason in offered_triggers(case, g.api_user) if reason}
    detail = _Detail(case, blocked_triggers=blocked, history=history_of(case.id),
                     steps=steps_of(case.id))
    return jsonify(answer(answers.CaseDetail, detail, case=case))


@bp.post("/cases/<int:case_id>/steps")
@operation(summary="Log a step (corrections are new steps)", body=StepInput,
           responses={201: (answers.Step, "The step"), 403: None, 404: None, 409: None},
           tags=["cases"])
def add_step(case_id: int):
    case = _visible_case(case_id)
    step = load(StepInput, json_body())
    step = log_step(case, g.api_user, date_=step.pop("date"), **step)
    commit()
    return jsonify(answer(answers.Step, step)), 201


@bp.post("/cases/<int:case_id>/transitions")
@operation(summary="Fire a trigger, or request the approval it needs", body=TRANSITION_INPUT,
           description="`data` takes the fields of the trigger (see the Transition_* schemas, "
                       "generated from the workflow definition).",
           responses={200: (answers.Case, "The case, moved"),
                      202: (answers.ApprovalFiled, "The approval request filed"),
                      403: None, 404: None, 409: None}, tags=["cases"])
def transition(case_id: int):
    case = _visible_case(case_id)
    outcome, result = request_transition(case, g.api_user, **load(TransitionRequest,
                                                                  json_body()))
    # the body is written from the flushed state, before the commit expires every attribute
    # (reading them again afterwards would cost a query each); a failed commit answers 409
    if outcome == "approval":
        where = route(result)
        body = jsonify(answer(answers.ApprovalFiled, {
            "approval": result, "route": {"unit": where.unit.code, "escalated": where.escalated,
                                          "nobody": where.nobody,
                                          "message": where.message(result)}})), 202
    else:
        body = jsonify(answer(answers.Case, case)), 200
    commit()
    return body
