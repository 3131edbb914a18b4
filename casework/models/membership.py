"""Founded grassroots unions and the membership they report each month (issue 14).

A case that is founded becomes an OrgUnit of type `grassroots`; `GrassrootsUnion` holds what the
founding decided (chair, committee, decision, founding members, enterprises) and the counters
kept with every report (the latest closing figure), so the dashboards never read every report.

A `MembershipReport` is one revision of one unit's month. A correction adds a revision and
moves `current` to it: revisions are never overwritten. Each revision records the managing unit
and province the unit had for that month, so figures reported before a transfer stay where they
were.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, backref, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from casework.extensions import db
from casework.models.case import Case
from casework.models.enterprise import Enterprise
from casework.models.org import OrgUnit
from casework.models.user import User, utcnow

REPORT_SOURCES = ("page", "api", "import", "generator")
UNIT_EVENTS = ("founded", "renamed", "transferred", "dissolved", "membership_reported",
               "membership_corrected")

union_enterprises = sa.Table(
    "grassroots_union_enterprises", db.Model.metadata,
    sa.Column("unit_id", sa.ForeignKey("grassroots_unions.unit_id"), primary_key=True),
    sa.Column("enterprise_id", sa.ForeignKey("enterprises.id"), primary_key=True),
)


class GrassrootsUnion(db.Model):
    """What a grassroots unit is beyond a node of the tree: its founding and its counters."""

    __tablename__ = "grassroots_unions"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    chair: Mapped[str] = mapped_column(sa.String(200), default="")
    committee: Mapped[list] = mapped_column(sa.JSON, default=list)
    decision_number: Mapped[str | None] = mapped_column(sa.String(200))
    decision_date: Mapped[date | None] = mapped_column(sa.Date)
    signer: Mapped[str | None] = mapped_column(sa.String(200))
    founded_on: Mapped[date] = mapped_column(sa.Date)
    founding_members: Mapped[int] = mapped_column(default=0)
    dissolved_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    dissolution_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # counters kept in the transaction of each report (and of a dissolution)
    members_now: Mapped[int] = mapped_column(default=0)      # latest closing, or the founders
    last_month: Mapped[date | None] = mapped_column(sa.Date)  # the latest month reported
    members_at_dissolution: Mapped[int | None]

    unit: Mapped[OrgUnit] = relationship(
        backref=backref("grassroots", uselist=False, lazy="select"))
    case: Mapped[Case | None] = relationship(
        backref=backref("founded_union", uselist=False, lazy="selectin"))
    enterprises: Mapped[list[Enterprise]] = relationship(secondary=union_enterprises)

    __table_args__ = (
        sa.CheckConstraint("founding_members >= 0", name="union_founders_not_negative"),
        sa.CheckConstraint("members_now >= 0", name="union_members_not_negative"),
    )

    @property
    def dissolved(self) -> bool:
        return self.dissolved_on is not None


class MembershipReport(db.Model):
    __tablename__ = "membership_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    month: Mapped[date] = mapped_column(sa.Date)          # the month's first day
    revision: Mapped[int] = mapped_column(default=1)
    current: Mapped[bool] = mapped_column(default=True)
    # where the unit sat for this month: figures before a transfer stay there
    managing_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provinces.id"))
    opening: Mapped[int]
    admitted_vietnamese: Mapped[int] = mapped_column(default=0)
    admitted_foreign: Mapped[int] = mapped_column(default=0)
    left: Mapped[int] = mapped_column("left_members", default=0)  # LEFT is an SQL keyword
    closing: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(10), default="page")
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    unit: Mapped[OrgUnit] = relationship(foreign_keys=[unit_id])
    reported_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "month", "revision", name="uq_membership_revision"),
        # one current revision per unit and month
        sa.Index("uq_membership_current", "unit_id", "month", unique=True,
                 sqlite_where=sa.text("current"), postgresql_where=sa.text("current")),
        sa.CheckConstraint("opening >= 0 AND closing >= 0 AND admitted_vietnamese >= 0 AND "
                           "admitted_foreign >= 0 AND left_members >= 0",
                           name="membership_not_negative"),
        sa.CheckConstraint("closing = opening + admitted_vietnamese + admitted_foreign "
                           "- left_members", name="membership_adds_up"),
    )

    @property
    def admitted(self) -> int:
        return self.admitted_vietnamese + self.admitted_foreign


class MembershipTally(db.Model):
    """The current reports' sums per managing unit, province and month, kept in the transaction
    of every report, correction and transfer (casework.services.membership_tallies): the
    dashboards read a few thousand of these instead of every report."""

    __tablename__ = "membership_tallies"

    managing_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"),
                                                  primary_key=True)
    province_id: Mapped[int] = mapped_column(primary_key=True)   # 0: no province
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    reports: Mapped[int] = mapped_column(default=0)
    admitted_vietnamese: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    admitted_foreign: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    left: Mapped[int] = mapped_column("left_members", sa.BigInteger, default=0)
    closing: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.Index("ix_membership_tallies_month", "month", "managing_unit_id"),)


class UnionTally(db.Model):
    """The live unions per managing unit and province: how many, the members of those that
    report (their latest closing figures) and of those that never did (their founders), kept
    with every founding, report, transfer and dissolution (services/membership_tallies.py)."""

    __tablename__ = "union_tallies"

    managing_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"),
                                                  primary_key=True)
    province_id: Mapped[int] = mapped_column(primary_key=True)   # 0: no province
    unions: Mapped[int] = mapped_column(default=0)
    members_reported: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    members_unreported: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class UnitEvent(db.Model):
    """Append-only history of a grassroots unit: founding, rename, transfer, dissolution,
    reports and corrections."""

    __tablename__ = "unit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    action: Mapped[str] = mapped_column(
        sa.Enum(*UNIT_EVENTS, name="unit_event_action", native_enum=False,
                create_constraint=True, length=30))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(200))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    actor_unit: Mapped[str] = mapped_column(sa.String(40))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    unit: Mapped[OrgUnit] = relationship()


class UnitHistoryIsAppendOnly(Exception):
    pass


@event.listens_for(UnitEvent, "before_update")
@event.listens_for(UnitEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise UnitHistoryIsAppendOnly("unit events are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state):
    if (state.is_update or state.is_delete) \
            and getattr(state.statement.table, "name", None) == UnitEvent.__tablename__:
        raise UnitHistoryIsAppendOnly("unit events are append-only")


@event.listens_for(OrgUnit, "after_insert")
def _path_of_a_founded_unit(mapper, connection, target):
    """A union is made inside a transition, where nothing may flush early: its path (which
    needs its id) is written as its row is inserted."""
    if target.path or target.parent is None:
        return
    path = f"{target.parent.path}{target.id}/"
    connection.execute(sa.update(OrgUnit.__table__).where(OrgUnit.__table__.c.id == target.id)
                       .values(path=path))
    set_committed_value(target, "path", path)
