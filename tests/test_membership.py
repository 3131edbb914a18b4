"""Membership reports: opening and closing, revisions, roll-up, transfer, dissolution, a union
never reported, and the API equal to the service (issue 14). Fixtures are built by hand."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from casework.errors import Forbidden, Invalid
from casework.extensions import db
from casework.models.membership import MembershipReport, UnitEvent
from casework.replica import dashboard_session
from casework.schemas.base import dump
from casework.schemas.pipeline import Targets
from casework.services.founded_units import dissolve_union, transfer_union
from casework.services.membership import (months_of, not_reported, parse_month, report_month,
                                          revisions_of)
from casework.services.membership_figures import membership_table
from casework.services.targets import target_progress
from tests.helpers import Api, error_of, new_user
from tests.membership_support import report, union, unit
from tests.test_pipeline import commune_unit

YEAR = 2025


def row(table, code):
    return next(r for r in table.rows if r.unit_code == code)


def test_a_month_opens_with_the_previous_closing_and_must_add_up(app):
    made = union(founders=100)
    organiser = new_user("organiser")
    first = report(made, "2025-01", vietnamese=10, foreign=2, left=1, actor=organiser).report
    assert (first.opening, first.closing, first.revision) == (100, 111, 1)
    with pytest.raises(Invalid) as refused:
        report_month(organiser, made, parse_month("2025-02"), admitted_vietnamese=5,
                     admitted_foreign=0, left=0, closing=120)
    assert refused.value.field == "closing" and "111" in refused.value.message
    with pytest.raises(Invalid) as wrong_opening:
        report_month(organiser, made, parse_month("2025-02"), admitted_vietnamese=5,
                     admitted_foreign=0, left=0, closing=116, opening=100)
    assert wrong_opening.value.field == "opening"
    assert made.members_now == 111 and made.last_month == date(2025, 1, 1)


def test_a_correction_is_a_new_revision_and_audited(app):
    made = union(founders=100)
    organiser = new_user("organiser")
    report(made, "2025-01", vietnamese=10, actor=organiser)
    corrected = report(made, "2025-01", vietnamese=12, actor=organiser)
    assert corrected.corrected and corrected.report.revision == 2
    revisions = revisions_of(made, date(2025, 1, 1))
    assert [(r.revision, r.current, r.closing) for r in revisions] == [(2, True, 112),
                                                                        (1, False, 110)]
    assert made.members_now == 112
    again = report(made, "2025-01", vietnamese=12, actor=organiser)
    assert again.unchanged and len(revisions_of(made, date(2025, 1, 1))) == 2
    actions = db.session.scalars(sa.select(UnitEvent.action).where(
        UnitEvent.unit_id == made.unit_id).order_by(UnitEvent.id)).all()
    assert actions == ["membership_reported", "membership_corrected"]


def test_who_reports(app):
    made = union()
    with pytest.raises(Forbidden):
        report(made, "2025-01", actor=new_user("leader"))
    with pytest.raises(Forbidden):
        report(made, "2025-01", actor=new_user("organiser", "LDLD-01"))
    own = new_user("leader", made.unit.code)  # the union's own user
    assert report(made, "2025-01", vietnamese=1, actor=own).report.closing == 101


def test_months_out_of_the_union_life_are_refused(app):
    made = union(founded_on=date(2025, 3, 5))
    with pytest.raises(Invalid):
        report(made, "2025-02")
    with pytest.raises(Invalid):
        report(made, "2100-01")


def build_roll_up():
    """LDLD-79: a union of 100 it manages itself and one of 50 in its commune union; LDLD-01:
    a union of 30 that never reports."""
    commune_unit()
    a = union("LDLD-79", founders=100)
    b = union("CD-XA-79-1", founders=50)
    c = union("LDLD-01", founders=30)
    report(a, "2025-01", vietnamese=20, foreign=5, left=3)      # 122
    report(a, "2025-02", vietnamese=10, left=2)                 # 130
    report(b, "2025-01", vietnamese=4, left=1)                  # 53
    return a, b, c


def test_progress_rolls_members_up_the_tree(app):
    build_roll_up()
    leader = new_user("leader", "VGCL")
    table = target_progress(leader, YEAR, today=date(YEAR, 7, 1))
    hcm, hanoi, national = (row(table, c) for c in ("LDLD-79", "LDLD-01", "VGCL"))
    commune = row(target_progress(leader, YEAR, unit="LDLD-79", today=date(YEAR, 7, 1)),
                  "CD-XA-79-1")
    assert (hcm.admitted_members, hcm.left_members, hcm.members_now) == (39, 6, 130 + 53)
    assert (commune.admitted_members, commune.left_members, commune.members_now) == (4, 1, 53)
    assert (hanoi.admitted_members, hanoi.members_now, hanoi.members_unreported) == (0, 30, 30)
    assert national.members_now == 130 + 53 + 30 and national.members_unreported == 30
    assert national.net_members == 39 - 6
    api_row = next(r for r in dump(Targets, table)["rows"] if r["unit"] == "LDLD-79")
    assert (api_row["admitted_members"], api_row["left_members"], api_row["net_members"],
            api_row["members_now"], api_row["founded_members"]) == (39, 6, 33, 183, 0)


def test_a_transfer_leaves_earlier_months_where_they_were(app):
    a, b, c = build_roll_up()
    supervisor = new_user("supervisor", "VGCL")
    transfer_union(supervisor, b, "LDLD-01", date(2025, 2, 10))
    report(b, "2025-02", vietnamese=7)                          # 60, now under LDLD-01
    db.session.commit()
    table = target_progress(new_user("leader", "VGCL"), YEAR, today=date(YEAR, 7, 1))
    hcm, hanoi = row(table, "LDLD-79"), row(table, "LDLD-01")
    assert hcm.admitted_members == 35 + 4 and hcm.members_now == 130   # January stays here
    assert hanoi.admitted_members == 7 and hanoi.members_now == 30 + 60
    january = db.session.scalar(sa.select(MembershipReport).where(
        MembershipReport.unit_id == b.unit_id, MembershipReport.month == date(2025, 1, 1)))
    assert january.managing_unit_id == unit("CD-XA-79-1").id


def test_dissolution_counts_its_members_as_left(app):
    a, b, c = build_roll_up()
    dissolve_union(new_user("supervisor"), b, date(2025, 3, 31), "Doanh nghiệp giải thể")
    db.session.commit()
    commune = row(target_progress(new_user("leader", "VGCL"), YEAR, unit="LDLD-79",
                                  today=date(YEAR, 7, 1)), "CD-XA-79-1")
    assert commune.left_members == 1 + 53 and commune.members_now == 0
    with pytest.raises(Invalid):
        report(b, "2025-04")
    assert [u.code for u in not_reported(unit("CD-XA-79-1"), date(2025, 4, 1))] == []


def test_units_not_reported_for_a_month(app):
    a, b, c = build_roll_up()
    assert [u.code for u in not_reported(unit("LDLD-79"), date(2025, 2, 1))] == []
    assert [u.code for u in not_reported(unit("CD-XA-79-1"), date(2025, 2, 1))] == [b.unit.code]
    assert [u.code for u in not_reported(unit("LDLD-01"), date(2025, 1, 1))] == [c.unit.code]


def test_the_table_by_province_and_by_unit(app):
    build_roll_up()
    leader = new_user("leader", "VGCL")
    by_province = {r.key: r.members for r in
                   membership_table(dashboard_session(), leader.unit, YEAR, "province")}
    assert by_province["79"].admitted == 39 and by_province["79"].members_now == 183
    assert by_province["01"].members_now == 30
    by_unit = {r.key: r.members for r in
               membership_table(dashboard_session(), leader.unit, YEAR, "unit")}
    assert by_unit["VGCL"].members_now == 213 and by_unit["LDLD-79"].left == 6


def test_the_api(app, client):
    a, b, c = build_roll_up()
    organiser = new_user("organiser")
    api = Api(client, organiser)
    got = api.get(f"/units/{a.unit.code}/membership", year=YEAR)
    assert got.status_code == 200
    assert got.get_json() == {"unit": a.unit.code, "months": [
        {"month": "2025-01", "opening": 100, "admitted_vietnamese": 20, "admitted_foreign": 5,
         "left": 3, "closing": 122, "revision": 1},
        {"month": "2025-02", "opening": 122, "admitted_vietnamese": 10, "admitted_foreign": 0,
         "left": 2, "closing": 130, "revision": 1}]}
    put = client.put(f"/api/v1/units/{a.unit.code}/membership/2025-02", headers=api.headers,
                     json={"admitted_vietnamese": 11, "admitted_foreign": 0, "left": 2,
                           "closing": 131})
    assert put.status_code == 200 and put.get_json()["months"][1]["revision"] == 2
    bad = client.put(f"/api/v1/units/{a.unit.code}/membership/2025-03", headers=api.headers,
                     json={"admitted_vietnamese": 1, "left": 0, "closing": 1})
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid"
    assert error_of(bad)["field"] == "closing"
    leader = Api(client, new_user("leader"))
    assert leader.get(f"/units/{a.unit.code}/membership").status_code == 200
    refused = client.put(f"/api/v1/units/{a.unit.code}/membership/2025-03",
                         headers=leader.headers,
                         json={"admitted_vietnamese": 0, "left": 0, "closing": 131})
    assert refused.status_code == 403
    outside = Api(client, new_user("organiser", "LDLD-01"))
    assert outside.get(f"/units/{a.unit.code}/membership").status_code == 404
    table = Api(client, new_user("leader", "VGCL")).get("/membership", by="province", year=YEAR)
    assert {r["key"]: r["members_now"] for r in table.get_json()["rows"]} == {"79": 184,
                                                                            "01": 30}
    targets = Api(client, new_user("leader", "VGCL")).get("/targets", year=YEAR).get_json()
    hcm = next(r for r in targets["rows"] if r["unit"] == "LDLD-79")
    assert (hcm["admitted_members"], hcm["members_now"]) == (40, 184)


def test_the_overdue_digest_names_the_unions_not_reported(app):
    from casework import clock
    from casework.models import Notification
    from casework.services.membership import last_closed_month
    from casework.tasks import send_overdue_digest
    commune_unit()
    due = last_closed_month()
    late = union("CD-XA-79-1", founders=40, founded_on=date(due.year - 1, 1, 1),
                 name="Công đoàn cơ sở Chậm")
    on_time = union("CD-XA-79-1", founders=40, founded_on=date(due.year - 1, 1, 1))
    report_month(None, on_time, due, admitted_vietnamese=0, admitted_foreign=0, left=0,
                 closing=40)
    supervisor, elsewhere = new_user("supervisor"), new_user("supervisor", "LDLD-01")
    db.session.commit()
    assert send_overdue_digest() == 1
    digest = db.session.scalar(sa.select(Notification).where(Notification.user_id
                                                             == supervisor.id))
    assert late.unit.code in digest.body and on_time.unit.code not in digest.body
    assert "Chậm" not in digest.subject and clock.today().isoformat() in digest.subject
    assert db.session.scalar(sa.select(Notification).where(
        Notification.user_id == elsewhere.id)) is None


def test_the_national_generator_adds_unions_with_three_years_of_reports(app):
    from casework.models.membership import GrassrootsUnion
    from casework.services.membership import last_closed_month
    from casework.seed.membership import MONTHS, seed_membership
    made = seed_membership(scale_factor=0.0002)
    assert made == {"unions": 6, "reports": 6 * MONTHS}
    db.session.expire_all()
    unions = db.session.scalars(sa.select(GrassrootsUnion)).all()
    assert {u.last_month for u in unions} == {last_closed_month()}
    for made_union in unions:
        months = db.session.scalars(sa.select(MembershipReport).where(
            MembershipReport.unit_id == made_union.unit_id).order_by(MembershipReport.month)).all()
        assert all(b.opening == a.closing for a, b in zip(months, months[1:]))
        assert months[-1].closing == made_union.members_now
    national = row(target_progress(new_user("leader", "VGCL"), last_closed_month().year),
                   "VGCL")
    assert national.members_now == sum(u.members_now for u in unions)


def test_a_union_row_shows_its_own_figures(app):
    a, b, c = build_roll_up()
    table = target_progress(new_user("leader", "VGCL"), YEAR, unit="LDLD-79",
                            today=date(YEAR, 7, 1))
    own = row(table, a.unit.code)
    assert (own.admitted_members, own.left_members, own.members_now) == (35, 5, 130)


def test_the_tallies_equal_a_recount(app):
    from casework.models.membership import MembershipTally
    from casework.services.membership_tallies import rebuild
    a, b, c = build_roll_up()
    report(a, "2025-02", vietnamese=12, left=2)               # a correction
    transfer_union(new_user("supervisor", "VGCL"), b, "LDLD-01", date(2025, 1, 13))
    db.session.commit()

    def tallies():
        return sorted((t.managing_unit_id, t.province_id, t.month, t.reports,
                       t.admitted_vietnamese, t.admitted_foreign, t.left, t.closing)
                      for t in db.session.scalars(sa.select(MembershipTally))
                      if t.reports)
    kept = tallies()
    rebuild()
    db.session.commit()
    db.session.expire_all()
    assert kept == tallies()


def test_the_union_tallies_equal_a_recount(app):
    from casework.models.membership import UnionTally
    from casework.services.membership_tallies import rebuild_unions
    a, b, c = build_roll_up()
    supervisor = new_user("supervisor", "VGCL")
    transfer_union(supervisor, b, "LDLD-01", date(2025, 2, 13))
    dissolve_union(supervisor, c, date(2025, 3, 1), "Giải thể")
    report(a, "2025-03", vietnamese=4)
    db.session.commit()

    def tallies():
        return sorted((t.managing_unit_id, t.province_id, t.unions, t.members_reported,
                       t.members_unreported) for t in db.session.scalars(sa.select(UnionTally))
                      if t.unions or t.members_reported or t.members_unreported)
    kept = tallies()
    rebuild_unions()
    db.session.commit()
    db.session.expire_all()
    assert kept == tallies()
