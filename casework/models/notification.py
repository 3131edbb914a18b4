"""A message to one person: an approval to decide, a decision taken, overdue work."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.case import Case
from casework.models.user import User, utcnow

NOTIFICATION_KINDS = ("approval_requested", "approval_decided", "overdue_digest",
                      "application_received")


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(
        sa.Enum(*NOTIFICATION_KINDS, name="notification_kind", native_enum=False,
                create_constraint=True, length=30))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    approval_id: Mapped[int | None] = mapped_column(sa.ForeignKey("approval_requests.id"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    email_error: Mapped[str | None] = mapped_column(sa.String(500))

    user: Mapped[User] = relationship(lazy="joined")
    case: Mapped[Case | None] = relationship()
