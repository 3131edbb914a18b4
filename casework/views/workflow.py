"""The workflow diagrams: every flow on one page, and a case's own on its page (collapsed).

The diagrams come from casework.workflow.diagram (the same definition the machines are built
from), drawn on the server as SVG: the page needs no script.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from casework.services.transitions import allowed_triggers
from casework.workflow.definition import FLOWS, Flow
from casework.workflow.diagram import Diagram, case_diagram, flow_diagram

bp = Blueprint("workflow", __name__)


def _rows(flow: Flow) -> list[dict]:
    """The transition table of a flow, in its order, for the list under the diagram."""
    return [{"trigger": t.name, "label": t.label, "sources": t.sources, "dest": t.dest,
             "roles": t.roles, "approval": t.approval, "comment_required": t.comment_required}
            for t in flow.triggers]


@bp.get("/workflow")
@login_required
def index():
    flows = [{"flow": flow, "diagram": flow_diagram(flow), "rows": _rows(flow)} for flow in FLOWS]
    return render_template("workflow/index.html", flows=flows)


@bp.app_template_global("case_diagram")
def case_diagram_global(case, triggers=None) -> Diagram:
    """For templates/workflow/_case_diagram.html: the case's flow with its state and what the
    user may fire now marked (`triggers`: the allowed triggers, when the view computed them)."""
    if triggers is None:
        triggers = allowed_triggers(case, current_user)
    return case_diagram(case, triggers)
