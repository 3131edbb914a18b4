"""The case page's document buttons in a real browser: a supervisor generates the recognition
decision, downloads it and finds it filed as a draft; on a 375 px phone the buttons fit and the
PDF button says why it cannot work here (no LibreOffice)."""
from __future__ import annotations

import io

import pytest

from tests.e2e.conftest import NO_PLAYWRIGHT, log_in

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect


def _recognised_case(live_app):
    from casework.extensions import db
    from tests.helpers import PASSWORD, Team, make_case, new_user, walk_to
    with live_app.app.app_context():
        team = Team(*(new_user(role, unit, password=PASSWORD) for role, unit in
                      (("organiser", "LDLD-79"), ("supervisor", "LDLD-79"),
                       ("leader", "VGCL"))))
        case = walk_to(make_case(team.organiser), "recognised", team)
        found = (case.id, case.details["decision"]["decision_number"],
                 team.organiser.email, team.supervisor.email)
        db.session.remove()
    return found


def test_a_supervisor_generates_downloads_and_files_the_decision(open_browser, live_app,
                                                                problems, shots):
    from docx import Document
    from tests.helpers import PASSWORD
    case_id, number, organiser, supervisor = _recognised_case(live_app)

    desk = open_browser("supervisor")
    log_in(desk, supervisor, PASSWORD)
    desk.goto(f"/cases/{case_id}")
    desk.locator('#documents button[value="recognition_decision"]').click()
    expect(desk.locator(".alert-success")).to_be_visible()
    link = desk.locator("#documents a", has_text="recognition_decision")
    expect(link).to_have_count(1)
    with desk.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as f:
        written = Document(io.BytesIO(f.read()))
    body = "\n".join(p.text for p in written.paragraphs) + "\n".join(
        c.text for t in written.tables for r in t.rows for c in r.cells)
    assert f"Số: {number}" in body
    shots(desk.locator("#documents"), "20-documents-desktop")

    phone = open_browser("organiser", phone=True)
    log_in(phone, organiser, PASSWORD)
    phone.goto(f"/cases/{case_id}")
    section = phone.locator("#documents")
    expect(section).to_be_visible()
    # the organiser's buttons: the dossier; the decision is the supervisor's
    expect(section.locator('button[value="cover_letter"]')).to_be_enabled()
    expect(section.locator('button[value="recognition_decision"]')).to_have_count(0)
    expect(section).to_contain_text("LibreOffice")
    section.scroll_into_view_if_needed()
    box = section.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    for button in section.locator("button").all():
        b = button.bounding_box()
        assert b["x"] + b["width"] <= 375, button.inner_text()
    shots(section, "21-documents-phone")
    assert problems.items == []
