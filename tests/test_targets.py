"""Targets: who sets them, the national seed, progress with roll-up and scope, forecast,
on-track, the API and the pages."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from casework.schemas.base import dump
from casework.schemas.pipeline import Targets
from casework.extensions import db
from casework.models import Target
from casework.errors import Forbidden, Invalid
from casework.services.settings import set_setting
from casework.services.targets import (elapsed_share, seed_national_targets, set_target,
                                       target_progress)
from tests.helpers import bearer, new_user
from tests.test_pipeline import YEAR, add_case, commune_unit, login

MID_YEAR = date(YEAR, 7, 2)     # 182/365 (or 183/366) of the year gone


def progress_row(table, code):
    return next(r for r in table.rows if r.unit_code == code)


def build_targets():
    """LDLD-79 aims at 100 new members and 4 unions; its commune union at 40 members."""
    admin = new_user("admin", "VGCL")
    commune_unit()
    set_target(admin, unit="LDLD-79", year=YEAR, new_members=100, new_unions=4)
    set_target(admin, unit="CD-XA-79-1", year=YEAR, new_members=40, baseline_members=1000)
    set_target(admin, unit="VGCL", year=YEAR, new_members=1_000_000)
    db.session.commit()
    # founded this year: 20 in the commune, 30 managed by LDLD-79 itself, 15 in Hà Nội
    add_case("CD-XA-79-1", "79", "founded", founded_members=20, founded_on=date(YEAR, 2, 1))
    add_case("LDLD-79", "79", "founded", founded_members=30, founded_on=date(YEAR, 3, 1))
    add_case("LDLD-01", "01", "founded", founded_members=15, founded_on=date(YEAR, 3, 1))
    # founded last year: not counted this year
    add_case("LDLD-79", "79", "founded", founded_members=99, founded_on=date(YEAR - 1, 12, 31))
    # open: 40 target members at dossier_submitted (0.85), 10 at identified (0.05)
    add_case("CD-XA-79-1", "79", "dossier_submitted", target=40)
    add_case("LDLD-79", "79", "identified", target=10)
    add_case("LDLD-79", "79", "closed", target=500)            # closed: no forecast
    return admin


def test_progress_rolls_up_the_subtree():
    build_targets()
    leader = new_user("leader", "VGCL")
    table = target_progress(leader, YEAR, today=MID_YEAR)
    codes = [r.unit_code for r in table.rows]
    assert codes[0] == "VGCL"
    assert codes.index("LDLD-79") < codes.index("CD-XA-79-1")   # a child under its parent

    national = progress_row(table, "VGCL")
    assert (national.founded_members, national.founded_unions) == (65, 3)

    hcm = progress_row(table, "LDLD-79")
    assert (hcm.founded_members, hcm.founded_unions, hcm.open_cases) == (50, 2, 2)
    assert hcm.members_share == pytest.approx(0.5)
    assert hcm.unions_share == pytest.approx(0.5)
    assert hcm.forecast_members == round(50 + 40 * 0.85 + 10 * 0.05)   # 84
    assert hcm.forecast_unions == round(2 + 0.85 + 0.05)                 # 3
    assert hcm.on_track is True        # 50% done with 182 of 365 days (or 183 of 366) gone
    commune = progress_row(table, "CD-XA-79-1")
    assert (commune.founded_members, commune.founded_unions) == (20, 1)
    assert commune.members_share == pytest.approx(0.5)
    assert commune.members_now == 1020
    assert progress_row(table, "LDLD-01").target is None
    assert progress_row(table, "LDLD-01").on_track is None


def test_on_track_against_the_share_of_the_year_elapsed():
    build_targets()
    leader = new_user("leader", "VGCL")
    early = progress_row(target_progress(leader, YEAR, today=date(YEAR, 3, 1)), "LDLD-79")
    late = progress_row(target_progress(leader, YEAR, today=date(YEAR, 11, 30)), "LDLD-79")
    assert early.on_track is True and late.on_track is False
    assert elapsed_share(YEAR - 1, today=MID_YEAR) == 1.0
    assert elapsed_share(YEAR + 1, today=MID_YEAR) == 0.0
    assert elapsed_share(YEAR, today=date(YEAR, 1, 1)) == 0.0
    # a past year: the forecast is what was founded
    past = progress_row(target_progress(leader, YEAR, today=date(YEAR + 1, 2, 1)), "LDLD-79")
    assert past.forecast_members == 50 and past.on_track is False


def test_forecast_follows_the_probability_setting():
    build_targets()
    set_setting("pipeline_probabilities", {"dossier_submitted": 1.0})
    db.session.commit()
    hcm = progress_row(target_progress(new_user("leader", "VGCL"), YEAR, today=MID_YEAR),
                       "LDLD-79")
    assert hcm.forecast_members == 90 and hcm.forecast_unions == 3


def test_scope_a_provincial_leader_sees_only_their_subtree():
    build_targets()
    hcm_leader = new_user("leader", "LDLD-79")
    table = target_progress(hcm_leader, YEAR, today=MID_YEAR)
    assert [r.unit_code for r in table.rows] == ["LDLD-79", "CD-XA-79-1"]
    # asking for the VGCL from inside LDLD-79 falls back to the user's own unit
    assert target_progress(hcm_leader, YEAR, unit="VGCL").root.code == "LDLD-79"
    commune_organiser = new_user("organiser", "CD-XA-79-1")
    only = target_progress(commune_organiser, YEAR, today=MID_YEAR)
    assert [r.unit_code for r in only.rows] == ["CD-XA-79-1"]
    assert only.rows[0].founded_members == 20


def test_per_province_rows_for_the_chart():
    build_targets()
    table = target_progress(new_user("leader", "VGCL"), YEAR, units="provinces")
    assert len(table.rows) == 34
    assert all(r.unit_type == "provincial_federation" for r in table.rows)
    assert progress_row(table, "LDLD-79").founded_members == 50


def test_only_admin_and_vgcl_leaders_set_targets():
    admin = new_user("admin", "VGCL")
    vgcl_leader = new_user("leader", "VGCL")
    set_target(vgcl_leader, unit="LDLD-79", year=YEAR, new_members=10)
    set_target(admin, unit="LDLD-79", year=YEAR, new_members=12, new_unions=1)   # replaces
    db.session.commit()
    rows = db.session.scalars(sa.select(Target)).all()
    assert len(rows) == 1 and (rows[0].new_members, rows[0].new_unions) == (12, 1)
    for role, unit in (("leader", "LDLD-79"), ("supervisor", "VGCL"), ("organiser", "VGCL")):
        with pytest.raises(Forbidden) as refused:
            set_target(new_user(role, unit), unit="LDLD-79", year=YEAR, new_members=1)
        assert "administrator or a leader of the VGCL" in refused.value.message
    with pytest.raises(Invalid) as bad:
        set_target(admin, unit="LDLD-79", year=YEAR, new_members=-1)
    assert bad.value.field == "new_members"
    with pytest.raises(Invalid):
        set_target(admin, unit="NOPE", year=YEAR, new_members=1)
    with pytest.raises(Invalid):
        set_target(admin, unit="LDLD-79", year=1999, new_members=1)
    with pytest.raises(Invalid):
        set_target(admin, unit="LDLD-79", year=YEAR)           # no figure at all


def test_seed_national_targets_is_idempotent(runner):
    assert seed_national_targets() == 3
    db.session.commit()
    assert seed_national_targets() == 0
    result = runner.invoke(args=["seed", "targets"])
    assert result.exit_code == 0 and "Added 0" in result.output
    by_year = {t.year: t for t in db.session.scalars(sa.select(Target))}
    assert by_year[2024].new_members == 1_000_000 and by_year[2026].new_members == 1_000_000
    assert by_year[2028].total_members == 15_000_000
    assert {t.unit.code for t in by_year.values()} == {"VGCL"}


def test_seed_targets_command_on_an_empty_table(runner):
    result = runner.invoke(args=["seed", "targets"])
    assert result.exit_code == 0 and "Added 3" in result.output


def test_api_returns_the_same_numbers(client):
    build_targets()
    leader = new_user("leader", "VGCL")
    body = client.get(f"/api/v1/targets?year={YEAR}", headers=bearer(leader)).get_json()
    assert body == dump(Targets, target_progress(leader, YEAR))
    hcm = next(r for r in body["rows"] if r["unit"] == "LDLD-79")
    assert hcm["founded_members"] == 50 and hcm["target"]["new_members"] == 100
    assert hcm["members_share"] == 0.5
    assert client.get("/api/v1/targets?year=abc", headers=bearer(leader)).status_code == 422


def test_page_shows_the_numbers_and_edit_links_only_to_editors(client):
    build_targets()
    leader = new_user("leader", "VGCL")
    login(client, leader)
    html = client.get(f"/leadership/targets?year={YEAR}").get_data(as_text=True)
    assert "LDLD-79" in html and "50%" in html and "<svg" in html
    assert "/leadership/targets/edit" in html
    login(client, new_user("leader", "LDLD-79"))
    html = client.get(f"/leadership/targets?year={YEAR}").get_data(as_text=True)
    assert "/leadership/targets/edit" not in html and "LDLD-01" not in html


def test_edit_form_refuses_others_with_a_reason(client):
    login(client, new_user("leader", "LDLD-79"))
    response = client.get("/leadership/targets/edit")
    assert response.status_code == 403
    assert "administrator or a leader of the VGCL" in response.get_data(as_text=True)
    token = _csrf(client.get("/leadership/targets").get_data(as_text=True))  # the logout form's
    refused = client.post("/leadership/targets/edit", data={
        "csrf_token": token, "unit": "LDLD-79", "year": str(YEAR), "new_members": "1"})
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Target.id))) == 0


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) \
        or re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1)


def test_edit_form_saves_and_keeps_bad_input(client):
    admin = new_user("admin", "VGCL")
    login(client, admin)
    page = client.get(f"/leadership/targets/edit?unit=LDLD-48&year={YEAR}")
    assert page.status_code == 200
    token = _csrf(page.get_data(as_text=True))
    bad = client.post("/leadership/targets/edit", data={
        "csrf_token": token, "unit": "LDLD-48", "year": str(YEAR), "new_members": "-5",
        "new_unions": "3"})
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert "invalid-feedback" in html and 'value="3"' in html
    ok = client.post("/leadership/targets/edit", data={
        "csrf_token": token, "unit": "LDLD-48", "year": str(YEAR), "new_members": "5000",
        "new_unions": "12", "note": "Kế hoạch năm"})
    assert ok.status_code == 302
    target = db.session.scalar(sa.select(Target))
    assert (target.unit.code, target.year, target.new_members, target.new_unions,
            target.note) == ("LDLD-48", YEAR, 5000, 12, "Kế hoạch năm")
    # opening the form again shows what is stored
    again = client.get(f"/leadership/targets/edit?unit=LDLD-48&year={YEAR}")
    assert 'value="5000"' in again.get_data(as_text=True)
