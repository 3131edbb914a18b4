"""Duplicate enterprises: tax codes (a branch's parent too), names alike within the province
once Vietnamese marks and legal-form words are left out; seen before saving; merged or marked
distinct by a supervisor."""
from __future__ import annotations

import pytest

from casework.extensions import db
from casework.models import Attachment, Case, DuplicateDecision, Step
from casework.services.duplicates import find_for, name_key, pairs_in_scope, parent_tax_code
from casework.services.merge import mark_distinct, merge
from casework.errors import DomainError
from casework.transaction import commit
from tests.browser import browser, hidden_fields, text  # noqa: F401  (fixture)
from tests.helpers import (PASSWORD, VALID_TAX_CODES, enterprise, history, log, make_case,
                           make_team, new_user, tax_code)


@pytest.fixture
def team():
    return make_team()


def test_name_key_leaves_out_marks_punctuation_and_legal_forms():
    assert name_key("Công ty TNHH May Hưng Thịnh") == "may hung thinh"
    assert name_key("CÔNG TY CỔ PHẦN  May  Hưng-Thịnh") == "may hung thinh"
    assert name_key("Chi nhánh Công ty TNHH một thành viên May Hưng Thịnh") == "may hung thinh"
    assert parent_tax_code("0100109106-001") == "0100109106"
    assert parent_tax_code("0100109106") == "0100109106"


def test_found_by_tax_code_by_a_branchs_parent_and_by_name_in_the_province(team):
    code = VALID_TAX_CODES[0]
    same = make_case(team.organiser, enterprises=[enterprise("Công ty TNHH Sao Vàng", code=code)])
    alike = make_case(team.organiser, enterprises=[enterprise("Công ty Cổ phần Bình Minh Xanh")])
    elsewhere = make_case(new_user("organiser", "LDLD-01"), enterprises=[
        enterprise("Công ty TNHH Bình Minh Xanh", province="01")])
    found = find_for({"name": "Khác hẳn", "tax_code": code + "-002", "province": "79"})
    assert [(m.case.id, m.reason) for m in found] == [(same.id, "branch")]
    found = find_for({"name": "Khác hẳn", "tax_code": code, "province": "79"})
    assert [(m.case.id, m.reason) for m in found] == [(same.id, "tax_code")]
    found = find_for({"name": "CÔNG TY TNHH BINH MINH XANH", "tax_code": tax_code(),
                      "province": "79"})
    assert [(m.case.id, m.reason) for m in found] == [(alike.id, "name")]
    assert elsewhere.id not in {m.case.id for m in found}
    assert find_for({"name": "Công ty TNHH Hoàn Toàn Khác", "tax_code": tax_code(),
                     "province": "79"}) == []


def test_the_new_case_form_shows_them_before_saving_and_lets_the_person_go_on(app, browser):
    organiser = new_user("organiser", password=PASSWORD)
    make_case(organiser, enterprises=[enterprise("Công ty TNHH Sao Mai Xanh")])
    b = browser(organiser)
    form = {"kind": "grassroots", "unit": "LDLD-79", "target_members": "20",
            "enterprises-0-name": "Công ty Cổ phần Sao Mai Xanh",
            "enterprises-0-tax_code": VALID_TAX_CODES[1], "enterprises-0-province": "79",
            "enterprises-0-workforce": "100", "enterprises-0-ownership": "private",
            "enterprises-0-sector": "textile_garment"}
    page = b.submit("/cases/new", form)
    assert page.status_code == 409, text(page)[:2000]
    assert 'id="possible-duplicates"' in text(page)
    assert db.session.query(Case).count() == 1
    hidden = hidden_fields(text(page), "/cases/new")
    assert hidden.get("duplicates_seen") == "1"
    saved = b.post("/cases/new", data={**form, **hidden})
    assert saved.status_code == 302
    assert db.session.query(Case).count() == 2


def test_a_unit_the_person_may_not_use_is_refused_before_any_duplicate_is_shown(app, browser):
    """An organiser of LDLD-01 naming LDLD-79 may not create the case there: refused (403), not
    asked to confirm a duplicate of LDLD-79's cases (which would name them)."""
    make_case(new_user("organiser"), enterprises=[enterprise("Công ty TNHH Sao Mai Xanh")])
    b = browser(new_user("organiser", "LDLD-01", password=PASSWORD))
    page = b.submit("/cases/new", {
        "kind": "grassroots", "unit": "LDLD-79", "target_members": "20",
        "enterprises-0-name": "Công ty Cổ phần Sao Mai Xanh",
        "enterprises-0-tax_code": VALID_TAX_CODES[1], "enterprises-0-province": "79",
        "enterprises-0-workforce": "100", "enterprises-0-ownership": "private",
        "enterprises-0-sector": "textile_garment"})
    assert page.status_code == 403, text(page)[:2000]
    assert 'id="possible-duplicates"' not in text(page)
    assert "Sao Mai Xanh" not in text(page).replace("Công ty Cổ phần Sao Mai Xanh", "")
    assert db.session.query(Case).count() == 1


