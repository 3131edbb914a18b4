"""The workflow diagrams, drawn from the definition the machines are built from (STYLE.md).

A `GraphMachine(graph_engine="mermaid")` per flow, with no model, built from FLOWS and
`machine_transitions()` only to draw: it is never used to move a case. Its Mermaid text
(stateDiagram-v2) is cached per flow and language. For a case, a fresh graph over the same
machine marks the current state and the edges of the triggers the user may fire now.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import ClassVar

from flask_babel import get_locale, gettext
from transitions import State
from transitions.extensions.diagrams import GraphMachine
from transitions.extensions.diagrams_mermaid import Graph

from casework.workflow.definition import N_, Flow, Trigger, flow_for
from casework.workflow.machine import machine_transitions

TERMINAL = "terminal"  # node style of a flow's terminal states
CURRENT = "current"   # node style of the case's state
LEFT = "left"         # node style of the state a case on hold left (it resumes there)
ALLOWED = "allowed"   # edge style of a trigger the user may fire now
# Mermaid marks the edge labels of the triggers the user may fire with this prefix, so the
# diagram says it in text too (diagram.js also colours those edges)
ALLOWED_MARK = "▶ "
GROUP = "in_progress"  # the composite state drawn around a flow's active states


def _mermaid_text(text: str) -> str:
    """A label as Mermaid reads it: no quote, colon-safe, one line."""
    return (text.replace("\n", " ").replace('"', "#quot;").replace(";", "#59;")
            .replace("{", "#123;").replace("}", "#125;"))


class _LabelledState(State):
    """A state carrying its label (a message id) for the drawing."""

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label or self.name


class _TranslatedGraph(Graph):
    """transitions' Mermaid graph with three changes: labels are translated into the request's
    language; the active states are drawn inside one composite state, so a trigger from (or a
    resume to) every one of them is one edge, not one per state; an edge styled ALLOWED is
    marked (the base class ignores edge styles)."""

    def _convert_state_attributes(self, state):
        return _mermaid_text(gettext(state.get("label", state["name"])))

    def _transition_label(self, tran):
        return _mermaid_text(gettext(tran.get("label", tran["trigger"])))

    @property
    def _group(self) -> tuple[str, ...]:
        return self.machine.group

    def _add_nodes(self, states, container):
        group = self._group
        inside = [s for s in states if s["name"] in group]
        outside = [s for s in states if s["name"] not in group]
        if inside:   # Mermaid applies no class inside a composite: the classes come after it
            label = _mermaid_text(gettext(self.machine.group_label))
            container.append(f'state "{label}" as {GROUP} {{')
            nodes: list[str] = []
            super()._add_nodes(inside, nodes)
            container.extend(line for line in nodes if not line.startswith("Class "))
            container.append("}")
            container.extend(line for line in nodes if line.startswith("Class "))
        super()._add_nodes(outside, container)

    def _add_edges(self, transitions, container):
        """One line per (source, destination), labels joined. A trigger leaving every state of
        the group is drawn from the group; one returning to every state of it (resume, to the
        state the case left) is a note on its source: Mermaid draws two edges between a
        composite state and a state on top of each other."""
        group = set(self._group)
        pairs_of: dict[str, list[tuple[str, str]]] = {}
        for tran in transitions:
            pairs_of.setdefault(tran["trigger"], []).append(
                (tran["source"], tran.get("dest", tran["source"])))
        edges: dict[tuple[str, str], list[str]] = {}
        notes: dict[str, list[str]] = {}
        marked: set[tuple[str, str]] = set()
        for tran in transitions:
            pairs = pairs_of[tran["trigger"]]
            src, dst = tran["source"], tran.get("dest", tran["source"])
            allowed = self.custom_styles["edge"][src][dst] == ALLOWED
            label = self._transition_label(tran)
            if dst in group and {d for s, d in pairs if s == src} >= group:
                text = f"{label} → {_mermaid_text(gettext('the state it left'))}"
                key = (src, GROUP)
                lines = notes.setdefault(src, [])
            else:
                if src in group and {s for s, d in pairs if d == dst} >= group:
                    src = GROUP
                text, key = label, (src, dst)
                lines = edges.setdefault(key, [])
            if text not in lines:
                lines.append(text)
            if allowed:
                marked.add(key)
        for (src, dst), labels in edges.items():
            mark = ALLOWED_MARK if (src, dst) in marked else ""
            container.append(f"{src} --> {dst}: {mark}{' | '.join(labels)}")
        for src, labels in notes.items():
            mark = ALLOWED_MARK if (src, GROUP) in marked else ""
            container.append(f"note right of {src}: {mark}{' | '.join(labels)}")


class DiagramMachine(GraphMachine):
    """A flow's machine only to draw: no model, never fired. Its styles become Mermaid
    `classDef`s (s_<style>)."""

    state_cls = _LabelledState
    machine_attributes: ClassVar[dict] = {"rankdir": "TB"}
    style_attributes: ClassVar[dict] = {
        "node": {
            "default": {"fill": "#ffffff", "stroke": "#8a99ad", "color": "#1f2933"},
            TERMINAL: {"fill": "#eef2f7", "stroke": "#8a99ad", "color": "#1f2933"},
            CURRENT: {"fill": "#1f4e79", "stroke": "#0b2942", "stroke-width": "3px",
                      "color": "#ffffff", "font-weight": "bold"},
            LEFT: {"fill": "#e8f0f8", "stroke": "#1f4e79", "stroke-width": "2px",
                   "stroke-dasharray": "5 4", "color": "#1f2933"},
        },
        "edge": {"default": {}, ALLOWED: {}},
        "graph": {"default": {}},
    }

    def __init__(self, flow: Flow):
        self.flow = flow
        self.group = flow.active_states          # drawn inside one composite state
        self.group_label = N_("In progress")
        transitions = [dict(t, label=flow.trigger(t["trigger"]).label)
                       for t in machine_transitions(flow)]
        super().__init__(
            model=None, states=[{"name": name, "label": label} for name, label in flow.states],
            transitions=transitions, initial=flow.initial, auto_transitions=False,
            send_event=True, graph_engine="mermaid", title=flow.name)
        self.get_markup_config()   # computed once, here, not later by concurrent readers

    def _init_graphviz_engine(self, graph_engine):
        return _TranslatedGraph

    def draw(self, current: str | None = None, left: str | None = None, edges=()) -> str:
        """The Mermaid text, from a graph of its own (the machine keeps none)."""
        graph = self.graph_cls(self)
        for state in self.flow.terminal:
            graph.set_node_style(state, TERMINAL)
        if left:
            graph.set_node_style(left, LEFT)
        if current:
            graph.set_node_style(current, CURRENT)
        for src, dst in edges:
            graph.custom_styles["edge"][src][dst] = ALLOWED
        return _without_front_matter(graph.get_graph(title=self.flow.name).source)


@dataclass(frozen=True)
class Diagram:
    flow: str
    source: str                    # Mermaid text
    current: str | None = None     # the case's state
    allowed: tuple[tuple[str, str, str], ...] = ()   # (trigger, from, to) the user may fire


@cache
def diagram_machine(flow: Flow) -> DiagramMachine:
    return DiagramMachine(flow)


def _without_front_matter(source: str) -> str:
    """transitions writes the title as a bare front-matter line, which Mermaid does not take as
    a title; the page has a heading of its own."""
    lines = source.split("\n")
    if lines[:1] == ["---"] and "---" in lines[1:]:
        lines = lines[lines.index("---", 1) + 1:]
    return "\n".join(lines).strip() + "\n"


@lru_cache(maxsize=64)
def _flow_source(flow: Flow, locale: str) -> str:
    return diagram_machine(flow).draw()


def flow_diagram(flow: Flow) -> Diagram:
    """The whole flow, labels in the request's language (cached per language: it is static)."""
    return Diagram(flow=flow.name, source=_flow_source(flow, str(get_locale())))


