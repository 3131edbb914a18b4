"""Duplicate enterprises on the pages: shown before a case is saved, and the supervisors'
duplicates page, where two cases of one enterprise are merged or marked distinct."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from casework import authz
from casework.errors import DomainError
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, Enterprise
from casework.services.duplicates import find_for_all, pairs_in_scope
from casework.services.merge import mark_distinct, merge
from casework.transaction import commit
from casework.workflow.definition import N_

bp = Blueprint("duplicates", __name__, url_prefix="/duplicates")

REASONS = {"tax_code": N_("Same tax code"), "branch": N_("A branch of the same company"),
           "name": N_("A similar name in the province")}


@dataclass
class Shown:
    case: Case
    enterprise: Enterprise
    reason_label: str
    visible: bool


def possible_duplicates(enterprises: list[dict]) -> list[Shown]:
    """What the new case form shows before saving (a case outside the reader's scope is named,
    as the refusal of a second active case names it, without a link). The same tax code as
    an open case is left to that refusal."""
    return [Shown(m.case, m.enterprise, _(REASONS[m.reason]),
                  authz.case_in_scope(current_user, m.case))
            for m in find_for_all(enterprises)
            # the same tax code as an open case: refused on saving, which says so
            if not (m.reason == "tax_code" and m.case.is_active)]


def _require_supervisor() -> None:
    if current_user.role != "supervisor":
        abort(403, _("Only a supervisor merges cases or marks them distinct."))


@bp.get("/")
@login_required
def index():
    _require_supervisor()
    return render_template("duplicates/index.html", pairs=pairs_in_scope(current_user),
                           reasons={k: _(v) for k, v in REASONS.items()})


def _case(field: str) -> Case:
    raw = request.form.get(field, "")
    case = db.session.get(Case, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if case is None or not authz.case_in_scope(current_user, case):
        abort(404)
    return case


def _version(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 10 else None


@bp.post("/decide")
@login_required
def decide():
    _require_supervisor()
    first, second = _case("first"), _case("second")
    decision = request.form.get("decision")
    try:
        if decision == "distinct":
            mark_distinct(current_user, first, second)
            message = _("%(a)s and %(b)s are marked as different enterprises.", a=first.ref,
                        b=second.ref)
        elif decision in ("keep_first", "keep_second"):
            kept, merged = (first, second) if decision == "keep_first" else (second, first)
            merge(current_user, kept, merged,
                  kept_version=_version(request.form.get(f"version_{kept.id}")),
                  merged_version=_version(request.form.get(f"version_{merged.id}")),
                  comment=request.form.get("comment", ""))
            message = _("%(merged)s was merged into %(kept)s and closed.", merged=merged.ref,
                        kept=kept.ref)
        else:
            abort(400)
        commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for(".index"))
    flash(message, "success")
    return redirect(url_for(".index"))
