"""The OpenAPI document at /api/v1/openapi.json: valid, complete, and true to the answers."""
from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest
from openapi_spec_validator import validate

from casework.api.openapi import api_rules, openapi_path, rule_methods, undocumented
from casework.schemas.fields import C0, text_pattern
from casework.workflow.definition import DOCUMENTS, FLOWS
from tests.helpers import TODAY, Api, log, make_case, make_team, walk_to


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")  # no token
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


LINE = {"type": "string", "pattern": text_pattern(C0)}  # one line of text


def schema_validator(document: dict, name: str):
    """A JSON-schema validator of a component, with the document's $refs resolvable and
    OpenAPI 3.0's `nullable` honoured (jsonschema does not know it)."""
    def convert(node):
        if isinstance(node, dict):
            out = {k: convert(v) for k, v in node.items()
                   if k not in ("nullable", "discriminator")}
            if node.get("nullable"):
                if "type" in out:
                    out["type"] = [out["type"], "null"]
                if "enum" in out:
                    out["enum"] = out["enum"] + [None]
                if "$ref" in out or "allOf" in out or "oneOf" in out:
                    out = {"anyOf": [out, {"type": "null"}]}
            return out
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node
    root = convert({"components": document["components"]})
    return jsonschema.Draft7Validator({**root, "$ref": f"#/components/schemas/{name}"})


def test_the_document_is_a_valid_openapi_3_document(document):
    assert document["openapi"].startswith("3.")
    validate(document)


def test_it_needs_no_token_and_says_so(client, document):
    assert client.get("/api/v1/openapi.json",
                      headers={"Authorization": "Bearer wrong"}).status_code == 200
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    assert document["security"] == [{"bearerAuth": []}]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"]}
    # every other route still needs one
    assert client.get("/api/v1/workflow").status_code == 401


def test_every_route_of_the_api_is_documented(app, document):
    rules = api_rules(app)
    assert len(rules) >= 15
    assert undocumented(app, document) == []
    for rule in rules:
        item = document["paths"][openapi_path(rule)]
        for method in rule_methods(rule):
            operation = item[method]
            assert operation["responses"], rule
            assert operation["operationId"] == rule.endpoint.split(".", 1)[1]
        for name in rule.arguments:  # path parameters declared
            assert any(p["name"] == name and p["in"] == "path"
                       for p in item.get("parameters", [])), (rule, name)
    # nothing documented that is not served
    served = {(openapi_path(r), m) for r in rules for m in rule_methods(r)}
    documented = {(path, m) for path, item in document["paths"].items()
                  for m in item if m != "parameters"}
    assert documented == served


def test_a_route_without_an_operation_is_reported(app):
    document = {"paths": {}}
    missing = undocumented(app, document)
    assert "POST /api/v1/cases/<int:case_id>/transitions" in missing
    assert "GET /api/v1/openapi.json" in missing


