"""Validating the enterprises a case targets (services.new_case makes their rows)."""
from __future__ import annotations

import sqlalchemy as sa
from stdnum.exceptions import ValidationError
from stdnum.vn import mst

from casework.extensions import db
from casework.models import Ownership, Province
from casework.errors import Invalid
from casework.i18n import _
from casework.text import nfc, whole_number

MAX_NAME = 300
MAX_WORKFORCE = 1_000_000


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
    if len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        fail(_("name must be at most %(maximum)d characters, without control characters",
               maximum=MAX_NAME), "name")
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
    if workforce is None or not 0 <= workforce <= MAX_WORKFORCE:
        fail(_("workforce must be a whole number from 0 to %(maximum)d", maximum=MAX_WORKFORCE),
             "workforce")
    ownership = raw.get("ownership") or Ownership.private.value
    if ownership not in [o.value for o in Ownership]:
        fail(_("ownership must be one of %(choices)s",
               choices=", ".join(o.value for o in Ownership)), "ownership")
    sector = raw.get("sector") or None
    if sector is not None:
        if not isinstance(sector, str) or len(sector) > 100:
            fail(_("sector must be text of at most %(maximum)d characters", maximum=100),
                 "sector")
        sector = nfc(sector)
    return {"name": name, "tax_code": tax_code, "province": province, "workforce": workforce,
            "ownership": ownership, "sector": sector}

