"""The enterprises a case targets: their province looked up, generated tax codes (the rows
a case records are made in casework.services.new_case)."""
from __future__ import annotations

import sqlalchemy as sa
from stdnum.vn import mst

from casework.extensions import db
from casework.models import Province
from casework.errors import Invalid
from casework.i18n import _
from casework.schemas.cases import normalise_tax_code  # noqa: F401  (the import's cleaner)


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
