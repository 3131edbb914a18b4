"""The register of a case and its application link over JSON.

Out of scope a case is 404; in scope, a leader or an administrator reading a register is 403
(they see the counts in the case's JSON).
"""
from flask import g, jsonify, request

from casework import authz
from casework.api import bp, json_body
from casework.extensions import db
from casework.models import Case, CaseApplication
from casework.api.docs import operation
from casework.schemas.applications import (ApplicationInput, ApplicationLinkOut,
                                           ApplicationList, ApplicationOut, LinkInput, ListQuery,
                                           StatusChange, application_json, load)
from casework.services.application_links import close_link, link_url, open_link
from casework.services.applications import (add_application, also_in_open_cases,
                                            change_status, find_application, register_of,
                                            require_register)
from casework.transaction import commit


def _register_case(case_id: int) -> Case:
    """404 outside the scope; 403 for a reader who may not see names (before the body is
    read, so a refusal does not depend on what was sent)."""
    case = authz.require_case_visible(g.api_user, db.session.get(Case, case_id))
    require_register(g.api_user, case)
    return case


def _one(case: Case, application: CaseApplication) -> dict:
    elsewhere = also_in_open_cases(case, [application.phone] if application.phone else [])
    return application_json(application, elsewhere)


@bp.get("/cases/<int:case_id>/applications")
@operation(summary="The register of a case (organisers and supervisors in scope; viewing is "
                   "audited)", query=ListQuery, responses={200: ApplicationList, 403: None,
                                                           404: None}, tags=["applications"])
def list_applications(case_id: int):
    case = _register_case(case_id)
    query = load(ListQuery, request.args.to_dict())
    applications = register_of(case, g.api_user, status=query["status"])
    elsewhere = also_in_open_cases(case, [a.phone for a in applications if a.phone])
    body = {"items": [application_json(a, elsewhere) for a in applications],
            "total": len(applications)}
    commit()  # the reading is in the history
    return jsonify(body)


@bp.post("/cases/<int:case_id>/applications")
@operation(summary="Add an application to the register (status received)",
           body=ApplicationInput, responses={201: ApplicationOut, 403: None, 404: None,
                                             409: None}, tags=["applications"])
def post_application(case_id: int):
    case = _register_case(case_id)
    values = load(ApplicationInput, json_body())
    application = add_application(case, g.api_user, values)
    body = _one(case, application)
    commit()
    return jsonify(body), 201


@bp.patch("/cases/<int:case_id>/applications/<int:application_id>")
@operation(summary="Verify, reject (a reason) or withdraw an application; verifying counts it "
                   "once (a step of +1), undoing it logs the -1",
           body=StatusChange, responses={200: ApplicationOut, 403: None, 404: None, 409: None},
           tags=["applications"])
def patch_application(case_id: int, application_id: int):
    case = _register_case(case_id)
    application = find_application(case, application_id)
    change = load(StatusChange, json_body())
    change_status(application, g.api_user, **change)
    body = _one(case, application)
    commit()
    return jsonify(body)


@bp.post("/cases/<int:case_id>/application-link")
@operation(summary="Open (or replace) the case's application link; the old one stops working",
           body=LinkInput, body_required=False,
           responses={201: ApplicationLinkOut, 403: None, 404: None, 409: None},
           tags=["applications"])
def post_application_link(case_id: int):
    case = _register_case(case_id)
    # the body is optional; one that is sent must be a JSON object
    values = load(LinkInput, json_body() if request.get_data() else {})
    link = open_link(case, g.api_user, expires_on=values["expires_on"],
                     contact=values["contact"])
    body = {"url": link_url(link),
            "expires_on": link.expires_on.isoformat() if link.expires_on else None}
    commit()
    return jsonify(body), 201


@bp.delete("/cases/<int:case_id>/application-link")
@operation(summary="Close the case's application link (it then answers like an unknown one)",
           responses={204: (None, "Closed"), 403: None, 404: None}, tags=["applications"])
def delete_application_link(case_id: int):
    case = _register_case(case_id)
    close_link(case, g.api_user)
    commit()
    return "", 204
