"""A grassroots union founded end to end, in Vietnamese, in a real browser.

An organiser on a phone-sized screen logs a case from outreach to the dossier and requests
recognition; a supervisor, in a browser of their own, approves it from the approvals inbox; the
case then shows the recognised state. Every page is checked for console errors (a CSP violation
is one) and failed responses.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from casework import clock

from tests.e2e.conftest import NO_PLAYWRIGHT, ORGANISER, SUPERVISOR, log_in

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect
if TYPE_CHECKING:
    from playwright.sync_api import Page

RECOGNISED_VI = "Đã có quyết định công nhận"
TAX_CODE = "0100109106"   # a valid MST (check digit)
TODAY = clock.today().isoformat()


def case_state(page: Page):
    return page.locator("main h1 + .badge")


def fire(page: Page, trigger: str, fields: dict | None = None, *, shot=None) -> None:
    """Open the trigger's form from the case page (its button), fill it, submit it."""
    page.click(f'a[href$="/transitions/{trigger}"]')
    expect(page).to_have_url(re.compile(rf"/transitions/{trigger}$"))
    for selector, value in (fields or {}).items():
        page.fill(selector, value)
    if shot:
        shot(page)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".alert-danger")).to_have_count(0)


def log_step(page: Page, kind: str, note: str, vietnamese: int = 0, foreign: int = 0) -> None:
    form = page.locator("form[action$='/steps']")
    if not form.is_visible():
        page.click("#steps details > summary")
    form.locator("#kind").select_option(kind)
    form.locator("#date").fill(TODAY)
    form.locator("#note").fill(note)
    form.locator("#applications_vietnamese").fill(str(vietnamese))
    form.locator("#applications_foreign").fill(str(foreign))
    form.locator("#submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+#steps$"))
    expect(page.locator("#steps tbody tr").filter(has_text=note)).to_have_count(1)


@pytest.mark.e2e
def test_a_case_goes_from_outreach_to_recognition_in_vietnamese(open_browser, problems, shots):
    # --- the organiser, on a phone ---------------------------------------------------------
    phone = open_browser("organiser", phone=True)
    phone.goto("/login")
    shots(phone, "01-login-phone")
    log_in(phone, ORGANISER[0])
    shots(phone, "02-cases-phone")

    # the menu is collapsed on a phone: open it, then "New case"
    phone.click(".navbar-toggler")
    phone.click('#mainnav a[href$="/cases/new"]')
    expect(phone).to_have_url(re.compile(r"/cases/new$"))
    phone.select_option("#kind", "grassroots")
    phone.fill("#target_members", "40")
    phone.fill("#enterprises-0-name", "Công ty TNHH May mặc Sài Gòn Xanh")
    phone.fill("#enterprises-0-tax_code", TAX_CODE)
    phone.select_option("#enterprises-0-province", "79")
    phone.fill("#enterprises-0-workforce", "320")
    phone.select_option("#enterprises-0-ownership", "private")
    phone.select_option("#enterprises-0-sector", "textile_garment")
    shots(phone, "03-new-case-phone")
    phone.click("form #submit")
    expect(phone).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = phone.url
    expect(case_state(phone)).to_have_text("Đã xác định")
    shots(phone, "04-case-created-phone")

    fire(phone, "start_outreach")
    expect(case_state(phone)).to_have_text("Tuyên truyền, tiếp cận")
    log_step(phone, "contact_employer", "Gặp giám đốc nhân sự, giới thiệu Luật Công đoàn 2024")
    log_step(phone, "worker_meeting", "Họp với 25 công nhân tổ may số 3")

    fire(phone, "form_committee", {"#committee_head": "Lê Thị Hoa"})
    expect(case_state(phone)).to_have_text("Vận động thành lập")
    log_step(phone, "applications_collected", "Thu đơn xin gia nhập công đoàn", vietnamese=7,
             foreign=1)
    shots(phone, "05-steps-logged-phone")

    fire(phone, "confirm_eligibility")
    expect(case_state(phone)).to_have_text("Đủ điều kiện")
    fire(phone, "schedule_congress", {"#congress_date": TODAY})
    fire(phone, "hold_congress", {"#held_on": TODAY, "#attendance": "8",
                                  "#chair": "Lê Thị Hoa",
                                  "#committee_members": "Lê Thị Hoa\nPhạm Văn Đức\nVõ Thị Mai"},
         shot=lambda page: shots(page, "06-hold-congress-form-phone"))
    expect(case_state(phone)).to_have_text("Đã tổ chức đại hội")

    phone.click('a[href$="/transitions/submit_dossier"]')
    for box in phone.locator("input[name=documents]").all():
        box.check()
    shots(phone, "07-dossier-form-phone")
    phone.click("main form button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/cases/\d+$"))
    expect(case_state(phone)).to_have_text("Đã nộp hồ sơ đề nghị công nhận")

    # the organiser requests recognition: the decision does not exist yet
    fire(phone, "recognise")
    expect(phone.locator(".alert-info").first).to_be_visible()   # approval requested
    expect(case_state(phone)).to_have_text("Đã nộp hồ sơ đề nghị công nhận")
    shots(phone, "08-recognition-requested-phone")

    # --- the supervisor, in a browser of their own -------------------------------------------
    desk = open_browser("supervisor")
    log_in(desk, SUPERVISOR[0])
    desk.click('nav a[href$="/approvals"]')
    request = desk.locator("article").filter(has_text="Sài Gòn Xanh")
    expect(request).to_have_count(1)
    # the supervisor enters the decision when approving it
    # the register offers the unit's next number (other tests of the session may take some)
    expect(request.locator("[name$=\"-decision_number\"]")).to_have_value(
        re.compile(r"^\d+/QĐ-LĐLĐ$"))
    request.locator("[name$=\"-decision_date\"]").fill(TODAY)
    request.locator("[name$=\"-signer\"]").fill("Nguyễn Văn An")
    shots(desk, "09-approvals-inbox-desktop")
    request.locator("[name$=\"-approve\"]").click()
    expect(desk.locator(".alert-success")).to_be_visible()
    desk.goto(case_url)
    expect(case_state(desk)).to_have_text(RECOGNISED_VI)
    shots(desk, "10-case-recognised-desktop")

    # --- the organiser sees it too, and the case's workflow diagram ---------------------------
    phone.goto(case_url)
    expect(case_state(phone)).to_have_text(RECOGNISED_VI)
    phone.click("#workflow > summary")
    current = phone.locator("#workflow svg g.state.s-current")
    expect(current).to_have_count(1)
    expect(current).to_contain_text(RECOGNISED_VI)
    expect(phone.locator("#workflow svg g.edge.allowed").first).to_be_attached()
    shots(phone.locator("#workflow"), "11-case-diagram-phone")

    assert problems.items == []
