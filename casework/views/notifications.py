"""The in-app list of one's notifications, and the unread count shown in the menu."""
from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework.extensions import db
from casework.models import Notification
from casework.routing import page_number
from casework.services.notifications import mark_all_read, unread_count
from casework.transaction import commit

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def notification_count() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(current_user)}


@bp.get("/")
@login_required
def index():
    page = page_number() or 1
    query = (sa.select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    pagination = db.paginate(query, page=page,
                             per_page=current_app.config["CASES_PER_PAGE"], error_out=False)
    return render_template("notifications/index.html", pagination=pagination,
                           notifications=pagination.items)


@bp.post("/read")
@login_required
def read_all():
    count = mark_all_read(current_user)
    commit()
    if count:
        flash(_("Marked %(count)s notification(s) as read.", count=count), "success")
    return redirect(url_for(".index"))
