"""The case pages: list, new case, detail, triggers, steps, reassignment, edits."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import ApprovalRequest, Case, Step
from casework.services.steps import log_step
from casework.services.transitions import request_transition
from casework.transaction import commit
from casework import clock
from tests.helpers import PASSWORD, VALID_TAX_CODES, count_rows, new_user
from tests.browser import browser, make_case, tax_code, text  # noqa: F401


def advance(case, actor, *triggers, data=None):
    for trigger in triggers:
        request_transition(case, actor, trigger=trigger, version=case.version,
                           data=(data or {}).get(trigger, {}))
        commit()
    return case


@pytest.fixture
def team():
    return {"org": new_user("organiser", "LDLD-79", name="Organiser Lan", password=PASSWORD),
            "sup": new_user("supervisor", "LDLD-79", name="Supervisor Hùng", password=PASSWORD),
            "leader": new_user("leader", "LDLD-79", name="Leader Mai", password=PASSWORD),
            "other": new_user("organiser", "LDLD-01", name="Organiser Hà Nội", password=PASSWORD)}


# --- the list ---------------------------------------------------------------------------------

def test_root_is_the_case_list(browser, team, make_case):
    case = make_case(team["org"], 1, name="Công ty May Sài Gòn")
    page = text(browser(team["org"]).get("/"))
    assert case.ref in page
    assert "Công ty May Sài Gòn" in page
    assert "Target identified" in page or "Đã xác định" in page or "identified" not in page


def test_list_filters_and_scope(browser, team, make_case):
    a = make_case(team["org"], 1, name="Công ty Điện tử Bình Minh")
    b = make_case(team["org"], 2, name="Công ty Giày da Phú Mỹ", kind="small_units")
    theirs = make_case(team["other"], 3, unit="LDLD-01", province="01", name="Công ty Hà Nội")
    advance(a, team["org"], "start_outreach")
    client = browser(team["org"])
    page = text(client.get("/cases"))
    assert a.ref in page and b.ref in page
    assert theirs.ref not in page and "Công ty Hà Nội" not in page

    page = text(client.get("/cases?state=outreach"))
    assert a.ref in page and b.ref not in page
    page = text(client.get("/cases?kind=small_units"))
    assert b.ref in page and a.ref not in page
    page = text(client.get("/cases?province=01"))
    assert a.ref not in page and "No case matches these filters." in page
    page = text(client.get("/cases?unit=LDLD-79&organiser=me"))
    assert a.ref in page and b.ref in page
    page = text(client.get(f"/cases?organiser={team['sup'].email}"))
    assert a.ref not in page


def test_organiser_filter_is_a_menu_while_short_and_an_email_field_beyond(browser, team,
                                                                         make_case, monkeypatch):
    from casework.views import cases as case_views
    mine = make_case(team["org"], 1, name="Công ty Bình Minh")
    client = browser(team["sup"])
    page = text(client.get("/cases"))
    assert '<select class="form-select form-select-sm" id="organiser"' in page
    assert f'<option value="{team["org"].email}"' in page

    monkeypatch.setattr(case_views, "ORGANISER_MENU_MAX", 1)   # the two workers of LDLD-79
    page = text(client.get("/cases", query_string={"organiser": team["org"].email}))
    assert '<select class="form-select form-select-sm" id="organiser"' not in page
    assert f'id="organiser" name="organiser" value="{team["org"].email}"' in page
    assert mine.ref in page
    page = text(client.get("/cases", query_string={"organiser": team["sup"].email}))
    assert mine.ref not in page


def test_a_search_counts_up_to_a_limit_and_says_more_than(browser, team, make_case,
                                                          monkeypatch):
    from casework.views import cases as case_views
    monkeypatch.setattr(case_views, "SEARCH_COUNT_MAX", 2)
    found = [make_case(team["org"], i, name=f"Công ty Sao Mai {i}") for i in range(1, 5)]
    make_case(team["org"], 9, name="Công ty Bình Minh")
    client = browser(team["org"])
    page = text(client.get("/cases", query_string={"q": "sao mai"}))
    assert "more than 2 found" in page
    assert all(case.ref in page for case in found)
    page = text(client.get("/cases", query_string={"q": "binh minh"}))
    assert "1 found" in page and "more than" not in page
    page = text(client.get("/cases"))                 # no search: the exact count
    assert "5 found" in page


def test_search_ignores_diacritics(browser, team, make_case):
    hit = make_case(team["org"], 1, name="Công ty Thanh Hóa Xanh")
    miss = make_case(team["org"], 2, name="Công ty Nghệ An")
    client = browser(team["org"])
    for query in ("thanh hoa", "Thanh Hoá", "THANH HÓA"):
        page = text(client.get("/cases", query_string={"q": query}))
        assert hit.ref in page and miss.ref not in page, query
    page = text(client.get("/cases", query_string={"q": tax_code(2)}))
    assert miss.ref in page and hit.ref not in page


def test_pagination_keeps_filters(app, browser, team, make_case):
    app.config["CASES_PER_PAGE"] = 2
    try:
        refs = [make_case(team["org"], i, name=f"Công ty Dệt {i}").ref for i in range(5)]
        client = browser(team["org"])
        first = text(client.get("/cases?q=det"))
        assert "5 found" in first
        assert sum(ref in first for ref in refs) == 2
        links = set(re.findall(r'href="(/cases\?[^"]*page=3[^"]*)"', first))
        assert links and all("q=det" in link for link in links)
        third = text(client.get(sorted(links)[0]))
        assert sum(ref in third for ref in refs) == 1
    finally:
        app.config["CASES_PER_PAGE"] = 25


def test_overdue_deadline_is_flagged(browser, team, make_case):
    from datetime import timedelta
    case = make_case(team["org"], 1)
    case.deadline = clock.today() - timedelta(days=3)
    db.session.commit()
    page = text(browser(team["org"]).get("/cases"))
    assert 'class="overdue"' in page


def _count_queries(client, url) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        db.session.expire_all()
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_case_list_runs_a_fixed_number_of_queries(browser, team, make_case):
    client = browser(team["org"])
    for i in range(3):
        case = make_case(team["org"], i, kind="small_units" if i % 2 else "grassroots")
    advance(case, team["org"], "start_outreach")
    client.get("/cases")  # warm up
    few = _count_queries(client, "/cases")
    for i in range(3, 30):
        make_case(team["org"], i, kind="small_units" if i % 2 else "grassroots")
    many = _count_queries(client, "/cases")
    page = text(client.get("/cases"))
    assert page.count('class="case-ref"') == 25
    assert few == many, (few, many)


# --- a new case -------------------------------------------------------------------------------

def _enterprise_fields(i: int, code: str, name: str = "Công ty TNHH May Hưng Thịnh",
                       workforce: int = 120, province: str = "79") -> dict:
    return {f"enterprises-{i}-name": name, f"enterprises-{i}-tax_code": code,
            f"enterprises-{i}-province": province, f"enterprises-{i}-workforce": str(workforce),
            f"enterprises-{i}-ownership": "private",
            f"enterprises-{i}-sector": "textile_garment"}


def _new_case(client, kind="grassroots", enterprises=None, **extra):
    data = {"kind": kind, "unit": "LDLD-79", "organiser": "", "target_members": "60",
            "submit": "Create case", **extra}
    for fields in enterprises or [_enterprise_fields(0, VALID_TAX_CODES[0])]:
        data.update(fields)
    return client.submit("/cases/new", data)


def test_new_case_form_offers_units_in_scope_only(browser, team):
    page = text(browser(team["org"]).get("/cases/new"))
    assert 'value="LDLD-79"' in page
    assert 'value="LDLD-01"' not in page and 'value="VGCL"' not in page
    assert "Union of small units" in page


def test_leader_cannot_create_a_case(browser, team):
    assert browser(team["leader"]).get("/cases/new").status_code == 403


def test_create_grassroots_case(browser, team):
    client = browser(team["org"])
    response = _new_case(client)
    assert response.status_code == 302, text(response)
    case = db.session.scalar(sa.select(Case))
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.kind == "grassroots" and case.organiser_id == team["org"].id
    assert case.target_members == 60
    page = text(client.get(response.headers["Location"]))
    assert case.ref in page and "created" in page


def test_create_conglomerate_pilot_for_another_organiser(browser, team):
    response = _new_case(browser(team["sup"]), kind="conglomerate_pilot",
                         organiser=team["org"].email)
    assert response.status_code == 302, text(response)
    case = db.session.scalar(sa.select(Case))
    assert case.kind == "conglomerate_pilot" and case.state == "proposed"
    assert case.organiser_id == team["org"].id


def test_small_units_add_another_enterprise_then_create(browser, team):
    client = browser(team["org"])
    first = _enterprise_fields(0, VALID_TAX_CODES[0], name="Xưởng may A", workforce=12)
    response = client.submit("/cases/new", {"kind": "small_units", "unit": "LDLD-79",
                                            "add_enterprise": "Add another enterprise",
                                            **first})
    assert response.status_code == 200
    page = text(response)
    assert 'name="enterprises-1-name"' in page
    assert 'value="Xưởng may A"' in page  # what was typed is kept
    assert re.search(r'<option selected value="small_units">', page)
    second = _enterprise_fields(1, VALID_TAX_CODES[1], name="Xưởng may B", workforce=9)
    response = _new_case(client, kind="small_units", enterprises=[first, second],
                         target_members="21")          # within the 12 + 9 workers
    assert response.status_code == 302, text(response)
    case = db.session.scalar(sa.select(Case))
    assert [e.name for e in case.enterprises] == ["Xưởng may A", "Xưởng may B"]


def test_small_units_refuses_a_big_enterprise_next_to_its_field(browser, team):
    client = browser(team["org"])
    response = _new_case(client, kind="small_units", enterprises=[
        _enterprise_fields(0, VALID_TAX_CODES[0], workforce=12),
        _enterprise_fields(1, VALID_TAX_CODES[1], workforce=40)])
    assert response.status_code == 422
    page = text(response)
    assert re.search(r'name="enterprises-1-workforce"[^>]*class="[^"]*is-invalid|'
                     r'class="[^"]*is-invalid[^"]*"[^>]*name="enterprises-1-workforce"', page)
    assert "fewer than 25 workers" in page


def test_invalid_tax_code_is_shown_next_to_the_field_with_input_kept(browser, team):
    client = browser(team["org"])
    response = _new_case(client, enterprises=[
        _enterprise_fields(0, "0100109107", name="Công ty Hòa Bình")], target_members="77")
    assert response.status_code == 422
    page = text(response)
    assert "is not a valid Vietnamese tax code" in page
    tax_input = re.search(r'<input[^>]*name="enterprises-0-tax_code"[^>]*>', page).group(0)
    assert "is-invalid" in tax_input and 'value="0100109107"' in tax_input
    assert 'value="Công ty Hòa Bình"' in page
    assert 'value="77"' in page
    assert count_rows(Case) == 0


def test_unknown_organiser_is_shown_next_to_the_field(browser, team):
    response = _new_case(browser(team["org"]), organiser="nobody@test.vn")
    assert response.status_code == 422
    field = re.search(r'<input[^>]*name="organiser"[^>]*>', text(response)).group(0)
    assert "is-invalid" in field and "nobody@test.vn" in field


def test_duplicate_active_case_is_refused(browser, team):
    client = browser(team["org"])
    assert _new_case(client).status_code == 302
    ref = db.session.scalar(sa.select(Case.ref))
    response = _new_case(client)
    assert response.status_code == 409
    assert "already has an active case" in text(response) and ref in text(response)
    assert count_rows(Case) == 1
    # outside the active case's scope, its reference is not told: whom to contact is
    response = _new_case(browser(team["other"]), unit="LDLD-01")
    assert response.status_code == 409
    page = text(response)
    assert "already has an active case" in page and "Liên đoàn Lao động Hồ Chí Minh" in page
    assert ref not in page
    assert count_rows(Case) == 1


def test_grassroots_with_two_enterprises_is_refused(browser, team):
    response = _new_case(browser(team["org"]), enterprises=[
        _enterprise_fields(0, VALID_TAX_CODES[0]), _enterprise_fields(1, VALID_TAX_CODES[1])])
    assert response.status_code == 422
    assert "exactly one enterprise" in text(response)


# --- the case page ----------------------------------------------------------------------------

def test_case_outside_scope_is_404(browser, team, make_case):
    theirs = make_case(team["other"], 1, unit="LDLD-01", province="01")
    client = browser(team["org"])
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    assert client.get("/cases/999999").status_code == 404
    assert client.get(f"/cases/{theirs.id}/transitions/start_outreach").status_code == 404


def _action_links(page: str, case_id: int) -> set[str]:
    return set(re.findall(rf'href="/cases/{case_id}/transitions/(\w+)"', page))


def test_only_allowed_actions_are_shown(browser, team, make_case):
    case = make_case(team["org"], 1)
    advance(case, team["org"], "start_outreach")
    log_step(case, team["org"], kind="contact_employer", date_=date(2025, 1, 2))
    commit()
    advance(case, team["org"], "form_committee", data={"form_committee": {"committee_head": "An"}})
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(
        applications_vietnamese=6))
    db.session.commit()
    advance(case, team["org"], "confirm_eligibility")
    org_page = text(browser(team["org"]).get(f"/cases/{case.id}"))
    assert _action_links(org_page, case.id) == {"schedule_congress", "appoint_provisional",
                                               "put_on_hold", "close"}
    assert "Request approval: Appoint provisional committee" in org_page
    assert f"/cases/{case.id}/reassign" not in org_page
    sup_page = text(browser(team["sup"]).get(f"/cases/{case.id}"))
    assert f"/cases/{case.id}/reassign" in sup_page
    leader_page = text(browser(team["leader"]).get(f"/cases/{case.id}"))
    assert _action_links(leader_page, case.id) == set()
    assert "Log a step" not in leader_page
    assert browser(team["leader"]).get(
        f"/cases/{case.id}/transitions/schedule_congress").status_code == 403


def test_return_dossier_is_for_supervisors_only(browser, team, make_case):
    case = make_case(team["org"], 1)
    case.state = "dossier_submitted"
    db.session.commit()
    org_links = _action_links(text(browser(team["org"]).get(f"/cases/{case.id}")), case.id)
    sup_links = _action_links(text(browser(team["sup"]).get(f"/cases/{case.id}")), case.id)
    assert "return_dossier" not in org_links and "return_dossier" in sup_links


def test_fire_a_trigger_through_its_form(browser, team, make_case):
    case = make_case(team["org"], 1)
    client = browser(team["org"])
    response = client.submit(f"/cases/{case.id}/transitions/start_outreach", {})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.state == "outreach"
    page = text(client.get(f"/cases/{case.id}"))
    assert "Outreach and propaganda" in page and "Start outreach" in page  # history


def test_trigger_form_fields_come_from_the_definition(browser, team, make_case):
    case = make_case(team["org"], 1)
    case.state = "congress_held"
    db.session.commit()
    page = text(browser(team["org"]).get(f"/cases/{case.id}/transitions/submit_dossier"))
    assert page.count('type="checkbox"') == 7
    assert 'name="version"' in page


def test_guard_failure_is_shown_next_to_the_field(browser, team, make_case):
    case = make_case(team["org"], 1)
    case.state = "congress_scheduled"
    db.session.commit()
    response = browser(team["org"]).submit(
        f"/cases/{case.id}/transitions/hold_congress",
        {"held_on": "2025-03-01", "attendance": "3", "chair": "Trần Văn Hùng",
         "committee_members": "An\nBình\nChi"})
    assert response.status_code == 422
    page = text(response)
    field = re.search(r'<input[^>]*name="attendance"[^>]*>', page).group(0)
    assert "is-invalid" in field and 'value="3"' in field
    assert "Attendance must be at least 5" in page
    assert "Trần Văn Hùng" in page and "Bình" in page
    db.session.refresh(case)
    assert case.state == "congress_scheduled"


def test_guard_failure_without_a_field_is_shown_at_the_top(browser, team, make_case):
    case = make_case(team["org"], 1)
    advance(case, team["org"], "start_outreach")
    me = browser(team["org"])
    # offered disabled with the reason, and its form refused with it (issue 11) ...
    assert me.get(f"/cases/{case.id}/transitions/form_committee").status_code == 403
    # ... and a form sent anyway (opened before the last outreach step was corrected away)
    # shows the guard's refusal at the top, with what was typed kept
    response = me.submit(f"/cases/{case.id}", {"committee_head": "Lê Thị Hoa",
                                               "version": str(case.version)},
                         post_url=f"/cases/{case.id}/transitions/form_committee")
    assert response.status_code == 422
    page = text(response)
    assert "Log at least one outreach step" in page
    assert 'value="Lê Thị Hoa"' in page


def test_incomplete_dossier_is_refused(browser, team, make_case):
    case = make_case(team["org"], 1)
    case.state = "congress_held"
    db.session.commit()
    response = browser(team["org"]).submit(
        f"/cases/{case.id}/transitions/submit_dossier",
        {"documents": ["cover_letter", "member_list"]})
    assert response.status_code == 422
    page = text(response)
    assert "The dossier is incomplete" in page
    assert re.search(r'<input[^>]*checked[^>]*value="cover_letter"|'
                     r'<input[^>]*value="cover_letter"[^>]*checked', page)


def test_stale_version_keeps_what_was_typed(browser, team, make_case):
    case = make_case(team["org"], 1)
    client = browser(team["org"])
    url = f"/cases/{case.id}/transitions/put_on_hold"
    token = client.token(url)
    seen = case.version
    # someone else changes the case meanwhile
    advance(case, team["sup"], "start_outreach")
    response = client.post(url, data={"csrf_token": token, "version": str(seen),
                                      "comment": "Doanh nghiệp tạm dừng"})
    assert response.status_code == 409
    page = text(response)
    assert "Someone else changed this case" in page
    assert f'href="/cases/{case.id}"' in page
    assert "Doanh nghiệp tablet" not in page and "Doanh nghiệp tạm dừng" in page
    db.session.refresh(case)
    assert case.state == "outreach"


def test_missing_comment_is_refused(browser, team, make_case):
    case = make_case(team["org"], 1)
    response = browser(team["org"]).submit(f"/cases/{case.id}/transitions/put_on_hold",
                                           {"comment": ""})
    assert response.status_code == 422
    assert "A comment (the reason) is required." in text(response)


def test_not_allowed_trigger_page_explains(browser, team, make_case):
    case = make_case(team["org"], 1)
    response = browser(team["org"]).get(f"/cases/{case.id}/transitions/announce")
    assert response.status_code == 403
    assert "is not possible while the case is in the state" in text(response)
    assert browser(team["org"]).get(f"/cases/{case.id}/transitions/nope").status_code == 404


def test_approval_trigger_files_a_request(browser, team, make_case):
    case = make_case(team["org"], 1)
    response = browser(team["org"]).submit(f"/cases/{case.id}/transitions/close",
                                           {"comment": "Chủ doanh nghiệp không hợp tác"})
    assert response.status_code == 302
    approval = db.session.scalar(sa.select(ApprovalRequest))
    assert approval.trigger == "close" and approval.status == "pending"
    db.session.refresh(case)
    assert case.state == "identified"
    page = text(browser(team["org"]).get(f"/cases/{case.id}"))
    assert "Approval requested" in page and "Waiting for approval" in page
    assert "This is your own request" in page


# --- steps, reassignment, edits ---------------------------------------------------------------

def test_log_a_step(browser, team, make_case):
    case = make_case(team["org"], 1)
    client = browser(team["org"])
    response = client.submit(f"/cases/{case.id}", {
        "kind": "applications_collected", "date": "2025-02-03", "note": "Thu đơn ca chiều",
        "applications_vietnamese": "6", "applications_foreign": "2"},
        post_url=f"/cases/{case.id}/steps")
    assert response.status_code == 302
    db.session.refresh(case)
    assert (case.applications_vietnamese, case.applications_foreign) == (6, 2)
    page = text(client.get(f"/cases/{case.id}"))
    assert "Thu đơn ca chiều" in page and "03/02/2025" in page


def test_log_a_step_refusal_keeps_input(browser, team, make_case):
    case = make_case(team["org"], 1)
    response = browser(team["org"]).submit(f"/cases/{case.id}", {
        "kind": "applications_collected", "date": "2025-02-03", "note": "Sửa số",
        "applications_vietnamese": "-4", "applications_foreign": "0"},
        post_url=f"/cases/{case.id}/steps")
    assert response.status_code == 422
    page = text(response)
    assert "below zero" in page and "Sửa số" in page
    assert count_rows(Step) == 0


def test_reassign(browser, team, make_case):
    case = make_case(team["org"], 1)
    other = new_user("organiser", "LDLD-79", name="Organiser Two", password=PASSWORD)
    client = browser(team["sup"])
    assert browser(team["org"]).get(f"/cases/{case.id}/reassign").status_code == 403
    page = text(client.get(f"/cases/{case.id}/reassign"))
    assert other.email in page and team["other"].email not in page
    response = client.submit(f"/cases/{case.id}/reassign",
                             {"organiser": other.email, "comment": "Chia lại địa bàn"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.organiser_id == other.id
    page = text(client.get(f"/cases/{case.id}"))
    assert "Reassigned" in page and "Chia lại địa bàn" in page


def test_reassign_stale_version(browser, team, make_case):
    case = make_case(team["org"], 1)
    client = browser(team["sup"])
    token = client.token(f"/cases/{case.id}/reassign")
    response = client.post(f"/cases/{case.id}/reassign", data={
        "csrf_token": token, "organiser": team["org"].email, "version": "0"})
    assert response.status_code == 409
    assert "Someone else changed this case" in text(response)


def test_edit_target_members(browser, team, make_case):
    case = make_case(team["org"], 1)                       # 120 workers
    me = browser(team["org"])
    refused = me.submit(f"/cases/{case.id}/edit", {"target_members": "150"})
    assert refused.status_code == 422 and "120" in text(refused)
    response = me.submit(f"/cases/{case.id}/edit", {"target_members": "100"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.target_members == 100


def test_user_typed_text_is_escaped(browser, team, make_case):
    case = make_case(team["org"], 1, name="<script>alert(1)</script>")
    page = browser(team["org"]).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_id_past_what_the_database_holds_is_not_found(browser, team):
    client = browser(team["org"])
    for url in ("/cases/99999999999999999999", "/visits/99999999999999999999",
                "/cases/" + "9" * 5000):
        assert client.get(url).status_code == 404, url
