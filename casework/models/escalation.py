"""A case escalated to the unit above the one that should act: a recognition overdue beyond the
setting of the deciding unit's level, or a case stuck beyond its setting. It lasts while the
case stays where it was; the daily job ends it once the case moves."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.case import Case
from casework.models.org import OrgUnit
from casework.models.user import utcnow

ESCALATION_REASONS = ("overdue", "stuck")


class Escalation(db.Model):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(
        sa.Enum(*ESCALATION_REASONS, name="escalation_reason", native_enum=False,
                create_constraint=True, length=20))
    # the unit whose supervisors and leaders it went to: the one above the deciding unit
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    # where the case stood: it "moves" when its state changes after this moment
    state: Mapped[str] = mapped_column(sa.String(30))
    state_changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    case: Mapped[Case] = relationship()
    unit: Mapped[OrgUnit] = relationship()

    __table_args__ = (
        # one live escalation per case and reason (the daily job may run twice)
        sa.Index("uq_escalations_live", "case_id", "reason", unique=True,
                 sqlite_where=sa.text("ended_at IS NULL"),
                 postgresql_where=sa.text("ended_at IS NULL")),
    )
