"""A request to fire a trigger that needs someone else's approval; decided once."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from casework.extensions import db
from casework.models.case import Case
from casework.models.user import User, utcnow

APPROVAL_STATUSES = ("pending", "approved", "rejected", "superseded", "withdrawn")


class ApprovalRequest(db.Model):
    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # the case state when requested: a decision after the case moved is refused
    from_state: Mapped[str] = mapped_column(sa.String(30))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(
        sa.Enum(*APPROVAL_STATUSES, name="approval_status", native_enum=False,
                create_constraint=True, length=20), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decision_comment: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}


# Whether a request on the case waits for a decision (one at a time: no other trigger that needs
# approval is offered meanwhile). Deferred: loaded when asked, or with the rows of a list that
# undefers it.
Case.approval_pending = column_property(
    sa.exists().where(ApprovalRequest.case_id == Case.id, ApprovalRequest.status == "pending"),
    deferred=True)
