"""Append-only history of everything done to a case."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from casework.extensions import db
from casework.models.user import utcnow

AUDIT_ACTIONS = ("created", "transition", "approval_requested", "approval_decided",
                 "reassigned", "edited", "approval_withdrawn",
                 # the register (casework/services/applications.py): never a name in `data`,
                 # the history outlives an erasure
                 "application_added", "application_status", "register_viewed",
                 "register_exported", "application_erased", "application_link")


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(
        sa.Enum(*AUDIT_ACTIONS, name="audit_action", native_enum=False, create_constraint=True,
                length=30))
    trigger: Mapped[str | None] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(30))
    to_state: Mapped[str | None] = mapped_column(sa.String(30))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # copied, not joined: the record shows who the actor was at the time
    actor_name: Mapped[str] = mapped_column(sa.String(200))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    actor_unit: Mapped[str] = mapped_column(sa.String(40))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow,
                                                 index=True)


class AuditIsAppendOnly(Exception):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AuditIsAppendOnly("audit entries are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state):
    """The mapper events above do not see bulk UPDATE/DELETE statements: refuse those too."""
    if (state.is_update or state.is_delete) \
            and getattr(state.statement.table, "name", None) == AuditEntry.__tablename__:
        raise AuditIsAppendOnly("audit entries are append-only")
