"""A worker applies through the application link on a phone, in Vietnamese, and sees only a
reference; the organiser, on a phone too, verifies five applications in the register and
confirms eligibility (the register's verified applications are what the guard counts)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from casework import clock

from .conftest import NO_PLAYWRIGHT, ORGANISER, UNIT, log_in

expect = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect

ENTERPRISE = "Công ty TNHH Giày da Bình Minh"


def prepared_case(app) -> tuple[int, str]:
    """A case in mobilising with four paper applications received and an open link."""
    from casework.extensions import db
    from casework.models import User
    from casework.schemas.applications import ApplicationInput, load
    from casework.services.application_links import open_link
    from casework.services.applications import add_application
    from casework.services.cases import create_case
    from casework.services.steps import log_step
    from casework.services.transitions import request_transition
    from casework.transaction import commit
    with app.app_context(), app.test_request_context(base_url="http://127.0.0.1"):
        organiser = db.session.scalar(sa.select(User).where(User.email == ORGANISER[0]))
        case = create_case(organiser, kind="grassroots", unit=UNIT, enterprises=[{
            "name": ENTERPRISE, "tax_code": "0312345673", "province": "79", "workforce": 200,
            "ownership": "private", "sector": "textile_garment"}], target_members=30)
        commit()
        request_transition(case, organiser, trigger="start_outreach", version=case.version)
        commit()
        log_step(case, organiser, kind="contact_employer", date_=clock.today(),
                 note="Gặp ban giám đốc")
        commit()
        request_transition(case, organiser, trigger="form_committee", version=case.version,
                           data={"committee_head": "Lê Thị Hoa"})
        commit()
        for name in ("Phạm Văn Đức", "Võ Thị Mai", "Đỗ Minh Quân", "Bùi Thị Thu"):
            add_application(case, organiser, load(ApplicationInput, {"full_name": name}))
        link = open_link(case, organiser, contact="Chị Lan, 0912 345 678")
        commit()
        return case.id, f"/apply/{link.token}"


@pytest.mark.e2e
def test_a_worker_applies_and_the_organiser_verifies_five(live_app, open_browser, problems,
                                                          shots):
    case_id, path = prepared_case(live_app.app)

    # --- the worker, on a phone, without an account --------------------------------------
    worker = open_browser("worker", phone=True)
    worker.goto(path)
    expect(worker.locator("html")).to_have_attribute("lang", "vi")
    expect(worker.locator("body")).not_to_contain_text(ENTERPRISE)
    shots(worker, "applications-01-public-form-phone")
    worker.fill("#full_name", "Trần Thị Ngọc")
    worker.fill("#phone", "0987 654 321")
    worker.check("#consent")
    worker.click("#apply-form button[type=submit]")
    reference = worker.locator(".ref")
    expect(reference).to_have_text(re.compile(r"^HS-[A-Z2-9]{8}$"))
    expect(worker.locator("body")).not_to_contain_text(ENTERPRISE)
    shots(worker, "applications-02-public-done-phone")

    # --- the organiser verifies five -------------------------------------------------------
    phone = open_browser("organiser", phone=True)
    log_in(phone, ORGANISER[0])
    phone.goto(f"/cases/{case_id}/register")
    rows = phone.locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(phone.locator("tbody")).to_contain_text("Trần Thị Ngọc")
    wide = phone.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 376)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
        .slice(0, 8)""")
    assert wide == [], wide  # nothing wider than the phone
    shots(phone, "applications-03-register-phone")
    shots(rows.first, "applications-03b-register-row-phone")
    for _ in range(5):
        row = phone.locator("tbody tr").filter(
            has=phone.locator('[data-status="received"]')).first
        row.locator("select[name$='-status']").select_option("verified")
        row.locator("button[name$='-submit']").click()
        expect(phone.locator(".alert-success")).to_be_visible()
    expect(phone.locator('[data-status="verified"]')).to_have_count(5)
    shots(phone, "applications-04-register-verified-phone")

    phone.goto(f"/cases/{case_id}")
    phone.click('a[href$="/transitions/confirm_eligibility"]')
    phone.click("main form button[type=submit]")
    expect(phone).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(phone.locator("main h1 + .badge")).to_have_text("Đủ điều kiện")
    shots(phone, "applications-05-eligible-phone")
    assert problems.items == []
