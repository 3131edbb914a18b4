"""A proposed union moving through its founding workflow."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import search_index
from casework.extensions import db
from casework.models.enterprise import Enterprise
from casework.models.org import OrgUnit, Province
from casework.models.user import User, utcnow
from casework.workflow.definition import ALL_STATES, KINDS, TERMINAL_STATES, initial_state


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    kind: Mapped[str] = mapped_column(
        sa.Enum(*KINDS, name="case_kind", native_enum=False, create_constraint=True, length=30))
    state: Mapped[str] = mapped_column(
        sa.Enum(*ALL_STATES, name="case_state", native_enum=False, create_constraint=True,
                length=30), index=True)
    # the state on_hold returns to on resume
    resume_state: Mapped[str | None] = mapped_column(sa.String(30))
    # optimistic lock: every change compares and bumps it (stale -> 409)
    version: Mapped[int] = mapped_column(default=1)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("provinces.id"))
    target_members: Mapped[int] = mapped_column(default=0)
    applications_vietnamese: Mapped[int] = mapped_column(default=0)
    applications_foreign: Mapped[int] = mapped_column(default=0)
    deadline: Mapped[date | None] = mapped_column(sa.Date, index=True)
    founded_members: Mapped[int | None]
    founded_on: Mapped[date | None] = mapped_column(sa.Date)
    # the data each trigger took (decision number, congress date, committee ...), by trigger
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    search_text: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    unit: Mapped[OrgUnit] = relationship()
    province: Mapped[Province] = relationship()
    organiser: Mapped[User | None] = relationship(foreign_keys=[organiser_id])
    links: Mapped[list["CaseEnterprise"]] = relationship(
        back_populates="case", order_by="CaseEnterprise.position", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("applications_vietnamese >= 0", name="applications_vn_not_negative"),
        sa.CheckConstraint("applications_foreign >= 0", name="applications_foreign_not_negative"),
        sa.CheckConstraint("target_members >= 0", name="target_not_negative"),
        # national scale (migration 5c2e7a9d4b18): the list by province in its order, and the
        # pipeline's counts read from indexes alone
        sa.Index("ix_cases_province_id_updated_at", "province_id", "updated_at"),
        sa.Index("ix_cases_pipeline", "province_id", "state", "kind", "unit_id",
                 "target_members", "state_changed_at", "deadline"),
        sa.Index("ix_cases_founded_on", "state", "founded_on", "province_id", "kind",
                 "unit_id", "founded_members"),
        # the pipeline on tallies (migration 7d3f1c9a2b60): its live parts read small slices,
        # the overdue cases (one state, deadline passed) and the active cases that changed
        # state recently (the stuck ones are the tallied active cases minus these)
        sa.Index("ix_cases_overdue", "state", "deadline", "province_id", "kind", "unit_id"),
        sa.Index("ix_cases_state_changed_at", "state", "state_changed_at", "province_id",
                 "kind", "unit_id"),
        # the search's LIKE '%…%': a trigram GIN index on PostgreSQL (pg_trgm), a plain index
        # on SQLite (scanned instead of the table)
        sa.Index("ix_cases_search_text", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # column defaults apply only at flush; the machine needs a state now
        if self.state is None:
            self.state = initial_state(self.kind)
        if self.details is None:
            self.details = {}

    @property
    def enterprises(self) -> list[Enterprise]:
        return [link.enterprise for link in self.links]

    @property
    def is_active(self) -> bool:
        return self.state not in TERMINAL_STATES

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.kind} {self.state}>"


# create_all() (the tests) needs the trigram operator class before the index; the migration
# creates the extension itself
sa.event.listen(Case.__table__, "before_create",
                sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


class CaseEnterprise(db.Model):
    """Links a case to its own enterprise row(s): an enterprise row belongs to one case.
    `tax_code` repeats the enterprise's and `active` mirrors the case, so the DB refuses a second
    live case for one tax code (a partial unique index, on SQLite and PostgreSQL alike)."""

    __tablename__ = "case_enterprises"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), primary_key=True,
                                               unique=True)
    tax_code: Mapped[str] = mapped_column(sa.String(14))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    case: Mapped[Case] = relationship(back_populates="links")
    enterprise: Mapped[Enterprise] = relationship(lazy="joined")

    __table_args__ = (
        sa.Index("uq_case_enterprises_active_tax_code", "tax_code", unique=True,
                 sqlite_where=sa.text("active"), postgresql_where=sa.text("active")),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.tax_code is None and self.enterprise is not None:
            self.tax_code = self.enterprise.tax_code


# SQLite's substring index of the cases' search text, made with the table (casework.search_index)
sa.event.listen(Case.__table__, "after_create", search_index.after_create)
