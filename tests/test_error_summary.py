"""A failed form is summed up at the top of the page, in the reader's language, each message a
link to its field; the page opens at the summary (autofocus, no script)."""
from __future__ import annotations

import re

import pytest

from tests.helpers import PASSWORD, VALID_TAX_CODES, new_user
from tests.test_translations import compiled_catalogue  # noqa: F401  (a fixture)
from tests.test_views_approvals import _decide, _request_close
from tests.browser import browser, make_case, text  # noqa: F401

SUMMARY = re.compile(r'<div id="form-errors"[^>]*>(.*?)</div>', re.S)


@pytest.fixture
def team():
    return {"org": new_user("organiser", "LDLD-79", name="Organiser Lan", password=PASSWORD),
            "sup": new_user("supervisor", "LDLD-79", name="Supervisor Hùng", password=PASSWORD)}


def _summary(response) -> tuple[str, str]:
    """The summary's inner HTML, and the page before it (where nothing may be a form)."""
    page = text(response)
    match = SUMMARY.search(page)
    assert match, "no error summary on the page"
    assert 'autofocus' in page[match.start():match.start() + 200]
    return match.group(1), page[:match.start()]


def _vietnamese(b):
    b.client.set_cookie("lang", "vi")
    return b


def test_a_step_without_a_date_is_summed_up_at_the_top(browser, team, make_case,
                                                       compiled_catalogue):  # noqa: F811
    case = make_case(team["org"], 1)
    org = _vietnamese(browser(team["org"]))
    response = org.submit(f"/cases/{case.id}", {"kind": "contact_employer", "date": ""},
                          post_url=f"/cases/{case.id}/steps")
    assert response.status_code == 422
    summary, before = _summary(response)
    assert '<a class="alert-link" href="#date">Ngày: Trường này là bắt buộc.</a>' in summary
    assert "<form" not in before.split("<main", 1)[1]     # first thing in the content


def test_an_upload_without_a_file_is_summed_up_at_the_top(browser, team, make_case,
                                                          compiled_catalogue):  # noqa: F811
    case = make_case(team["org"], 1)
    org = _vietnamese(browser(team["org"]))
    response = org.submit(f"/cases/{case.id}", {"document": "member_list"},
                          post_url=f"/cases/{case.id}/attachments")
    assert response.status_code == 422
    summary, _before = _summary(response)
    assert 'href="#file"' in summary and "Choose a file" not in summary


def test_a_rejection_without_a_comment_links_to_the_comment(browser, team, make_case):
    approval = _request_close(make_case(team["org"], 1), team["org"])
    response = _decide(browser(team["sup"]), approval.id, comment="", reject="Reject")
    assert response.status_code == 422
    summary, _before = _summary(response)
    assert (f'<a class="alert-link" href="#a{approval.id}-comment">Comment: '
            "A comment is required to reject.</a>") in summary


def test_an_enterprise_row_refused_shows_messages_not_a_dict(browser, team,
                                                             compiled_catalogue):  # noqa: F811
    org = _vietnamese(browser(team["org"]))
    response = org.submit("/cases/new", {
        "kind": "grassroots", "unit": "LDLD-79", "target_members": "60", "submit": "1",
        "enterprises-0-name": "Công ty May A", "enterprises-0-tax_code": VALID_TAX_CODES[0],
        "enterprises-0-province": "79", "enterprises-0-workforce": "-5",
        "enterprises-0-ownership": "private", "enterprises-0-sector": ""})
    assert response.status_code == 422
    page = text(response)
    assert "{'workforce'" not in page and "Number must be" not in page
    summary, _before = _summary(response)
    assert ('href="#enterprises-0-workforce">Doanh nghiệp 1 — Số lao động: '
            "Số phải lớn hơn hoặc bằng 0.</a>") in summary


def test_a_page_without_a_failed_form_has_no_summary(browser, team, make_case):
    case = make_case(team["org"], 1)
    assert 'id="form-errors"' not in text(browser(team["org"]).get(f"/cases/{case.id}"))
