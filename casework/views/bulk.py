"""Bulk actions on the pages: cases ticked on the case list (some, the page, or all that match),
the action and its data entered once, then each case's outcome — or, for many cases, a job's
progress page and its CSV report."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file, url_for, redirect
from flask_login import current_user, login_required

from casework.api.bulk import start_bulk
from casework.errors import DomainError
from casework.extensions import db
from casework.i18n import _
from casework.models import User
from casework import authz
from casework.bulk_tasks import report_path
from casework.schemas.base import load
from casework.schemas.bulk import BulkInput
from casework.schemas.limits import BULK_INLINE_CASES
from casework.services import bulk, exports
from casework.services.queries import FILTERS, CaseFilters, case_count
from casework.views.jobs import own_job
from casework.workflow.definition import DOCUMENT_LABELS, DOCUMENTS, FLOWS

bp = Blueprint("bulk", __name__, url_prefix="/bulk")


def trigger_specs() -> dict:
    """Each trigger name -> its first definition (its label and fields)."""
    specs = {}
    for flow in FLOWS:
        for trigger in flow.triggers:
            specs.setdefault(trigger.name, trigger)
    return specs


def action_choices() -> list[tuple[str, str]]:
    specs = trigger_specs()
    out = [("reassign", _("Reassign the organiser"))]
    if current_user.role in ("supervisor", "leader"):
        out.append(("decide", _("Decide the pending approvals")))
    return out + [(name, _(specs[name].label)) for name in sorted(specs)]


@bp.app_context_processor
def bulk_context() -> dict:
    return {"bulk_actions": action_choices} if current_user.is_authenticated else {}


def _selection() -> dict:
    """The cases chosen on the list: ids ticked (or those of the page), or the filter."""
    scope = request.form.get("scope", "selected")
    filters = {name: request.form.get(name, "") for name in FILTERS if request.form.get(name)}
    if scope == "all":
        return {"scope": "all", "filters": filters, "case_ids": [],
                "count": case_count(current_user, CaseFilters.from_args(filters))}
    field = "page_ids" if scope == "page" else "case_ids"
    ids = [int(v) for v in request.form.getlist(field) if v.isdigit() and len(v) < 10]
    return {"scope": "ids", "filters": filters, "case_ids": list(dict.fromkeys(ids)),
            "count": len(set(ids))}


def _organisers() -> list[User]:
    return list(db.session.scalars(
        db.select(User).where(User.active, User.role.in_(authz.CASE_WORKERS),
                              User.unit_id.in_(authz.scope_unit_ids(current_user)))
        .order_by(User.name).limit(500)))


def _render_prepare(selection: dict, action: str, *, error: str | None = None,
                    field: str | None = None, status: int = 200):
    specs = trigger_specs()
    if action not in specs and action not in bulk.SPECIAL_ACTIONS:
        abort(400)
    return render_template(
        "bulk/prepare.html", selection=selection, action=action, trigger=specs.get(action),
        actions=dict(action_choices()), organisers=_organisers() if action == "reassign" else [],
        documents=[(d, DOCUMENT_LABELS[d]) for d in DOCUMENTS], error=error, error_field=field,
        form=request.form, inline_limit=BULK_INLINE_CASES), status


@bp.post("/prepare")
@login_required
def prepare():
    selection = _selection()
    if not selection["count"]:
        return _render_prepare(selection, request.form.get("action", ""),
                               error=_("Tick at least one case."), status=422)
    return _render_prepare(selection, request.form.get("action", ""))


def _data_from_form(action: str) -> dict:
    if action == "reassign":
        return {"organiser": request.form.get("data.organiser", "")}
    if action == "decide":
        return {"decision": request.form.get("data.decision", "")}
    trigger = trigger_specs().get(action)
    data = {}
    for spec in trigger.fields if trigger else ():
        key = f"data.{spec.name}"
        if spec.type == "documents":
            data[spec.name] = request.form.getlist(key)
        elif spec.type == "names":
            data[spec.name] = [line.strip() for line in request.form.get(key, "").splitlines()
                               if line.strip()]
        elif spec.type == "int":
            value = request.form.get(key, "").strip()
            data[spec.name] = int(value) if value.isdigit() and len(value) < 10 else value
        else:
            data[spec.name] = request.form.get(key, "")
    return data


@bp.post("/run")
@login_required
def run():
    selection = _selection()
    action = request.form.get("action", "")
    body = {"action": action, "data": _data_from_form(action),
            "comment": request.form.get("comment", "")}
    if selection["scope"] == "all":
        body["filter"] = selection["filters"]
    else:
        body["case_ids"] = selection["case_ids"]
    try:
        status, answer = start_bulk(current_user, load(BulkInput, body))
    except DomainError as exc:
        db.session.rollback()
        return _render_prepare(selection, action, error=exc.message, field=exc.field,
                               status=exc.status)
    if status == 202:
        return redirect(url_for(".job", token=answer.token))
    refs = bulk.case_refs([o.case_id for o in answer])
    return render_template("bulk/results.html", outcomes=answer, refs=refs,
                           counts=bulk.counts(answer), action=action,
                           action_label=dict(action_choices()).get(action, action),
                           filters=selection["filters"])


@bp.get("/jobs/<token>")
@login_required
def job(token: str):
    return render_template("bulk/job.html", job=own_job(token, "bulk"),
                           action_label=dict(action_choices()).get(
                               own_job(token, "bulk").params.get("action"), ""))


@bp.get("/jobs/<token>/report.csv")
@login_required
def report(token: str):
    found = own_job(token, "bulk")
    if found.status != "done":
        abort(404)
    path = report_path(found)
    if not path.exists():
        abort(410)
    return send_file(path, mimetype=exports.CSV_MIME, as_attachment=True,
                     download_name=found.result["name"])
