"""The workflow diagrams: drawn from the definition the machines are built from, labels
translated, a case's state and the triggers its user may fire marked, and the pages showing
them (the browser's drawing is tested in tests/e2e/test_workflow_diagram.py)."""
from __future__ import annotations

import re

import pytest
from flask import g
from flask_babel import force_locale, gettext
from helpers import make_case, make_team, walk_to
from test_views_support import browser, text  # noqa: F401

from casework.workflow import diagram as diagram_module
from casework.workflow.definition import FLOWS, flow_for
from casework.workflow.diagram import (
    ALLOWED_MARK,
    GROUP,
    case_diagram,
    diagram_machine,
    flow_diagram,
)
from casework.workflow.machine import MACHINES

STATE_LINE = re.compile(r'^\s*state "([^"]*)" as (\w+)', re.MULTILINE)
EDGE_LINE = re.compile(r"^\s*(\S+) --> (\S+): (.*)$", re.MULTILINE)
NOTE_LINE = re.compile(r"^\s*note right of (\w+): (.*)$", re.MULTILINE)
CLASS_LINE = re.compile(r"^\s*Class (\w+) s_(\w+)$", re.MULTILINE)


def _states(source: str) -> dict[str, str]:
    return {name: label for label, name in STATE_LINE.findall(source)}


def _edges(source: str) -> dict[tuple[str, str], str]:
    return {(src, dst): label for src, dst, label in EDGE_LINE.findall(source)}


def _classes(source: str) -> dict[str, str]:
    return dict(CLASS_LINE.findall(source))


def _labels(source: str) -> list[str]:
    """Every edge and note label, split where several triggers share an edge."""
    texts = [label for label in _edges(source).values()] + \
        [label for _src, label in NOTE_LINE.findall(source)]
    return [part.removeprefix(ALLOWED_MARK) for t in texts for part in t.split(" | ")]


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


# --- the flow's diagram -------------------------------------------------------------------------

@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_the_diagram_machine_is_built_from_the_same_definition(flow):
    machine = diagram_machine(flow)
    assert list(machine.states) == list(flow.state_names)
    assert set(machine.events) == {t.name for t in flow.triggers} == set(MACHINES[flow.name].events)
    assert machine.models == []          # only to draw: no model, no per-model graph
    assert machine.model_graphs == {}
    for name in machine.events:
        moves = {(t.source, t.dest) for ts in machine.events[name].transitions.values() for t in ts}
        runs = {(t.source, t.dest)
                for ts in MACHINES[flow.name].events[name].transitions.values() for t in ts}
        assert moves == runs


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_every_state_and_trigger_of_the_flow_is_drawn(flow, request_context):
    source = flow_diagram(flow).source
    assert source.startswith("stateDiagram-v2\n")
    states = _states(source)
    for name, label in flow.states:
        assert states[name] == label            # the test app speaks English: the msgids
    assert states[GROUP] == "In progress"       # the active states are drawn inside it
    labels = _labels(source)
    for trigger in flow.triggers:
        if trigger.dest is None:                # resume: back to the state the case left
            assert f"{trigger.label} → the state it left" in labels
        else:
            assert trigger.label in labels, trigger.name
    assert f"[*] --> {flow.initial}" in source
    # every transition of the table is one of the drawn edges (directly, or through the group
    # of active states it leaves from every one of)
    edges = _edges(source)
    for trigger in flow.triggers:
        for src in trigger.sources:
            if trigger.dest is None:
                continue
            drawn = edges.get((src, trigger.dest)) or edges.get((GROUP, trigger.dest))
            assert drawn and trigger.label in drawn.split(" | "), (trigger.name, src)
            if (GROUP, trigger.dest) in edges and (src, trigger.dest) not in edges:
                assert src in flow.active_states
    assert ALLOWED_MARK not in source           # nothing marked without a case
    assert set(_classes(source).values()) <= {"default", "terminal"}


def test_a_trigger_added_to_the_table_appears_in_the_diagram(request_context):
    """Nothing is listed twice: the diagram follows the flow's table (here with a trigger
    added)."""
    from dataclasses import replace

    from casework.workflow.definition import GRASSROOTS, Trigger
    extra = Trigger("skip_to_congress", ("mobilising",), "congress_scheduled", "Skip ahead")
    flow = replace(GRASSROOTS, triggers=GRASSROOTS.triggers + (extra,))
    assert "skip_to_congress" in diagram_machine(flow).events
    assert _edges(flow_diagram(flow).source)[("mobilising", "congress_scheduled")] == \
        "Skip ahead"
    assert "Skip ahead" not in flow_diagram(GRASSROOTS).source


def test_labels_follow_the_language_and_each_language_is_cached(request_context):
    flow = flow_for("grassroots")
    english = flow_diagram(flow).source
    with force_locale("vi"):
        vietnamese = flow_diagram(flow).source
        recognised, start = gettext("Recognition decided"), gettext("Start outreach")
    assert recognised != "Recognition decided"
    assert _states(vietnamese)["recognised"] == recognised
    assert start in _labels(vietnamese) and start not in english
    assert _states(english)["recognised"] == "Recognition decided"
    before = diagram_module._flow_source.cache_info().hits
    assert flow_diagram(flow).source is english                   # the same text, cached
    assert diagram_module._flow_source.cache_info().hits == before + 1


# --- a case's diagram ---------------------------------------------------------------------------