def test_errors_share_one_schema(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters" or path == "/openapi.json":
                continue
            assert "401" in operation["responses"], (path, method)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    name = response["$ref"].rsplit("/", 1)[1]
                    content = document["components"]["responses"][name]["content"]
                    assert content["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}


def test_request_bodies_are_described(document):
    bodies = {(path, method): op["requestBody"]["content"]["application/json"]["schema"]
              for path, item in document["paths"].items() for method, op in item.items()
              if method in ("post", "patch")}
    assert set(bodies) == {("/cases", "post"), ("/cases/{case_id}/steps", "post"),
                           ("/cases/{case_id}/transitions", "post"),
                           ("/approvals/{approval_id}/decision", "post"),
                           ("/approvals/{approval_id}/withdraw", "post"),
                           ("/visits", "post"), ("/visits/{visit_id}", "patch"),
                           ("/cases/{case_id}/applications", "post"),
                           ("/cases/{case_id}/applications/{application_id}", "patch"),
                           ("/cases/{case_id}/application-link", "post"),
                           ("/cases/{case_id}/documents", "post")}


def test_transition_data_is_generated_from_the_workflow_definition(document):
    schemas = document["components"]["schemas"]
    names = {t.name for flow in FLOWS for t in flow.triggers}
    variants = {ref["$ref"].rsplit("/", 1)[1] for ref in schemas["TransitionInput"]["oneOf"]}
    assert variants == {f"Transition_{name}" for name in names}
    expected_types = {"date": {"type": "string", "format": "date"},
                      "int": {"type": "integer", "minimum": 0},
                      "text": {**LINE, "maxLength": 200},
                      "names": {"type": "array", "items": {**LINE, "maxLength": 200}},
                      "documents": {"type": "array",
                                    "items": {"type": "string", "enum": list(DOCUMENTS)}}}
    for flow in FLOWS:
        for trigger in flow.triggers:
            variant = schemas[f"Transition_{trigger.name}"]
            assert variant["properties"]["trigger"]["enum"] == [trigger.name]
            data = variant["properties"]["data"]
            assert set(data["properties"]) == {f.name for f in trigger.fields}
            # what the approver enters (the decision) is optional in the request
            assert sorted(data.get("required", [])) == sorted(
                f.name for f in trigger.request_fields if f.required)
            for field in trigger.fields:
                schema = data["properties"][field.name]
                for key, value in expected_types[field.type].items():
                    assert schema[key] == value, (trigger.name, field.name, key)
            assert ("comment" in variant["required"]) == trigger.comment_required
    hold = schemas["Transition_hold_congress"]["properties"]["data"]["properties"]
    assert hold["attendance"]["type"] == "integer"
    assert hold["committee_members"]["type"] == "array"


def test_valid_trigger_data_validates_against_its_schema(document):
    from tests.helpers import trigger_data
    for flow in FLOWS:
        for trigger in flow.triggers:
            body = {"trigger": trigger.name, "version": 1, "data": trigger_data(trigger.name),
                    "comment": "Lý do" if trigger.comment_required else None}
            schema_validator(document, f"Transition_{trigger.name}").validate(body)
            schema_validator(document, "TransitionInput").validate(body)
    wrong = {"trigger": "hold_congress", "version": 1,
             "data": {"held_on": "2026-13-01", "attendance": -1, "chair": "x",
                      "committee_members": "not a list"}}
    errors = list(schema_validator(document, "Transition_hold_congress").iter_errors(wrong))
    assert {e.path[-1] for e in errors} >= {"attendance", "committee_members"}


def test_a_case_as_served_matches_the_case_schema(client, document):
    team = make_team()
    case = make_case(team.organiser)
    log(case, team.organiser)
    walk_to(case, "congress_held", team)
    api = Api(client, team.organiser)
    body = api.case(case.id)
    case_schema = document["components"]["schemas"]["Case"]
    detail = document["components"]["schemas"]["CaseDetail"]
    # the schema's keys are exactly the documented properties: a case's, and the page's own
    assert set(body) == set(detail["properties"])
    assert set(detail["properties"]) - set(case_schema["properties"]) == {
        "history", "steps", "blocked_triggers"}
    assert set(case_schema["required"]) == set(case_schema["properties"])
    enterprise = document["components"]["schemas"]["Enterprise"]
    assert set(body["enterprises"][0]) == set(enterprise["properties"])
    assert set(body["steps"][0]) == set(document["components"]["schemas"]["Step"]["properties"])
    assert set(body["history"][0]) == set(
        document["components"]["schemas"]["AuditEntry"]["properties"])
    schema_validator(document, "CaseDetail").validate(body)

    listed = api.get("/cases").get_json()
    schema_validator(document, "CaseList").validate(listed)
    assert set(listed["items"][0]) == set(case_schema["properties"])


def test_approvals_visits_and_leadership_answers_match_their_schemas(client, document):
    from tests.helpers import bearer, fire, new_user
    team = make_team()
    case = make_case(team.organiser)
    walk_to(case, "dossier_submitted", team)
    _outcome, approval = fire(case, team.organiser, "recognise")
    supervisor = Api(client, team.supervisor)
    approvals = supervisor.get("/approvals").get_json()
    schema_validator(document, "ApprovalList").validate(approvals)
    approval_schema = document["components"]["schemas"]["Approval"]["properties"]
    assert set(approvals["items"][0]) == set(approval_schema)
    decided = supervisor.post(f"/approvals/{approval.id}/decision", {"decision": "approve"})
    assert decided.status_code == 200, decided.get_json()
    schema_validator(document, "DecisionResult").validate(decided.get_json())

    leader = new_user("leader", "VGCL")
    headers = bearer(leader)
    visit = client.post("/api/v1/visits", headers=headers, json={
        "leader": leader.email, "province": "79", "host_unit": "LDLD-79",
        "planned_date": (TODAY + timedelta(days=30)).isoformat(),   # not in the past
        "purpose": "Đôn đốc thành lập công đoàn cơ sở",
        "cases": [case.id]})
    assert visit.status_code == 201, visit.get_json()
    schema_validator(document, "Visit").validate(visit.get_json())
    assert set(visit.get_json()) == set(document["components"]["schemas"]["Visit"]["properties"])
    listed = client.get("/api/v1/visits", headers=headers).get_json()
    schema_validator(document, "VisitList").validate(listed)
    for path, name in (("/workflow", "Workflow"), ("/pipeline", "Pipeline"),
                       ("/pipeline/timings", "Timings"), ("/targets", "Targets")):
        response = client.get("/api/v1" + path, headers=headers)
        assert response.status_code == 200, (path, response.get_json())
        schema_validator(document, name).validate(response.get_json())
