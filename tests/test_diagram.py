"""The workflow diagrams: drawn on the server as SVG from the definition the machines are built
from, labels translated, a case's state and the triggers its user may fire marked, and the pages
showing them without a script (the drawing in a browser: tests/e2e/test_workflow_diagram.py)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask import g
from flask_babel import force_locale, gettext
from tests.helpers import PASSWORD, make_case, make_team, new_user, walk_to
from tests.browser import browser, text  # noqa: F401

from casework.workflow import diagram as diagram_module
from casework.workflow.definition import FLOWS, flow_for
from casework.workflow.diagram import (
    ALLOWED_MARK,
    GROUP,
    case_diagram,
    diagram_graph,
    flow_diagram,
)
from casework.services.machine import MACHINES, machine_transitions
from casework.services.transitions import allowed_triggers

SVG = "{http://www.w3.org/2000/svg}"


def _case_diagram(case, user):
    return case_diagram(case, allowed_triggers(case, user))


def _svg(diagram) -> ET.Element:
    root = ET.fromstring(str(diagram.svg))      # well-formed XML, or this fails
    assert root.tag == f"{SVG}svg"
    return root


def _groups(root, kind: str):
    return [el for el in root.iter(f"{SVG}g") if kind in el.get("class", "").split()]


def _text(el) -> str:
    """The words of an element's text lines (a label may be wrapped over several)."""
    return " ".join(t.text for t in el.iter(f"{SVG}text"))


def _states(root) -> dict[str, tuple[str, str]]:
    """state name -> (label, style)."""
    found = {}
    for el in _groups(root, "state"):
        style = next(c[2:] for c in el.get("class").split() if c.startswith("s-"))
        found[el.get("data-state")] = (el.find(f"{SVG}title").text, style)
    return found


def _edges(root) -> dict[tuple[str, str], str]:
    return {tuple(el.get("data-edge").split(">")): _text(el) for el in _groups(root, "edge")}


def _allowed(root) -> set[tuple[str, str]]:
    return {tuple(el.get("data-edge").split(">")) for el in _groups(root, "edge")
            if "allowed" in el.get("class").split()}


def _labels(root) -> list[str]:
    """Every edge label, split where several triggers share an edge."""
    return [part.removeprefix(ALLOWED_MARK) for t in _edges(root).values()
            for part in t.split(" | ")]


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


# --- the flow's diagram -------------------------------------------------------------------------

@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_the_graph_is_built_from_the_machine_definition(flow):
    """Every (trigger, from, to) the machine can make is on exactly one edge, and nothing else."""
    graph = diagram_graph(flow)
    drawn = [move for edge in graph.edges for move in edge.moves]
    assert len(drawn) == len(set(drawn))
    made = {(t["trigger"], src, t["dest"]) for t in machine_transitions(flow)
            for src in t["source"]}
    assert set(drawn) == made
    runs = {(name, t.source, t.dest) for name, event in MACHINES[flow.name].events.items()
            for ts in event.transitions.values() for t in ts}
    assert set(drawn) == runs
    assert set(graph.main) | set(graph.side) == set(flow.state_names)
    assert graph.group == flow.active_states
    assert graph.side == ("on_hold", "closed")


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_every_state_and_trigger_of_the_flow_is_drawn(flow, request_context):
    root = _svg(flow_diagram(flow))
    states = _states(root)
    for state in flow.states:
        assert states[state.name][0] == state.label          # the test app speaks English: the msgids
    assert "In progress" in _text(_groups(root, "group")[0])   # around the active states
    labels = _labels(root)
    for trigger in flow.triggers:
        if trigger.dest is None:                 # resume: back to the state the case left
            assert f"{trigger.label} → the state it left" in labels
        else:
            assert trigger.label in labels, trigger.name
    # every transition of the table is one of the drawn edges (directly, or through the group
    # of active states it leaves from every one of)
    edges = _edges(root)
    for trigger in flow.triggers:
        for src in trigger.sources:
            if trigger.dest is None:
                continue
            drawn = edges.get((src, trigger.dest)) or edges.get((GROUP, trigger.dest))
            assert drawn and trigger.label in drawn.split(" | "), (trigger.name, src)
            if (GROUP, trigger.dest) in edges and (src, trigger.dest) not in edges:
                assert src in flow.active_states
    assert ALLOWED_MARK not in ET.tostring(root, encoding="unicode")   # nothing marked
    assert _allowed(root) == set()
    assert {style for _label, style in states.values()} <= {"default", "terminal"}
    assert states["founded"][1] == "terminal"


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_the_drawing_is_laid_out_without_overlaps(flow, request_context):
    """The boxes of the states do not overlap, and every one lies inside the picture."""
    root = _svg(flow_diagram(flow))
    _x, _y, width, height = map(float, root.get("viewBox").split())
    boxes = []
    for el in _groups(root, "state"):
        rect = el.find(f"{SVG}rect")
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height
        boxes.append((x, y, w, h))
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_a_trigger_added_to_the_table_appears_in_the_diagram(request_context):
    """Nothing is listed twice: the diagram follows the flow's table (here with a trigger
    added)."""
    from dataclasses import replace

    from casework.workflow.definition import GRASSROOTS, Trigger
    extra = Trigger("skip_to_congress", ("mobilising",), "congress_scheduled", "Skip ahead")
    flow = replace(GRASSROOTS, triggers=GRASSROOTS.triggers + (extra,))
    assert _edges(_svg(flow_diagram(flow)))[("mobilising", "congress_scheduled")] == \
        "Skip ahead"
    assert "Skip ahead" not in str(flow_diagram(GRASSROOTS).svg)


