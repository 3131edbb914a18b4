"""The register of decision numbers an issuing unit keeps, one series a year (`15/QĐ-LĐLĐ`)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import db
from casework.models.user import utcnow


class DecisionCounter(db.Model):
    """The last number a unit issued in a year: the row a decision locks (SELECT ... FOR UPDATE)
    so two decisions taken at once get consecutive numbers, never the same one."""

    __tablename__ = "decision_counters"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class DecisionNumber(db.Model):
    """One number issued: which case's decision it went to. The unique index is the last word
    should anything bypass the counter."""

    __tablename__ = "decision_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    year: Mapped[int]
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(60))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(40))
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("unit_id", "year", "number",
                                          name="uq_decision_numbers_unit_year_number"),)


class UnitDecisionSuffix(db.Model):
    """A unit's own suffix for its decisions (`QĐ-LĐLĐ`), when it differs from its type's."""

    __tablename__ = "unit_decision_suffixes"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    suffix: Mapped[str] = mapped_column(sa.String(40))
