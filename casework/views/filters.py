"""What every template reads: the labels and formats of the domain's values, the look of states
and triggers (from the workflow definition), and the navigation's counts.

App-wide (registered on every page through this blueprint, which has no routes).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint
from flask_babel import format_date, format_datetime, gettext as _
from flask_login import current_user
from markupsafe import Markup

from casework import authz, clock
from casework.extensions import db
from casework.forms import own_errors, submitted_forms_summary
from casework.forms.admin import UNIT_TYPE_LABELS
from casework.forms.cases import (APPROVAL_STATUS_LABELS, AUDIT_ACTION_LABELS, ROLE_LABELS,
                                  STEP_KIND_LABELS)
from casework.i18n import kilobytes
from casework.models import ApprovalRequest
from casework.models.enterprise import OWNERSHIP_LABELS, SECTOR_LABELS
from casework.workflow.definition import (DOCUMENT_LABELS, FLOW_LABELS, FLOWS, KIND_LABELS, KINDS,
                                          STATE_LABELS, STATE_TONES, Trigger, flow_for)

bp = Blueprint("filters", __name__)

FIELD_LABELS = {f.name: f.label for flow in FLOWS for t in flow.triggers for f in t.fields}


def _label(table: dict, value) -> str:
    label = table.get(value)
    return str(label) if label is not None else (value or "")


# --- the workflow's names ------------------------------------------------------------------------

@bp.app_template_filter("state_label")
def state_label(state: str | None, kind: str | None = None) -> str:
    """The state's label in the case's own flow ('founded' differs between flows)."""
    labels = flow_for(kind).labels if kind in KINDS else STATE_LABELS
    return _(labels[state]) if state in labels else (state or "")


@bp.app_template_filter("kind_label")
def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


@bp.app_template_filter("flow_label")
def flow_label(name: str) -> str:
    return _(FLOW_LABELS[name]) if name in FLOW_LABELS else name


@bp.app_template_filter("trigger_label")
def trigger_label(name: str | None, kind: str | None = None) -> str:
    if not name:
        return ""
    flows = [flow_for(kind)] if kind in KINDS else list(FLOWS)
    for flow in flows:
        trigger = flow.trigger(name)
        if trigger is not None:
            return _(trigger.label)
    return name


@bp.app_template_filter("trigger_target")
def trigger_target(name: str, kind: str) -> str:
    """The label of the state a trigger leads to."""
    trigger = flow_for(kind).trigger(name) if kind in KINDS else None
    if trigger is None:
        return ""
    if trigger.dest is None:
        return _("the state it left")
    return state_label(trigger.dest, kind)


@bp.app_template_filter("field_label")
def field_label(name: str) -> str:
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name.replace("_", " ")


@bp.app_template_filter("field_value")
def field_value(value, name: str = "") -> str:
    if name == "documents" and isinstance(value, list):
        return "; ".join(_(DOCUMENT_LABELS[d]) if d in DOCUMENT_LABELS else (d or "")
                         for d in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return format_date(date.fromisoformat(value), "dd/MM/yyyy")
        except ValueError:
            pass
    return "" if value is None else str(value)


# --- how states and triggers look: their tone and style, as the definition declares them ---------

@bp.app_template_filter("state_badge")
def state_badge(state: str, kind: str | None = None) -> Markup:
    flow = flow_for(kind) if kind in KINDS else None
    declared = flow.state(state) if flow is not None else None
    tone = declared.tone if declared is not None else STATE_TONES.get(state, "primary")
    text = "text-dark" if tone in ("warning", "info") else ""
    return Markup('<span class="badge rounded-pill text-bg-{} {}">{}</span>').format(
        tone, text, state_label(state, kind))


@bp.app_template_filter("trigger_button")
def trigger_button(trigger: Trigger, submit: bool = False) -> str:
    """The classes of a trigger's button: on the case page, moving on is solid and the others
    outlined; on the trigger's own form the submit is solid, red when it ends the case."""
    if submit:
        return "btn-danger" if trigger.style == "danger" else "btn-primary"
    return "btn-primary" if trigger.style == "primary" else f"btn-outline-{trigger.style}"


# --- the domain's other codes --------------------------------------------------------------------

@bp.app_template_filter("step_kind_label")
def step_kind_label(kind: str) -> str:
    return _label(STEP_KIND_LABELS, kind)


@bp.app_template_filter("ownership_label")
def ownership_label(value: str) -> str:
    return _label(OWNERSHIP_LABELS, value)


@bp.app_template_filter("sector_label")
def sector_label(value: str | None) -> str:
    return _label(SECTOR_LABELS, value)


@bp.app_template_filter("role_label")
def role_label(value: str) -> str:
    return _label(ROLE_LABELS, value)


@bp.app_template_filter("unit_type_label")
def unit_type_label(value: str) -> str:
    return _label(UNIT_TYPE_LABELS, value)


@bp.app_template_filter("action_label")
def action_label(value: str) -> str:
    return _label(AUDIT_ACTION_LABELS, value)


@bp.app_template_filter("approval_status_label")
def approval_status_label(value: str) -> str:
    return _label(APPROVAL_STATUS_LABELS, value)


# --- formats and forms ---------------------------------------------------------------------------

bp.add_app_template_filter(own_errors, "own_errors")
bp.add_app_template_filter(kilobytes, "kilobytes")
bp.add_app_template_global(submitted_forms_summary, "form_error_summary")


@bp.app_template_filter("day")
def day(value) -> str:
    return format_date(value, "dd/MM/yyyy") if value else ""


@bp.app_template_filter("moment")
def moment(value) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


# --- the navigation ------------------------------------------------------------------------------

@bp.app_context_processor
def navigation() -> dict:
    context = {"today": clock.today()}
    if current_user.is_authenticated:
        user = current_user
        context["can_create_case"] = user.role in authz.CASE_WORKERS
        decides = authz.decides_approvals(user)
        context["shows_approvals"] = decides or user.role == "organiser"
        context["pending_to_decide"] = db.session.scalar(
            sa.select(sa.func.count(ApprovalRequest.id)).where(
                ApprovalRequest.status == "pending", authz.approval_filter(user))) \
            if decides else 0
    return context
