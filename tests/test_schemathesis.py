"""Schemathesis against /api/v1/openapi.json with every one of its checks, as its command line
runs them (`schemathesis run --checks all`): the app is served on a local port and the engine
goes through its phases — coverage (the document's edge values and one step past each),
fuzzing (generated requests, valid and invalid) and stateful (sequences following the
links it infers) — and every answer must be what the document says: no 5xx, a documented
status, content type and schema, invalid data refused, valid data accepted, 405 with `Allow`
for a method an operation does not have, 401 without the token.

The database is seeded first: cases in several states, a pending approval, a visit; requests
carry a supervisor's token, or a VGCL leader's on /visits. Half of the path ids drawn are
replaced by ids that exist, so the operations are reached beyond 404.

SCHEMATHESIS_EXAMPLES (default 5) bounds the examples per operation and mode; the figures
(operations, requests, failures) are printed at the end of the run.
"""
from __future__ import annotations

import json
import os
import threading
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.run import PhaseName
from werkzeug.serving import make_server

from casework.api.openapi import api_rules, rule_methods
from casework import clock
from casework.schemas.limits import IDS
from tests.helpers import TODAY, bearer, fire, make_case, make_team, new_user, walk_to

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "1"))
# schemathesis leaves out the document's own path (tests/test_openapi.py covers it)


def operation_ids(app) -> list[str]:
    """Every operation of the API but the document's own path."""
    return sorted(rule.endpoint.split(".", 1)[1] for rule in api_rules(app)
                  for _method in rule_methods(rule) if rule.endpoint != "api.openapi")


FIGURES: dict = {}
# A 422 to data the document allows is the domain's answer when it names what the document
# cannot enumerate: a reference (a unit or province code, an email, a case), a step dated in
# the future (the date moves), a tax code whose check digit is wrong, or a trigger that the
# case's kind or state does not offer (400 unknown_trigger, 422 guard_failed ...). Any other
# refusal of valid data is a failure.
REFERENCES = {"unit", "organiser", "province", "host_unit", "leader", "cases", "owner",
              "date", "tax_code",
              # the register (casework/schemas/applications.py): dates bounded by today (a
              # birth or an application in the future, a link expiring in the past), and what
              # OpenAPI 3.0 cannot make conditional without a oneOf: the reason of a rejection,
              # a foreign worker's contract, a year of birth agreeing with the date; and a phone
              # number that no numbering plan has (like a tax code's check digit)
              "birth_date", "applied_on", "expires_on", "reason", "contract_12_months",
              "birth_year", "phone",
              # a bulk action names its cases either by id or by a filter: one of the two
              "case_ids",
              # a period's end before its start (`to` defaults to today), and a planned visit
              # dated in the past (DATE_RULES: bounded by today, which moves)
              "to", "planned_date"}
WORKFLOW_REFUSALS = {"guard_failed", "unknown_trigger", "invalid_transition",
                     # a document the case lacks the data for, or of another flow (documents)
                     "missing_data", "unknown_type"}


def domain_refusal(check: str, answer) -> bool:
    if check != "positive_data_acceptance" or answer is None or answer.response is None \
            or answer.response.status_code not in (400, 422):
        return False
    try:
        error = json.loads(answer.response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    names = [part for part in (error.get("field") or "").split(".") if not part.isdigit()]
    return error.get("code") in WORKFLOW_REFUSALS or (
        answer.response.status_code == 422 and bool(names and names[-1] in REFERENCES))


class _Summary:
    """The figures of the run, at the end of the session whatever -q/-s say."""

    def pytest_terminal_summary(self, terminalreporter):
        if FIGURES:
            terminalreporter.write_line(
                "schemathesis (all checks, phases {phases}): {operations} operations, "
                "{requests} requests, {failures} failures ({domain} answers of the domain to "
                "valid data: an unknown reference, a guard)".format(**FIGURES))


@pytest.fixture(autouse=True, scope="module")
def _summary_line(pytestconfig):
    if not pytestconfig.pluginmanager.has_plugin("schemathesis-summary"):
        pytestconfig.pluginmanager.register(_Summary(), "schemathesis-summary")


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
    from casework.schemas.applications import ApplicationInput, load
    from casework.services.applications import add_application
    application = add_application(cases["eligible"], team.organiser,
                                  load(ApplicationInput, {"full_name": "Lê Thị Hoa"}))
    commit()
    return {"case_id": [c.id for c in cases.values()], "approval_id": [approval.id],
            "application_id": [application.id],
            "visit_id": [visit.id], "supervisor": bearer(team.supervisor),
            "leader": bearer(leader)}


@pytest.fixture
def served(app):
    """The app on a local port, as the command line would reach it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join()


def load_schema(url: str, world: dict):
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "headers": world["supervisor"],
        "operations": [{"include-path-regex": "^/visits", "headers": world["leader"]}],
        # JSON travels as UTF-8, which has no lone surrogates: strings are drawn from it. NUL
        # is refused anywhere in a body (400, in the document and its patterns), but OpenAPI
        # 3.0 cannot say so of the properties the API ignores: none is drawn (test_fuzz_api.py
        # sends them)
        "generation": {"max-examples": EXAMPLES, "codec": "utf-8", "allow-x00": False},
    })
    config.projects.override.checks.update(included_check_names=["all"])
    schema = schemathesis.openapi.from_url(url + "/api/v1/openapi.json", config=config)

    @schema.hook
    def map_path_parameters(_context, path_parameters):
        for name, value in (path_parameters or {}).items():
            ids = world.get(name)  # half the time, one that exists (a valid id either way)
            if ids and isinstance(value, int) and IDS.least <= value <= IDS.most \
                    and value % 2 == 0:
                path_parameters[name] = ids[value // 2 % len(ids)]
        return path_parameters

    return schema


def test_schemathesis_sees_every_operation(app, served, world):
    schema = load_schema(served, world)
    seen = sorted(result.ok().definition.raw.get("operationId")
                  for result in schema.get_all_operations())
    assert seen == operation_ids(app)


def test_the_api_conforms_to_its_document(served, world):
    schema = load_schema(served, world)
    operations_seen, requests, domain, failures, errors, phases = set(), 0, 0, {}, [], []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            label = event.recorder.label
            if event.phase != PhaseName.STATEFUL_TESTING:
                operations_seen.add(label)
            requests += len(event.recorder.interactions)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info:
                        info = check.failure_info
                        answer = event.recorder.interactions.get(case_id)
                        if domain_refusal(check.name, answer):
                            domain += 1
                            continue
                        key = (check.name, label, info.failure.title)
                        body = answer.response.content[:500] if answer and answer.response \
                            else b""
                        failures.setdefault(key, f"{info.failure.message}\n{info.code_sample}"
                                                 f"\n-> {body!r}")
        elif isinstance(event, events.PhaseFinished) and event.status != Status.SKIP:
            phases.append(event.phase.name.value)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(f"{getattr(event, 'label', '')}: "
                          + str(getattr(event, "value", getattr(event, "exception", event))))
    FIGURES.update(operations=len(operations_seen), requests=requests, domain=domain,
                   failures=len(failures), phases=", ".join(phases))
    assert not errors, errors[:5]
    assert operations_seen == {f"{op.method.upper()} {op.path}"
                               for op in (r.ok() for r in schema.get_all_operations())}
    counts = Counter(name for name, _label, _title in failures)
    report = "\n\n".join(f"{name} on {label}: {title}\n{detail[:1500]}"
                         for (name, label, title), detail in sorted(failures.items()))
    assert not failures, f"{dict(counts)}\n\n{report}"
