"""The employer a case targets."""
from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.org import Province


class Ownership(str, enum.Enum):
    state = "state"
    private = "private"
    fdi = "fdi"
    conglomerate_member = "conglomerate_member"


SECTORS = ("textile_garment", "footwear", "electronics", "banking", "construction",
           "logistics", "food_processing", "other")

# what a person reads for each code: the forms' choices, the case pages, the exports
OWNERSHIP_LABELS = {
    "state": _l("State-owned"),
    "private": _l("Private"),
    "fdi": _l("Foreign-invested (FDI)"),
    "conglomerate_member": _l("Member of a conglomerate"),
}
SECTOR_LABELS = {
    "textile_garment": _l("Textile and garment"),
    "footwear": _l("Footwear"),
    "electronics": _l("Electronics"),
    "banking": _l("Banking"),
    "construction": _l("Construction"),
    "logistics": _l("Logistics"),
    "food_processing": _l("Food processing"),
    "other": _l("Other"),
}


class Enterprise(db.Model):
    """The employer as one case recorded it. Each case has rows of its own (a snapshot, never
    updated), so a later case for the same tax code — in another province, by another unit —
    cannot change what an earlier case shows; the tax code is what the cases share."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    tax_code: Mapped[str] = mapped_column(sa.String(14), index=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("provinces.id"), index=True)
    ownership: Mapped[str] = mapped_column(
        sa.Enum(*[o.value for o in Ownership], name="ownership", native_enum=False,
                create_constraint=True, length=30), default=Ownership.private.value)
    investor_country: Mapped[str | None] = mapped_column(sa.String(100))
    sector: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(400))
    workforce: Mapped[int] = mapped_column(default=0)
    workforce_women: Mapped[int | None]
    workforce_foreign: Mapped[int | None]
    # name and tax code without diacritics, lower-case: what list search matches on
    search_text: Mapped[str] = mapped_column(sa.String(400), default="")

    province: Mapped[Province] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint("workforce >= 0", name="workforce_not_negative"),)
