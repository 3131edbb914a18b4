"""Reference data: provinces (from the vietnam-provinces package), the union tree, holidays."""
from __future__ import annotations


import sqlalchemy as sa
from vietnam_provinces import Province as SourceProvince
from vietnam_provinces import VietNamDivisionType

from casework.extensions import db
from casework.models import OrgUnit, Province
from casework.services.calendar import seed_public_holidays
from casework.text import nfc
from casework import clock

SECTOR_UNIONS = (("CD-DETMAY", "Công đoàn Dệt May Việt Nam"),
                 ("CD-NGANHANG", "Công đoàn Ngân hàng Việt Nam"))


def _short_name(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def ensure_unit(code: str, name: str, type_: str, parent: OrgUnit | None,
                province: Province | None = None) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        unit = OrgUnit(code=code, name=nfc(name), type=type_, parent=parent, province=province)
        db.session.add(unit)
        db.session.flush()
        set_path(unit)
    return unit


def set_path(unit: OrgUnit) -> None:
    unit.path = (unit.parent.path if unit.parent else "/") + f"{unit.id}/"


def seed_reference(years=None) -> dict:
    """Idempotent: running it twice adds nothing the second time."""
    counts = {"provinces": 0, "units": 0, "holidays": 0}
    existing = {p.code: p for p in db.session.scalars(sa.select(Province))}
    for source in SourceProvince.iter_all():
        code = f"{source.code.value:02d}"
        if code not in existing:
            existing[code] = Province(
                code=code, name=nfc(_short_name(source.name)),
                is_city=source.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG)
            db.session.add(existing[code])
            counts["provinces"] += 1
    db.session.flush()
    before = db.session.scalar(sa.select(sa.func.count(OrgUnit.id)))
    root = ensure_unit("VGCL", "Tổng Liên đoàn Lao động Việt Nam", "vgcl", None)
    for province in sorted(existing.values(), key=lambda p: p.code):
        ensure_unit(f"LDLD-{province.code}", f"Liên đoàn Lao động {province.name}",
                    "provincial_federation", root, province)
    for code, name in SECTOR_UNIONS:
        ensure_unit(code, name, "sector_union", root)
    counts["units"] = db.session.scalar(sa.select(sa.func.count(OrgUnit.id))) - before
    this_year = clock.today().year
    counts["holidays"] = seed_public_holidays(years or range(this_year - 2, this_year + 3))
    return counts
