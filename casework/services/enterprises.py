"""Validating the enterprises a case targets, and recording them for the case."""
from __future__ import annotations

import sqlalchemy as sa
from stdnum.exceptions import ValidationError
from stdnum.vn import mst

from casework.extensions import db
from casework.models import Enterprise, Ownership, Province
from casework.errors import Invalid
from casework.i18n import _
from casework.schemas.limits import ENTERPRISE_NAME_LENGTH, SECTOR_LENGTH, WORKFORCE
from casework.text import nfc, search_key, whole_number


def normalise_tax_code(raw) -> str:
    """'0100109106' or '0100109106-001' (a branch); the check digit is verified."""
    if not isinstance(raw, str) or not raw.strip():
        raise Invalid(_("Tax code is required"), field="tax_code")
    try:
        compact = mst.validate(raw)
    except ValidationError:
        raise Invalid(_("Tax code %(tax_code)s is not a valid Vietnamese tax code (10 digits, or "
                        "13 written NNNNNNNNNN-NNN for a branch)", tax_code=repr(raw.strip()[:20])),
                      field="tax_code")
    return compact if len(compact) == 10 else f"{compact[:10]}-{compact[10:]}"


def tax_code_with_check_digit(body: str) -> str | None:
    """The valid 10-digit code for a 9-digit body, or None where the check 'digit' would be 10
    (such a body has no valid code). For generated data: demo, benchmarks, tests."""
    check = mst.calc_check_digit(body)
    return body + check if len(check) == 1 else None


def clean_enterprise(raw: dict, *, position: int = 0) -> dict:
    """Validate one enterprise as sent by a form or the API; raise Invalid naming the field."""
    if not isinstance(raw, dict):
        raise Invalid(_("Each enterprise must be an object"), field="enterprises")

    def fail(message: str, field: str):
        """`message` is already translated; it is said of the enterprise at `position`."""
        raise Invalid(_("Enterprise %(number)d: %(problem)s", number=position + 1,
                        problem=message), field=f"enterprises.{position}.{field}")

    name = raw.get("name")
    if not isinstance(name, str) or not nfc(name):
        fail(_("name is required"), "name")
    name = nfc(name)
    if len(name) > ENTERPRISE_NAME_LENGTH or any(ord(ch) < 32 for ch in name):
        fail(_("name must be at most %(maximum)d characters, without control characters",
               maximum=ENTERPRISE_NAME_LENGTH), "name")
    try:
        tax_code = normalise_tax_code(raw.get("tax_code"))
    except Invalid as exc:
        fail(exc.message, "tax_code")
    province_code = raw.get("province")
    province = None
    if isinstance(province_code, str | int) and not isinstance(province_code, bool):
        province = db.session.scalar(
            sa.select(Province).where(Province.code == str(province_code).strip().zfill(2)))
    if province is None:
        fail(_("unknown province code"), "province")
    workforce = raw.get("workforce", 0)
    workforce = 0 if workforce in (None, "") else whole_number(workforce)
    if workforce is None or not WORKFORCE.least <= workforce <= WORKFORCE.most:
        fail(_("workforce must be a whole number from 0 to %(maximum)d", maximum=WORKFORCE.most),
             "workforce")
    ownership = raw.get("ownership") or Ownership.private.value
    if ownership not in [o.value for o in Ownership]:
        fail(_("ownership must be one of %(choices)s",
               choices=", ".join(o.value for o in Ownership)), "ownership")
    sector = raw.get("sector") or None
    if sector is not None:
        if not isinstance(sector, str) or len(sector) > SECTOR_LENGTH:
            fail(_("sector must be text of at most %(maximum)d characters", maximum=SECTOR_LENGTH),
                 "sector")
        sector = nfc(sector)
    return {"name": name, "tax_code": tax_code, "province": province, "workforce": workforce,
            "ownership": ownership, "sector": sector}


def new_enterprise(data: dict) -> Enterprise:
    """The enterprise as this case records it: a row of its own, whatever other cases recorded
    for the same tax code (their rows are never changed)."""
    enterprise = Enterprise(
        tax_code=data["tax_code"], name=data["name"], province=data["province"],
        province_id=data["province"].id, workforce=data["workforce"],
        ownership=data["ownership"], sector=data["sector"],
        search_text=search_key(f"{data['name']} {data['tax_code']}"))
    db.session.add(enterprise)
    return enterprise
