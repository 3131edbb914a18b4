"""The organiser's log of what was done on a case. Corrected only by a new step."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.user import User, utcnow

STEP_KINDS = ("contact_employer", "worker_meeting", "propaganda", "applications_collected",
              "committee_formed", "congress", "dossier", "leadership_visit", "survey_report",
              "other")
OUTREACH_STEP_KINDS = ("contact_employer", "worker_meeting", "propaganda")


class Step(db.Model):
    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(
        sa.Enum(*STEP_KINDS, name="step_kind", native_enum=False, create_constraint=True,
                length=30))
    date: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    applications_vietnamese: Mapped[int] = mapped_column(default=0)
    applications_foreign: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # the register's steps: the application whose verification (+1) or reversal (-1) this is
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_applications.id"),
                                                       index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
