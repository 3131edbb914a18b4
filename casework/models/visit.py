"""Leadership visits: Presidium members' provinces, the visits they make and what follows."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.case import Case
from casework.models.org import OrgUnit, Province
from casework.models.user import User, utcnow

VISIT_STATUSES = ("planned", "done", "cancelled")


class ProvinceAssignment(db.Model):
    """A standing member of the VGCL Presidium (a leader at the VGCL node) covers a province.

    One leader per province: who answers for a province is never ambiguous."""

    __tablename__ = "province_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("provinces.id"), unique=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    province: Mapped[Province] = relationship()


class Visit(db.Model):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("provinces.id"), index=True)
    # the unit that hosts the visit (e.g. LDLD-79); who else receives it (Tỉnh ủy ...) in the note
    host_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    host_note: Mapped[str] = mapped_column(sa.String(300), default="")
    planned_date: Mapped[date] = mapped_column(sa.Date, index=True)
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(
        sa.Enum(*VISIT_STATUSES, name="visit_status", native_enum=False, create_constraint=True,
                length=20), index=True)
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    # optimistic lock: every change bumps it; a stale one is a 409
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    province: Mapped[Province] = relationship()
    host_unit: Mapped[OrgUnit] = relationship()
    follow_ups: Mapped[list["VisitFollowUp"]] = relationship(
        back_populates="visit", order_by="VisitFollowUp.id", cascade="all, delete-orphan")
    case_links: Mapped[list["VisitCase"]] = relationship(
        back_populates="visit", order_by="VisitCase.case_id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.status is None:
            self.status = "planned"

    @property
    def cases(self) -> list[Case]:
        return [link.case for link in self.case_links]

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.status} {self.planned_date}>"


class VisitFollowUp(db.Model):
    """An action agreed at a visit: owned by a user or by a named person, due by a date."""

    __tablename__ = "visit_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    action: Mapped[str] = mapped_column(sa.Text)
    owner_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    owner_name: Mapped[str] = mapped_column(sa.String(200), default="")
    due_date: Mapped[date] = mapped_column(sa.Date, index=True)
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    visit: Mapped[Visit] = relationship(back_populates="follow_ups")
    owner_user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("owner_user_id IS NOT NULL OR owner_name <> ''",
                           name="follow_up_has_owner"),
    )

    @property
    def owner(self) -> str:
        """The owner as the API shows it: a user's email, or the name typed."""
        return self.owner_user.email if self.owner_user is not None else self.owner_name

    @property
    def owner_label(self) -> str:
        return self.owner_user.name if self.owner_user is not None else self.owner_name


class VisitCase(db.Model):
    """A case discussed at a visit."""

    __tablename__ = "visit_cases"

    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), primary_key=True, index=True)

    visit: Mapped[Visit] = relationship(back_populates="case_links")
    case: Mapped[Case] = relationship()
