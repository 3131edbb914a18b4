"""A supervisor's decision on two cases that look like one enterprise: distinct, or merged."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.case import Case
from casework.models.user import User, utcnow

DUPLICATE_DECISIONS = ("distinct", "merged")


class DuplicateDecision(db.Model):
    __tablename__ = "duplicate_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the pair in id order: (a, b) with a < b, so a pair is decided once
    case_a_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    case_b_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    decision: Mapped[str] = mapped_column(
        sa.Enum(*DUPLICATE_DECISIONS, name="duplicate_decision", native_enum=False,
                create_constraint=True, length=20))
    # merged: the case kept (the other is closed, linking to it)
    kept_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    decided_by: Mapped[User] = relationship()
    case_a: Mapped[Case] = relationship(foreign_keys=[case_a_id])
    case_b: Mapped[Case] = relationship(foreign_keys=[case_b_id])

    __table_args__ = (
        sa.UniqueConstraint("case_a_id", "case_b_id", name="uq_duplicate_decisions_pair"),
        sa.CheckConstraint("case_a_id < case_b_id", name="pair_in_order"),
    )