@lru_cache(maxsize=1024)
def _case_source(flow: Flow, state: str, left: str | None, edges: tuple, locale: str) -> str:
    """A case's diagram depends on these alone: drawn once, not on every page view."""
    return diagram_machine(flow).draw(current=state, left=left, edges=list(edges))


def _edges(case, trigger: Trigger) -> list[tuple[str, str]]:
    if trigger.dest is None:   # resume: back to the state the case left
        return [(case.state, case.resume_state)] if case.resume_state else []
    return [(case.state, trigger.dest)]


def case_diagram(case, user=None, allowed: list[Trigger] | None = None) -> Diagram:
    """The case's flow with its state and the triggers `user` may fire now (`allowed`, when
    the caller has them already) marked."""
    if allowed is None:
        # imported here: the services build on the workflow package, not the other way round
        from casework.services.transitions import allowed_triggers
        allowed = allowed_triggers(case, user)
    flow = flow_for(case.kind)
    marked = [(t.name, src, dst) for t in allowed for src, dst in _edges(case, t)]
    left = case.resume_state if case.state == "on_hold" else None
    source = _case_source(flow, case.state, left, tuple((src, dst) for _n, src, dst in marked),
                          str(get_locale()))
    return Diagram(flow=flow.name, source=source, current=case.state, allowed=tuple(marked))
