"""The flows as a document (for the API) and as a Mermaid diagram, from the definition."""
from __future__ import annotations

from casework.workflow.data import field_spec
from casework.workflow.definition import FLOWS, KIND_LABELS, Flow


def describe_flow(flow: Flow) -> dict:
    return {
        "initial": flow.initial,
        "states": [{"name": s.name, "label": s.label, "terminal": s.terminal}
                   for s in flow.states],
        "triggers": [{
            "name": t.name, "label": t.label, "from": list(t.sources),
            "to": t.dest if t.dest is not None else "(the state it left)",
            "roles": list(t.roles),
            "needs_approval": t.needs_approval,
            "approved_by": t.approval.label if t.approval else None,
            "comment_required": t.comment_required,
            "data": [field_spec(f, t) for f in t.fields],
            "guards": list(t.guards),
        } for t in flow.triggers],
    }


def describe_workflows() -> dict:
    kinds = {}
    for flow in FLOWS:
        for kind in flow.kinds:
            kinds[kind] = {"label": KIND_LABELS[kind], "flow": flow.name, **describe_flow(flow)}
    return {"kinds": kinds}
