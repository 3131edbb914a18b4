"""In-app notifications, and their email: one row per person, emailed once the transaction that
made it commits (never when it rolls back). The mechanism every notice goes through; who is
told what is decided by the modules that call it (notifications, escalation, applications)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from casework import jobs
from casework.extensions import db
from casework.i18n import _
from casework.models import ApprovalRequest, Case, Notification, User
from casework.routing import external_url
from casework.transaction import gather_after_commit


def default_locale():
    return force_locale(current_app.config["DEFAULT_LANGUAGE"])


def case_title(case: Case) -> str:
    name = case.links[0].enterprise.name if case.links else ""
    return f"{case.ref} {name}".strip() if case.ref else name


def case_link(case: Case) -> str:
    """The case's absolute address under BASE_URL, or "" when it is not set."""
    return external_url("cases.detail", case_id=case.id) or ""


def line_link(case: Case) -> str:
    link = case_link(case)
    return "\n  " + link if link else ""


def with_link(body: str, case: Case) -> str:
    link = case_link(case)
    return body + "\n\n" + _("Open the case: %(url)s", url=link) if link else body


def queue(notification: Notification) -> None:
    """Email `notification` once the transaction that made it commits; never if it rolls back."""
    gather_after_commit(_email_after_commit, notification)


def _email_after_commit(notifications: list[Notification]) -> None:
    """After the commit: one job emails them all (the send_notifications task), retried with
    backoff while the mail server refuses. Should the queue be down, they wait, unsent, for
    `flask notify send`."""
    keys = [sa.inspect(n).identity for n in notifications]  # no query: the ids stay known
    ids = [key[0] for key in keys if key]
    if ids:
        jobs.enqueue("send_notifications", ids,
                     retry_intervals=current_app.config["MAIL_RETRY_INTERVALS"])


def add_notice(user: User, kind: str, subject: str, body: str, *, case: Case | None = None,
         approval: ApprovalRequest | None = None) -> Notification:
    notification = Notification(user_id=user.id, user=user, kind=kind,
                                case_id=case.id if case else None,
                                approval_id=approval.id if approval else None,
                                subject=subject[:300], body=body)
    db.session.add(notification)
    queue(notification)
    return notification
