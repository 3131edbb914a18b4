"""The unions that have not reported the last closed month, in the supervisors' overdue digest
(issue 14): a section added to each supervisor's digest of the day, or a digest of its own for a
supervisor with nothing else overdue. No personal data: unit names and codes only."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from casework import clock
from casework.extensions import db
from casework.i18n import _
from casework.models import Notification, User
from casework.services.membership import last_closed_month, month_key, not_reported_in_scope

LISTED = 10   # the first few unions named; the count says how many


def add_membership_section(made: list[Notification], today: date | None = None
                           ) -> list[Notification]:
    """`made`: the day's digests; returns them with the section added, plus the new ones."""
    month = last_closed_month(today or clock.today())
    by_user = {n.user_id: n for n in made}
    supervisors = db.session.scalars(sa.select(User).where(User.role == "supervisor",
                                                           User.active.is_(True))).all()
    out = list(made)
    with force_locale(current_app.config["DEFAULT_LANGUAGE"]):
        for supervisor in supervisors:
            count, units = not_reported_in_scope(supervisor, month, LISTED)
            if not count:
                continue
            lines = [_("Unions without a membership report for %(month)s: %(count)d",
                       month=month_key(month), count=count)]
            lines += [f"- {u.name} ({u.code})" for u in units]
            if count > len(units):
                lines.append(_("… and %(count)d more", count=count - len(units)))
            digest = by_user.get(supervisor.id)
            if digest is not None:
                digest.body = digest.body + "\n\n" + "\n".join(lines)
            else:
                digest = Notification(
                    user_id=supervisor.id, user=supervisor, kind="overdue_digest",
                    subject=_("Overdue on %(day)s: %(count)d union(s) without a membership "
                              "report", day=(today or clock.today()).isoformat(),
                              count=count)[:300], body="\n".join(lines))
                db.session.add(digest)
                out.append(digest)
    db.session.flush()
    return out
