"""Notifications: who is told what, stored in the database; mail goes out after the commit.

The notify functions flush, never commit. Each notification queues its email on the
transaction that made it (`queue`): once the caller commits, one background job emails them
all, retrying while the mail server refuses, so a failed mail server never rolls a decision
back; a rollback sends nothing. Texts are written in the federation's default language: a
notification outlives the request that made it.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from casework import authz, clock, jobs
from casework.extensions import db
from casework.models import ApprovalRequest, Case, Notification, User
from casework.i18n import _
from casework.routing import external_url
from casework.services.queries import overdue_condition, stuck_condition
from casework.transaction import gather_after_commit
from casework.workflow.definition import STATE_LABELS, flow_for


def _default_locale():
    return force_locale(current_app.config["DEFAULT_LANGUAGE"])


def case_title(case: Case) -> str:
    name = case.links[0].enterprise.name if case.links else ""
    return f"{case.ref} {name}".strip() if case.ref else name


def _link(case: Case) -> str:
    """The case's absolute address under BASE_URL, or "" when it is not set."""
    return external_url("cases.detail", case_id=case.id) or ""


def _line_link(case: Case) -> str:
    link = _link(case)
    return "\n  " + link if link else ""


def _with_link(body: str, case: Case) -> str:
    link = _link(case)
    return body + "\n\n" + _("Open the case: %(url)s", url=link) if link else body


def _trigger_label(case: Case, trigger: str) -> str:
    spec = flow_for(case.kind).trigger(trigger)
    return _(spec.label) if spec is not None else trigger


def queue(notification: Notification) -> None:
    """Email `notification` once the transaction that made it commits; never if it rolls back."""
    gather_after_commit(_email, notification)


def _email(notifications: list[Notification]) -> None:
    """After the commit: one job emails them all (the send_notifications task), retried with
    backoff while the mail server refuses. Should the queue be down, they wait, unsent, for
    `flask notify send`."""
    keys = [sa.inspect(n).identity for n in notifications]  # no query: the ids stay known
    ids = [key[0] for key in keys if key]
    if ids:
        jobs.enqueue("send_notifications", ids,
                     retry_intervals=current_app.config["MAIL_RETRY_INTERVALS"])


def _add(user: User, kind: str, subject: str, body: str, *, case: Case | None = None,
         approval: ApprovalRequest | None = None) -> Notification:
    notification = Notification(user_id=user.id, user=user, kind=kind,
                                case_id=case.id if case else None,
                                approval_id=approval.id if approval else None,
                                subject=subject[:300], body=body)
    db.session.add(notification)
    queue(notification)
    return notification


def approval_deciders(approval: ApprovalRequest) -> list[User]:
    """The active people who may decide `approval` (authz's one query of who may decide)."""
    return list(db.session.scalars(authz.deciders_query(approval)).unique())


def notify_approval_requested(approval: ApprovalRequest) -> list[Notification]:
    case = approval.case
    with _default_locale():
        action = _trigger_label(case, approval.trigger)
        title = case_title(case)
        subject = _("Approval requested: %(action)s — %(case)s", action=action, case=title)
        body = _("%(requester)s asks you to approve “%(action)s” on the case %(case)s.",
                 requester=approval.requester.name, action=action, case=title)
        if approval.comment:
            body += "\n\n“" + approval.comment + "”"
        body = _with_link(body, case)
        made = [_add(user, "approval_requested", subject, body, case=case, approval=approval)
                for user in approval_deciders(approval)]
    db.session.flush()
    return made


def notify_approval_decided(approval: ApprovalRequest) -> Notification | None:
    requester = approval.requester
    if requester is None or not requester.active:
        return None
    case = approval.case
    with _default_locale():
        action = _trigger_label(case, approval.trigger)
        title = case_title(case)
        decider = approval.decided_by.name if approval.decided_by else ""
        if approval.status == "approved":
            subject = _("Approved: %(action)s — %(case)s", action=action, case=title)
            body = _("%(decider)s approved “%(action)s” on the case %(case)s.",
                     decider=decider, action=action, case=title)
        else:
            subject = _("Rejected: %(action)s — %(case)s", action=action, case=title)
            body = _("%(decider)s rejected “%(action)s” on the case %(case)s.",
                     decider=decider, action=action, case=title)
        if approval.decision_comment:
            body += "\n\n“" + approval.decision_comment + "”"
        body = _with_link(body, case)
        made = _add(requester, "approval_decided", subject, body, case=case, approval=approval)
    db.session.flush()
    return made


