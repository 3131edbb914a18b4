"""Schemathesis against /api/v1/openapi.json, in process (WSGI): for every operation of the
document, generated requests (valid ones, and ones that break the schema) never get a 5xx, and
every answer has a documented status code, content type and response schema.

The database is seeded for each operation: cases in several states, a pending approval, a
visit; requests carry a supervisor's token, or a VGCL leader's for the visits. Half of the
generated path ids are replaced by ids that exist, so the operations are reached beyond 404.

SCHEMATHESIS_EXAMPLES (default 25) is the number of examples per operation and generation mode
(positive: data the document allows; negative: data it does not).
"""
from __future__ import annotations

import os
from datetime import datetime, time, timedelta

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from casework.api.openapi import operations
from casework import clock
from casework.extensions import db
from helpers import TODAY, bearer, fire, make_case, make_team, new_user, walk_to

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# schemathesis leaves out the document's own path (tests/test_openapi.py covers it)
OPERATION_IDS = sorted(endpoint.split(".", 1)[1] for endpoint in operations(200)
                       if endpoint != "api.openapi")


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema


@pytest.fixture
def world():
    """What the operations act on, and the tokens to act with."""
    from casework.services.visits import create_visit
    from casework.transaction import commit
    team = make_team()
    leader = new_user("leader", "VGCL")
    cases = {state: walk_to(make_case(team.organiser), state, team)
             for state in ("identified", "eligible", "dossier_submitted")}
    _outcome, approval = fire(cases["dossier_submitted"], team.organiser, "recognise")
    with clock.travel_to(datetime.combine(TODAY - timedelta(days=8), time(9),
                                          tzinfo=clock.VIETNAM)):  # not planned in the past
        visit = create_visit(leader, province="79", host_unit="LDLD-79",
                             planned_date=TODAY - timedelta(days=1), purpose="Đôn đốc thành lập",
                             cases=[cases["eligible"].id])
    commit()
    return {"case_id": [c.id for c in cases.values()], "approval_id": [approval.id],
            "visit_id": [visit.id], "supervisor": bearer(team.supervisor),
            "leader": bearer(leader)}


def call_and_check(case, world) -> None:
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        ids = world.get(name)
        if ids and isinstance(value, int) and value % 2 == 0:  # half the time, one that exists
            params[name] = ids[value // 2 % len(ids)]
    token = world["leader"] if case.path.startswith("/visits") else world["supervisor"]
    for key in list(vars(g)):  # the test's app context is shared with the request: start clean
        delattr(g, key)
    response = case.call(headers=token)
    db.session.rollback()
    case.validate_response(response, checks=CHECKS)


def test_schemathesis_sees_every_operation(api_schema):
    seen = sorted(result.ok().definition.raw.get("operationId")
                  for result in api_schema.get_all_operations())
    assert seen == OPERATION_IDS


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_operation_conforms_to_the_document(api_schema, world, operation_id, mode):
    found = [result.ok() for result in api_schema.get_all_operations()
             if result.ok().definition.raw.get("operationId") == operation_id]
    assert len(found) == 1, operation_id
    operation = found[0]
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception as exc:  # noqa: BLE001  (an operation with nothing to break)
        pytest.skip(f"no {mode.value} data for {operation_id}: {exc}")

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        call_and_check(case, world)

    run()