def test_labels_follow_the_language_and_each_language_is_cached(request_context):
    flow = flow_for("grassroots")
    english = flow_diagram(flow).svg
    with force_locale("vi"):
        vietnamese = _svg(flow_diagram(flow))
        recognised, start = gettext("Recognition decided"), gettext("Start outreach")
    assert recognised != "Recognition decided"
    assert _states(vietnamese)["recognised"][0] == recognised
    assert start in _labels(vietnamese) and start not in english
    assert _states(_svg(flow_diagram(flow)))["recognised"][0] == "Recognition decided"
    before = diagram_module._flow_svg.cache_info().hits
    assert flow_diagram(flow).svg is english                      # the same drawing, cached
    assert diagram_module._flow_svg.cache_info().hits == before + 1


# --- a case's diagram ---------------------------------------------------------------------------

def test_a_case_shows_its_state_and_what_the_user_may_fire(request_context):
    team = make_team()
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)

    mine = _case_diagram(case, team.organiser)
    root = _svg(mine)
    assert mine.current == "dossier_submitted"
    styles = {name: style for name, (_l, style) in _states(root).items()}
    assert styles["dossier_submitted"] == "current"
    assert list(styles.values()).count("current") == 1
    # an organiser: request recognition, put on hold, request closing; not return the dossier
    assert {name for name, _s, _d in mine.allowed} == {"recognise", "put_on_hold", "close"}
    edges = _edges(root)
    assert edges[("dossier_submitted", "recognised")] == ALLOWED_MARK + "Recognise"
    assert edges[(GROUP, "on_hold")] == ALLOWED_MARK + "Put on hold"
    assert edges[(GROUP, "closed")] == ALLOWED_MARK + "Close as not feasible"
    assert edges[("dossier_submitted", "congress_held")] == "Return dossier"
    assert edges[("on_hold", "closed")] == "Close as not feasible"   # not from this state
    assert edges[("identified", "outreach")] == "Start outreach"
    assert _allowed(root) == {("dossier_submitted", "recognised"), (GROUP, "on_hold"),
                              (GROUP, "closed")}

    supervisor = _svg(_case_diagram(case, team.supervisor))
    assert _edges(supervisor)[("dossier_submitted", "congress_held")] == \
        ALLOWED_MARK + "Return dossier"

    leader = _case_diagram(case, team.vgcl_leader)     # reads, fires nothing
    assert leader.allowed == ()
    assert ALLOWED_MARK not in str(leader.svg) and _allowed(_svg(leader)) == set()
    assert _states(_svg(leader))["dossier_submitted"][1] == "current"