def _moment(today: date) -> datetime:
    """The moment stuck cases are measured at: now, or the same time of day on `today`."""
    now = clock.now()
    local = now.astimezone(clock.VIETNAM)
    if local.date() == today:
        return now
    return datetime.combine(today, local.timetz())


def overdue_items(today: date) -> dict[int, dict[str, list[Case]]]:
    """{user id: {"overdue": [...], "stuck": [...]}}: organisers get their cases, supervisors
    the cases of their subtree."""
    overdue = list(db.session.scalars(sa.select(Case).where(overdue_condition(today))
                                      .order_by(Case.deadline, Case.id)))
    stuck = list(db.session.scalars(sa.select(Case).where(stuck_condition(_moment(today)))
                                     .order_by(Case.state_changed_at, Case.id)))
    if not overdue and not stuck:
        return {}
    supervisors = list(db.session.scalars(
        sa.select(User).where(User.role == "supervisor", User.active.is_(True))))
    items: dict[int, dict[str, list[Case]]] = defaultdict(lambda: {"overdue": [], "stuck": []})
    for key, cases in (("overdue", overdue), ("stuck", stuck)):
        for case in cases:
            people = {s.id for s in supervisors if authz.unit_in_scope(s, case.unit)}
            if case.organiser is not None and case.organiser.active:
                people.add(case.organiser_id)
            for user_id in people:
                items[user_id][key].append(case)
    return dict(items)


def overdue_digest(today: date | None = None) -> list[Notification]:
    """One digest per person with overdue recognition deadlines or stuck cases; none else."""
    today = today or clock.today()
    items = overdue_items(today)
    if not items:
        return []
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(items)))}
    made = []
    with _default_locale():
        for user_id in sorted(items):
            found = items[user_id]
            lines = []
            for state, heading in (("congress_held", _("Dossier filing deadline passed:")),
                                   ("dossier_submitted", _("Recognition deadline passed:"))):
                late = [c for c in found["overdue"] if c.state == state]
                if late and lines:
                    lines.append("")
                if late:
                    lines.append(heading)
                lines += ["- " + _("%(case)s: deadline %(deadline)s", case=case_title(c),
                                   deadline=c.deadline.isoformat()) + _line_link(c)
                          for c in late]
            if found["stuck"]:
                if lines:
                    lines.append("")
                lines.append(_("Stuck in the same state:"))
                lines += ["- " + _("%(case)s: %(state)s since %(since)s", case=case_title(c),
                                   state=_(STATE_LABELS.get(c.state, c.state)),
                                   since=c.state_changed_at.astimezone(clock.VIETNAM)
                                   .date().isoformat()) + _line_link(c)
                          for c in found["stuck"]]
            subject = _("Overdue on %(day)s: %(overdue)s deadline(s), %(stuck)s stuck case(s)",
                        day=today.isoformat(), overdue=len(found["overdue"]),
                        stuck=len(found["stuck"]))
            made.append(_add(users[user_id], "overdue_digest", subject, "\n".join(lines)))
    db.session.flush()
    return made


def daily_overdue_digest(today: date | None = None) -> list[Notification] | None:
    """Today's overdue digest, made once a day however often it is asked for (the scheduler's
    job, a retried job, `flask notify overdue` from cron or by hand): None when today's was
    made already. A day is a day in Vietnam."""
    today = today or clock.today()
    # in UTC, as the column holds it: SQLite compares the text, whatever the offset says
    start_of_day = datetime.combine(today, time(), tzinfo=clock.VIETNAM).astimezone(timezone.utc)
    already = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.kind == "overdue_digest", Notification.created_at >= start_of_day))
    if already:
        return None
    return overdue_digest(today)


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
        .values(read_at=clock.now()))
    return result.rowcount or 0
