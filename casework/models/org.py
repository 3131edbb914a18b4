"""The organisation tree and the provinces it is laid over."""
from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
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


# How far below the root each type sits. An administrator gives a unit only a type strictly
# below their own unit's (casework.authz.assignable_unit_types), so nobody can make a peer or a
# superior of their own unit; the root's type, `vgcl`, is below nobody and is never given.
UNIT_LEVELS = {
    UnitType.vgcl.value: 0,
    UnitType.provincial_federation.value: 1,
    UnitType.sector_union.value: 1,
    UnitType.corporation_union.value: 1,
    UnitType.commune_union.value: 2,
    UnitType.industrial_park_union.value: 2,
    UnitType.grassroots.value: 3,
}


class Province(db.Model):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(2), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    is_city: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Province {self.code} {self.name}>"


class OrgUnit(db.Model):
    """A node of the union tree. `path` ("/1/4/9/") makes a subtree one LIKE prefix query.

    The tree has one root, the VGCL, and it is the only unit of type `vgcl` (two constraints
    below): national powers come from being the root (`is_root`), never from a type."""

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

    __table_args__ = (
        sa.CheckConstraint("(type = 'vgcl' AND parent_id IS NULL) OR "
                           "(type <> 'vgcl' AND parent_id IS NOT NULL)", name="root_is_vgcl"),
        sa.Index("uq_org_units_one_root", "type", unique=True,
                 sqlite_where=sa.text("parent_id IS NULL"),
                 postgresql_where=sa.text("parent_id IS NULL")),
    )

    @hybrid_property
    def is_root(self) -> bool:
        """The VGCL: the unit whose users have national powers."""
        return self.parent_id is None and self.parent is None

    @is_root.inplace.expression
    @classmethod
    def _is_root_expression(cls):
        return cls.parent_id.is_(None)

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