def test_a_case_on_hold_marks_resume_and_the_state_it_left(request_context):
    team = make_team()
    case = walk_to(make_case(team.organiser), "mobilising", team)
    walk_to(case, "on_hold", team)
    assert case.resume_state == "mobilising"
    drawn = _case_diagram(case, team.organiser)
    root = _svg(drawn)
    states = _states(root)
    assert states["on_hold"][1] == "current" and states["mobilising"][1] == "left"
    edges = _edges(root)
    assert edges[("on_hold", GROUP)] == ALLOWED_MARK + "Resume → the state it left"
    assert edges[("on_hold", "closed")] == ALLOWED_MARK + "Close as not feasible"
    assert ("resume", "on_hold", "mobilising") in drawn.allowed


def test_the_conglomerate_pilot_is_drawn_in_its_own_flow(request_context):
    team = make_team("VGCL")
    case = make_case(team.organiser, "conglomerate_pilot",
                     enterprises=[{"name": "Tập đoàn Dệt May", "tax_code": "0100109106",
                                   "province": "01", "workforce": 30000,
                                   "ownership": "conglomerate_member", "sector": "textile_garment"}])
    drawn = _case_diagram(case, team.organiser)
    root = _svg(drawn)
    assert drawn.flow == "conglomerate_pilot"
    assert _states(root)["proposed"][1] == "current"
    assert _edges(root)[("proposed", "survey")] == ALLOWED_MARK + "Start survey"
    assert "identified" not in _states(root)


def test_two_diagrams_on_a_page_have_ids_of_their_own(request_context):
    team = make_team()
    case = make_case(team.organiser)
    ids = [el.get("id") for d in (flow_diagram(flow_for("grassroots")),
                                  _case_diagram(case, team.organiser))
           for el in _svg(d).iter() if el.get("id")]
    assert len(ids) == len(set(ids))


# --- the pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,unit", [("organiser", "LDLD-79"), ("supervisor", "LDLD-79"),
                                       ("leader", "VGCL"), ("admin", "VGCL")])
def test_the_workflow_page_renders_for_every_role(browser, role, unit):
    page = browser(new_user(role, unit, password=PASSWORD)).get("/workflow")
    assert page.status_code == 200
    body = text(page)
    assert body.count("data-workflow-diagram") == len(FLOWS)
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="workflow-svg"') == len(FLOWS)
    for flow in FLOWS:
        for kind in flow.kinds:
            assert f'id="{kind}"' in body
        for state in flow.states:
            assert f"<title>{state.label}</title>" in body
    # drawn on the server: no script for it, and the scrolling canvas takes the focus
    assert "mermaid" not in body and "diagram.js" not in body
    assert body.count('class="workflow-diagram-canvas overflow-auto" tabindex="0" '
                      'role="region" aria-label="Workflow diagram: ') == len(FLOWS)
    assert "<script>" not in body                  # no inline script (CSP)
    assert len(page.get_data()) < 100_000


def test_the_workflow_page_needs_a_login(client):
    response = client.get("/workflow")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_workflow_page_in_vietnamese(browser):
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    b.client.set_cookie("lang", "vi")
    g.pop("_flask_babel", None)
    body = text(b.get("/workflow"))
    with force_locale("vi"):
        assert f"<title>{gettext('Recognition decided')}</title>" in body
        assert f">{gettext('In progress')}</text>" in body


def test_the_case_page_has_its_diagram_collapsed(browser):
    organiser = new_user("organiser", "LDLD-79", password=PASSWORD)
    case = make_case(organiser)
    body = text(browser(organiser).get(f"/cases/{case.id}"))
    details = re.search(r'<details class="card mb-3 workflow-case" id="workflow">(.*?)</details>',
                        body, re.DOTALL)
    assert details, "the diagram is not on the case page"
    assert 'class="state s-current" data-state="identified"' in details.group(1)
    assert 'class="edge allowed" data-edge="identified>outreach"' in details.group(1)
    assert f"{ALLOWED_MARK}Start outreach" in details.group(1)
    assert f'href="/workflow#{case.kind}"' in details.group(1)


def test_the_case_page_of_a_reader_marks_nothing(browser):
    case = make_case(new_user("organiser", "LDLD-79", password=PASSWORD))
    body = text(browser(new_user("leader", "LDLD-79", password=PASSWORD)).get(f"/cases/{case.id}"))
    assert 'class="state s-current" data-state="identified"' in body
    assert ALLOWED_MARK not in body


def test_mermaid_is_no_longer_served(client):
    assert client.get("/static/vendor/mermaid/mermaid.min.js").status_code == 404
    assert client.get("/static/diagram.js").status_code == 404
