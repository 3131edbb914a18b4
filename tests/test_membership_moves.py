"""Moving units in the admin tree keeps the membership tallies right (issue 14): a union moves
only through its transfer form; a unit holding unions carries their tallies along."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.errors import Invalid
from casework.extensions import db
from casework.models.membership import MembershipTally, UnionTally
from casework.services.membership_tallies import rebuild, rebuild_unions
from casework.services.units import update_unit
from tests.browser import browser, text  # noqa: F401
from tests.helpers import PASSWORD, new_user
from tests.membership_support import report, union, unit
from tests.test_pipeline import commune_unit


def union_tallies():
    return sorted((t.managing_unit_id, t.province_id, t.unions, t.members_reported,
                   t.members_unreported) for t in db.session.scalars(sa.select(UnionTally))
                  if t.unions or t.members_reported or t.members_unreported)


def report_tallies():
    return sorted((t.managing_unit_id, t.province_id, t.month, t.reports, t.admitted_vietnamese,
                   t.admitted_foreign, t.left, t.closing)
                  for t in db.session.scalars(sa.select(MembershipTally)) if t.reports)


def recounted():
    """The tallies as a recount from the unions and the reports makes them (rolled back)."""
    kept = union_tallies(), report_tallies()
    with db.session.begin_nested():
        rebuild_unions()
        rebuild()
        recount = union_tallies(), report_tallies()
        db.session.rollback()
    db.session.expire_all()
    assert (union_tallies(), report_tallies()) == kept
    return recount


def test_a_union_is_not_moved_by_the_unit_form(app):
    commune_unit()
    made = union("LDLD-79", founders=40)
    report(made, "2025-01", vietnamese=5)
    before = union_tallies(), report_tallies()
    with pytest.raises(Invalid) as refused:
        update_unit(made.unit, code=made.unit.code, name=made.unit.name, type_="grassroots",
                    parent_code="CD-XA-79-1")
    assert refused.value.field == "parent"
    assert "transfer" in str(refused.value).lower()
    db.session.rollback()
    assert unit(made.unit.code).parent.code == "LDLD-79"
    assert (union_tallies(), report_tallies()) == before == recounted()


def test_a_union_keeps_its_type_and_province_in_the_unit_form(app):
    made = union("LDLD-79", founders=40)
    with pytest.raises(Invalid):
        update_unit(made.unit, code=made.unit.code, name=made.unit.name,
                    type_="commune_union", parent_code="LDLD-79")
    db.session.rollback()
    # renaming and recoding through the admin form stay allowed
    update_unit(made.unit, code="T-CDCS-RENAMED", name="Công đoàn cơ sở mới",
                type_="grassroots", parent_code="LDLD-79", province_code="79")
    db.session.commit()
    assert unit("T-CDCS-RENAMED").parent.code == "LDLD-79"


def test_moving_a_unit_that_holds_unions_carries_their_tallies(app):
    commune_unit()
    held = union("CD-XA-79-1", founders=50)
    quiet = union("CD-XA-79-1", founders=20)     # never reports
    report(held, "2025-01", vietnamese=4, left=1)
    commune = unit("CD-XA-79-1")
    update_unit(commune, code=commune.code, name=commune.name, type_=commune.type,
                parent_code="LDLD-01")          # another province: its unions follow
    db.session.commit()
    db.session.expire_all()
    assert unit(held.unit.code).province.code == "01"
    assert unit(quiet.unit.code).province.code == "01"
    assert (union_tallies(), report_tallies()) == recounted()


def test_the_admin_page_points_to_the_transfer_form(browser):
    admin = new_user("admin", "VGCL", name="Admin", password=PASSWORD)
    commune_unit()
    made = union("LDLD-79", founders=40)
    before = union_tallies()
    response = browser(admin).submit(f"/admin/units/{made.unit.id}", {
        "code": made.unit.code, "name": made.unit.name, "type": "grassroots",
        "parent": "CD-XA-79-1", "province": "79"})
    assert response.status_code == 422
    assert f"/membership/units/{made.unit.code}" in text(response)
    db.session.expire_all()
    assert unit(made.unit.code).parent.code == "LDLD-79"
    assert union_tallies() == before


def test_membership_rebuild_recounts_both_tallies(app, runner):
    commune_unit()
    a = union("LDLD-79", founders=40)
    union("CD-XA-79-1", founders=25)
    report(a, "2025-01", vietnamese=5, left=2)
    right = union_tallies(), report_tallies()
    db.session.execute(sa.delete(UnionTally))
    db.session.execute(sa.update(MembershipTally).values(closing=0))
    db.session.commit()
    result = runner.invoke(args=["membership", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "union" in result.output.lower() and "report" in result.output.lower()
    db.session.expire_all()
    assert (union_tallies(), report_tallies()) == right