def test_a_supervisor_merges_two_cases_keeping_steps_and_history(team):
    kept = make_case(team.organiser, enterprises=[enterprise("Công ty TNHH Hòa Bình")])
    merged = make_case(team.organiser, enterprises=[enterprise("Công ty Cổ phần Hòa Bình")])
    log(merged, team.organiser, "applications_collected", vietnamese=4)
    db.session.refresh(merged)
    assert [(p.first.id, p.second.id) for p in pairs_in_scope(team.supervisor)] == [
        (kept.id, merged.id)]
    merge(team.supervisor, kept, merged, kept_version=kept.version,
          merged_version=merged.version, comment="Trùng doanh nghiệp")
    commit()
    db.session.refresh(kept)
    db.session.refresh(merged)
    assert merged.state == "closed" and merged.details["merged_into"]["ref"] == kept.ref
    assert db.session.query(Step).filter_by(case_id=kept.id).count() == 1
    assert kept.applications_vietnamese == 4
    assert history(merged, "created")               # its own history stays with it
    assert history(kept, "edited")[-1].data["merged_from"] == merged.ref
    assert pairs_in_scope(team.supervisor) == []
    assert db.session.query(DuplicateDecision).one().kept_case_id == kept.id


def test_marked_distinct_they_are_not_offered_again_and_only_a_supervisor_decides(team):
    a = make_case(team.organiser, enterprises=[enterprise("Công ty TNHH Hòa Bình")])
    b = make_case(team.organiser, enterprises=[enterprise("Công ty TNHH Hoà Bình")])
    with pytest.raises(DomainError):
        mark_distinct(team.organiser, a, b)
    db.session.rollback()
    mark_distinct(team.supervisor, a, b)
    commit()
    assert pairs_in_scope(team.supervisor) == []
    with pytest.raises(DomainError):
        merge(team.supervisor, a, b, kept_version=a.version, merged_version=b.version)
    db.session.rollback()
    assert db.session.query(Attachment).count() == 0


def test_the_duplicates_page(app, team, browser):
    from casework.services.users import set_password
    set_password(team.supervisor, PASSWORD)
    commit()
    a = make_case(team.organiser, enterprises=[enterprise("Công ty TNHH Đông Á")])
    b = make_case(team.organiser, enterprises=[enterprise("Công ty Cổ phần Đông Á")])
    br = browser(team.supervisor)
    page = text(br.get("/duplicates/"))
    assert a.ref in page and b.ref in page
    response = br.submit("/duplicates/", {"decision": "keep_first"}, post_url="/duplicates/decide")
    assert response.status_code == 302
    db.session.refresh(b)
    assert b.state == "closed"
    assert text(br.get(f"/cases/{b.id}")).count(a.ref) >= 1
    organiser = browser(new_user("organiser", password=PASSWORD))
    assert organiser.get("/duplicates/").status_code == 403


def test_the_api_says_them_before_saving(client, team):
    from tests.helpers import Api
    mine = make_case(team.organiser, enterprises=[enterprise("Công ty TNHH Phú Quý")])
    theirs = make_case(new_user("organiser", "LDLD-01"), enterprises=[
        enterprise("Công ty TNHH Phú Quý Hà Nội", province="01", code=VALID_TAX_CODES[2])])
    api = Api(client, team.organiser)
    body = api.post("/duplicates", {"enterprises": [
        {"name": "Công ty Cổ phần Phú Quý", "tax_code": tax_code(), "province": "79"},
        {"name": "X", "tax_code": VALID_TAX_CODES[2] + "-001", "province": "01"}]}).get_json()
    found = {m["ref"]: m for m in body["matches"]}
    assert found[mine.ref]["case_id"] == mine.id and found[mine.ref]["reason"] == "name"
    assert found[theirs.ref]["case_id"] is None and found[theirs.ref]["reason"] == "branch"
    assert api.post("/duplicates", {"enterprises": []}).status_code == 422
