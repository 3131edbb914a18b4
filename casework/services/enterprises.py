"""Validating the enterprises a case targets, and recording them for the case."""
from __future__ import annotations

import sqlalchemy as sa
from stdnum.vn import mst

from casework.extensions import db
from casework.models import Enterprise, Province
from casework.errors import Invalid
from casework.i18n import _
from casework.schemas.cases import normalise_tax_code  # noqa: F401  (the import's cleaner)
from casework.text import search_key


def tax_code_with_check_digit(body: str) -> str | None:
    """The valid 10-digit code for a 9-digit body, or None where the check 'digit' would be 10
    (such a body has no valid code). For generated data: demo, benchmarks, tests."""
    check = mst.calc_check_digit(body)
    return body + check if len(check) == 1 else None


def with_province(data: dict, *, position: int = 0) -> dict:
    """One enterprise as casework.schemas.cases.EnterpriseInput loads it, its province code
    looked up (a refusal names the enterprise at `position`)."""
    province = db.session.scalar(sa.select(Province).where(Province.code == data["province"]))
    if province is None:
        raise Invalid(_("Enterprise %(number)d: %(problem)s", number=position + 1,
                        problem=_("unknown province code")),
                      field=f"enterprises.{position}.province")
    return {**data, "province": province}


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