def test_a_case_shows_its_state_and_what_the_user_may_fire(request_context):
    team = make_team()
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)

    mine = case_diagram(case, team.organiser)
    assert mine.current == "dossier_submitted"
    assert _classes(mine.source)["dossier_submitted"] == "current"
    assert list(_classes(mine.source).values()).count("current") == 1
    # an organiser: request recognition, put on hold, request closing; not return the dossier
    assert {name for name, _s, _d in mine.allowed} == {"recognise", "put_on_hold", "close"}
    edges = _edges(mine.source)
    assert edges[("dossier_submitted", "recognised")] == ALLOWED_MARK + "Recognise"
    assert edges[(GROUP, "on_hold")] == ALLOWED_MARK + "Put on hold"
    assert edges[(GROUP, "closed")] == ALLOWED_MARK + "Close as not feasible"
    assert edges[("dossier_submitted", "congress_held")] == "Return dossier"
    assert edges[("on_hold", "closed")] == "Close as not feasible"   # not from this state
    assert edges[("identified", "outreach")] == "Start outreach"

    supervisor = case_diagram(case, team.supervisor)
    assert _edges(supervisor.source)[("dossier_submitted", "congress_held")] == \
        ALLOWED_MARK + "Return dossier"

    leader = case_diagram(case, team.vgcl_leader)     # reads, fires nothing
    assert leader.allowed == ()
    assert ALLOWED_MARK not in leader.source
    assert _classes(leader.source)["dossier_submitted"] == "current"


def test_a_case_on_hold_marks_resume_and_the_state_it_left(request_context):
    team = make_team()
    case = walk_to(make_case(team.organiser), "mobilising", team)
    walk_to(case, "on_hold", team)
    assert case.resume_state == "mobilising"
    drawn = case_diagram(case, team.organiser)
    classes = _classes(drawn.source)
    assert classes["on_hold"] == "current" and classes["mobilising"] == "left"
    notes = dict(NOTE_LINE.findall(drawn.source))
    assert notes["on_hold"] == ALLOWED_MARK + "Resume → the state it left"
    assert _edges(drawn.source)[("on_hold", "closed")] == ALLOWED_MARK + "Close as not feasible"
    assert ("resume", "on_hold", "mobilising") in drawn.allowed


def test_the_conglomerate_pilot_is_drawn_in_its_own_flow(request_context):
    team = make_team("VGCL")
    case = make_case(team.organiser, "conglomerate_pilot",
                     enterprises=[{"name": "Tập đoàn Dệt May", "tax_code": "0100109106",
                                   "province": "01", "workforce": 30000,
                                   "ownership": "conglomerate_member", "sector": "textile_garment"}])
    drawn = case_diagram(case, team.organiser)
    assert drawn.flow == "conglomerate_pilot"
    assert _classes(drawn.source)["proposed"] == "current"
    assert _edges(drawn.source)[("proposed", "survey")] == ALLOWED_MARK + "Start survey"
    assert "identified" not in _states(drawn.source)


# --- the pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,unit", [("organiser", "LDLD-79"), ("supervisor", "LDLD-79"),
                                       ("leader", "VGCL"), ("admin", "VGCL")])
def test_the_workflow_page_renders_for_every_role(browser, make_user, role, unit):
    page = browser(make_user(role, unit)).get("/workflow")
    assert page.status_code == 200
    body = text(page)
    assert body.count("data-workflow-diagram") == len(FLOWS)
    assert body.count("stateDiagram-v2") == len(FLOWS)
    for flow in FLOWS:
        for kind in flow.kinds:
            assert f'id="{kind}"' in body
        for _name, label in flow.states:
            assert f'"{label}"' in body
    assert 'src="/static/diagram.js"' in body
    assert 'data-mermaid="/static/vendor/mermaid/mermaid.min.js"' in body
    assert "<script>" not in body                  # no inline script (CSP)


def test_the_workflow_page_needs_a_login(client):
    response = client.get("/workflow")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_workflow_page_in_vietnamese(browser, make_user):
    b = browser(make_user("organiser", "LDLD-79"))
    b.client.set_cookie("lang", "vi")
    g.pop("_flask_babel", None)
    body = text(b.get("/workflow"))
    with force_locale("vi"):
        assert gettext("Recognition decided") in body
        assert f'"{gettext("In progress")}"' in body


def test_the_case_page_has_its_diagram_collapsed(browser, make_user):
    organiser = make_user("organiser", "LDLD-79")
    case = make_case(organiser)
    body = text(browser(organiser).get(f"/cases/{case.id}"))
    details = re.search(r'<details class="card mb-3 workflow-case" id="workflow">(.*?)</details>',
                        body, re.DOTALL)
    assert details, "the diagram is not on the case page"
    assert "Class identified s_current" in details.group(1)
    assert f"identified --> outreach: {ALLOWED_MARK}Start outreach" in details.group(1)
    assert f'href="/workflow#{case.kind}"' in details.group(1)
    assert body.count('src="/static/diagram.js"') == 1


def test_the_case_page_of_a_reader_marks_nothing(browser, make_user):
    case = make_case(make_user("organiser", "LDLD-79"))
    body = text(browser(make_user("leader", "LDLD-79")).get(f"/cases/{case.id}"))
    assert "Class identified s_current" in body
    assert ALLOWED_MARK not in body


@pytest.mark.parametrize("path", ["/static/vendor/mermaid/mermaid.min.js",
                                  "/static/vendor/mermaid/LICENSE", "/static/diagram.js"])
def test_the_scripts_are_served_by_the_app(client, path):
    response = client.get(path)
    assert response.status_code == 200
    if path.endswith(".js"):
        assert "javascript" in response.headers["Content-Type"]
    if path.endswith("mermaid.min.js"):
        assert int(response.headers["Content-Length"]) > 1_000_000
        assert b'globalThis["mermaid"]' in response.get_data()
    response.close()
