"""Membership targets per unit and year (docs/domain.md §1): what leadership measures against."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.org import OrgUnit
from casework.models.user import utcnow


class Target(db.Model):
    """What a unit (with its subtree) aims at in one year. Every figure is optional: the 2028
    national goal is a system total, the yearly ones are new members and new unions."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    year: Mapped[int]
    new_members: Mapped[int | None]        # new union members recruited in the year
    new_unions: Mapped[int | None]         # new grassroots unions founded in the year
    baseline_members: Mapped[int | None]   # members the subtree had when the year began
    total_members: Mapped[int | None]      # members in the whole subtree by the end of the year
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year", name="uq_targets_unit_year"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        sa.CheckConstraint("new_members IS NULL OR new_members >= 0",
                           name="new_members_not_negative"),
        sa.CheckConstraint("new_unions IS NULL OR new_unions >= 0", name="new_unions_not_negative"),
        sa.CheckConstraint("baseline_members IS NULL OR baseline_members >= 0",
                           name="baseline_not_negative"),
        sa.CheckConstraint("total_members IS NULL OR total_members >= 0",
                           name="total_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<Target {self.unit_id} {self.year}>"
