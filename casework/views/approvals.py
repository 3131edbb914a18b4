"""The approvals inbox: requests this user may decide, and the user's own pending requests."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework import authz
from casework.extensions import db
from casework.forms.transitions import WithdrawForm, decision_form, trigger_data
from casework.models import ApprovalRequest
from casework.errors import DomainError
from casework.services.approvals import decide, get_visible_approval, withdraw
from casework.services.history import with_case
from casework.transaction import commit
from casework.views.form_errors import add_error
from casework.workflow.definition import flow_for

bp = Blueprint("approvals", __name__)

INBOX_LIMIT = 500


def _render_inbox(*, errors: dict | None = None, forms: dict | None = None, status: int = 200):
    user = current_user
    to_decide = list(db.session.scalars(with_case(
        sa.select(ApprovalRequest)
        .where(ApprovalRequest.status == "pending", authz.approval_filter(user))
        .order_by(ApprovalRequest.requested_at, ApprovalRequest.id).limit(INBOX_LIMIT))))
    mine = list(db.session.scalars(with_case(
        sa.select(ApprovalRequest)
        .where(ApprovalRequest.status == "pending", ApprovalRequest.requester_id == user.id)
        .order_by(ApprovalRequest.requested_at.desc(), ApprovalRequest.id.desc())
        .limit(INBOX_LIMIT))))
    forms = dict(forms or {})
    for approval in to_decide:
        forms.setdefault(approval.id, decision_form(approval))
    return render_template("approvals/inbox.html", to_decide=to_decide, mine=mine, forms=forms,
                           errors=errors or {}, withdraw_form=WithdrawForm(formdata=None)), status


@bp.get("/approvals")
@login_required
def inbox():
    return _render_inbox()


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return None


@bp.post("/approvals/<int:approval_id>/decision")
@login_required
def decision(approval_id: int):
    approval = get_visible_approval(current_user, approval_id)
    form = decision_form(approval, submitted=True)

    def refused(message: str, *, status: int = 422, field=None):
        """The inbox again, the refusal by the field (or the form) and in the page's summary."""
        if field is not None:
            add_error(field, message)
        else:
            form.form_errors.append(message)
        return _render_inbox(forms={approval.id: form},
                             errors={} if field is not None else {approval.id: message},
                             status=status)

    if not form.validate_on_submit():
        return refused(_("Check the form and try again."))
    choice = "reject" if form.reject.data else "approve" if form.approve.data else None
    if choice is None:
        return refused(_("Choose Approve or Reject."))
    if choice == "reject" and not (form.comment.data or "").strip():
        return refused(_("A comment is required to reject."), field=form.comment)
    case_id = approval.case_id
    try:
        decide(approval, current_user, decision=choice, comment=form.comment.data or "",
               data=trigger_data(form, _trigger_of(approval), form.decision_specs))
        commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.field in {spec.name for spec in form.decision_specs}:  # next to its field
            return refused(exc.message, status=exc.status, field=form[exc.field])
        return refused(exc.message, status=exc.status)
    if choice == "approve":
        flash(_("Approved. The case has moved on."), "success")
    else:
        flash(_("Rejected. The requester will see your comment in the case history."), "info")
    return redirect(_safe_next(request.form.get("next"))
                    or url_for("cases.detail", case_id=case_id))


def _trigger_of(approval: ApprovalRequest):
    return flow_for(approval.case.kind).trigger(approval.trigger)


@bp.post("/approvals/<int:approval_id>/withdraw")
@login_required
def withdraw_request(approval_id: int):
    approval = get_visible_approval(current_user, approval_id)
    form = WithdrawForm()
    case_id = approval.case_id
    if not form.validate_on_submit():
        return _render_inbox(errors={approval.id: _("Check the form and try again.")},
                             status=422)
    try:
        withdraw(approval, current_user, comment=form.comment.data or "")
        commit()
    except DomainError as exc:
        db.session.rollback()
        return _render_inbox(errors={approval.id: exc.message}, status=exc.status)
    flash(_("Request withdrawn: %(action)s.", action=_(_trigger_of(approval).label)), "info")
    return redirect(_safe_next(request.form.get("next"))
                    or url_for("cases.detail", case_id=case_id))
