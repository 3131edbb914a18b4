"""The organisation tree and the provinces it is laid over."""
from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db


class UnitType(str, enum.Enum):
    vgcl = "vgcl"
    provincial_federation = "provincial_federation"
    sector_union = "sector_union"
    corporation_union = "corporation_union"
    commune_union = "commune_union"
    industrial_park_union = "industrial_park_union"
    grassroots = "grassroots"


class Province(db.Model):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(2), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    is_city: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Province {self.code} {self.name}>"


class OrgUnit(db.Model):
    """A node of the union tree. `path` ("/1/4/9/") makes a subtree one LIKE prefix query."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(
        sa.Enum(*[t.value for t in UnitType], name="unit_type", native_enum=False,
                create_constraint=True, length=30))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provinces.id"))
    path: Mapped[str] = mapped_column(sa.String(400), default="", index=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])
    province: Mapped[Province | None] = relationship()

    def is_within(self, ancestor: "OrgUnit") -> bool:
        return self.path.startswith(ancestor.path)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"


class CalendarDay(db.Model):
    """A public holiday (kind 'holiday') or a make-up working day (kind 'working')."""

    __tablename__ = "calendar_days"

    day: Mapped["sa.Date"] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(
        sa.Enum("holiday", "working", name="calendar_kind", native_enum=False,
                create_constraint=True, length=10))
    name: Mapped[str] = mapped_column(sa.String(200), default="")


class Setting(db.Model):
    """A federation-decided value (threshold, deadline); defaults live in services.settings."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(sa.JSON)
