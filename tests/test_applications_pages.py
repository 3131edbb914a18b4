"""The register page (organisers and supervisors; counts for leaders) and the public
application page (no login; it tells the employer nothing)."""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import CaseApplication, Notification
from casework.services.application_links import open_link
from casework.services.settings import set_setting
from casework.transaction import commit
from tests.helpers import history, make_case, make_team, new_user, walk_to
from tests.browser import Browser, text


def signed_in(app, user) -> Browser:
    browser = Browser(app)
    with browser.client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return browser


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def case(team):
    return make_case(team.organiser)


def link_path(case, actor, **kwargs) -> str:
    link = open_link(case, actor, **kwargs)
    commit()
    return f"/apply/{link.token}"


def count(model=CaseApplication) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- the register page -------------------------------------------------------------------------

def test_an_organiser_adds_verifies_and_the_case_counts_it(app, team, case):
    browser = signed_in(app, team.organiser)
    page = f"/cases/{case.id}/register"
    added = browser.submit(page, {"full_name": "Lê Thị Hoa", "phone": "0912 345 678",
                                  "nationality": "VN", "applied_on": clock.today().isoformat(),
                                  "channel": "paper"}, post_url=page)
    assert added.status_code == 302, text(added)
    application = db.session.scalar(sa.select(CaseApplication))
    assert application.phone == "+84912345678"
    decide = f"/cases/{case.id}/register/{application.id}"
    prefix = f"a{application.id}-"
    refused = browser.submit(page, {prefix + "status": "rejected", prefix + "reason": ""},
                             post_url=decide)
    assert refused.status_code == 422
    assert "A reason is required to reject an application" in text(refused)
    verified = browser.submit(page, {prefix + "status": "verified"}, post_url=decide)
    assert verified.status_code == 302, text(verified)
    db.session.refresh(case)
    assert case.applications_vietnamese == 1
    assert history(case, "register_viewed")  # every viewing is recorded


def test_a_bad_input_keeps_what_was_typed_and_says_why_next_to_the_field(app, team, case):
    browser = signed_in(app, team.organiser)
    page = f"/cases/{case.id}/register"
    refused = browser.submit(page, {"full_name": "Phạm Văn Đức", "phone": "12",
                                    "nationality": "VN", "channel": "paper"}, post_url=page)
    assert refused.status_code == 422
    body = text(refused)
    assert 'value="Phạm Văn Đức"' in body and 'value="12"' in body
    assert re.search(r'is-invalid[^>]*name="phone"|name="phone"[^>]*is-invalid', body)
    assert count() == 0


def test_a_leader_sees_counts_only(app, team, case):
    from casework.services.applications import add_application
    from casework.schemas.applications import ApplicationInput, load
    add_application(case, team.organiser, load(ApplicationInput, {"full_name": "Lê Thị Hoa"}))
    commit()
    page = signed_in(app, new_user("leader", "LDLD-79")).get(f"/cases/{case.id}/register")
    assert page.status_code == 200
    assert "Lê Thị Hoa" not in text(page) and 'data-count="received">1<' in text(page)
    outsider = signed_in(app, new_user("organiser", "LDLD-01"))
    assert outsider.get(f"/cases/{case.id}/register").status_code == 404
    assert outsider.get(f"/cases/{case.id}/register.xlsx").status_code == 404


def test_the_export_is_audited_and_neutralises_formulas(app, team, case):
    from openpyxl import load_workbook
    import io
    from casework.services.applications import add_application
    from casework.schemas.applications import ApplicationInput, load
    add_application(case, team.organiser, load(ApplicationInput, {"full_name": "=1+1"}))
    commit()
    response = signed_in(app, team.organiser).get(f"/cases/{case.id}/register.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "=1+1" and cell.data_type == "s"
    assert history(case, "register_exported")


# --- the public page ---------------------------------------------------------------------------

def test_a_worker_applies_and_gets_only_a_reference(app, client, team, case):
    path = link_path(case, team.organiser)
    page = client.get(path)
    assert page.status_code == 200 and len(page.data) < 50_000
    body = text(page)
    assert case.enterprises[0].name not in body and "<script" not in body
    assert case.unit.name in body
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    sent = client.post(path, data={"csrf_token": token, "full_name": "Võ Thị Sáu",
                                   "phone": "0987654321", "nationality": "VN",
                                   "consent": "yes"})
    assert sent.status_code == 200, text(sent)
    application = db.session.scalar(sa.select(CaseApplication))
    assert application.channel == "online" and application.consent_at is not None
    assert application.reference in text(sent)
    assert case.enterprises[0].name not in text(sent) and "Võ Thị Sáu" not in text(sent)
    notice = db.session.scalar(sa.select(Notification))
    assert notice.user_id == team.organiser.id and "Võ" not in notice.subject + notice.body
    # the email went out (the commit queued it), naming nobody
    db.session.refresh(notice)
    assert notice.emailed_at is not None
    emails = sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"),
                    key=lambda p: p.stat().st_mtime)
    message = email.message_from_bytes(emails[-1].read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert case.ref in message["Subject"] and "Võ" not in message["Subject"] + body
    assert "application link" in body or "đường dẫn" in body


def test_no_consent_or_a_bad_phone_writes_nothing_and_keeps_what_was_typed(client, team, case):
    path = link_path(case, team.organiser)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(path))).group(1)
    sent = client.post(path, data={"csrf_token": token, "full_name": "Võ Thị Sáu",
                                   "phone": "0000", "nationality": "VN"})
    assert sent.status_code == 422
    body = text(sent)
    assert 'value="Võ Thị Sáu"' in body and 'id="phone-error"' in body
    assert 'id="consent-error"' in body
    assert count() == 0


def test_the_honeypot_writes_nothing(client, team, case):
    path = link_path(case, team.organiser)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(path))).group(1)
    sent = client.post(path, data={"csrf_token": token, "full_name": "Robot", "consent": "yes",
                                   "website": "http://spam"})
    assert sent.status_code == 200 and "HS-" in text(sent)
    assert count() == 0


def test_closed_expired_replaced_and_unknown_tokens_answer_alike(client, team, case):
    closed = link_path(case, team.organiser)
    replaced = link_path(case, team.organiser)  # closes `closed` too
    expiring = link_path(case, team.organiser, expires_on=clock.today())
    with clock.travel_to(clock.now() + timedelta(days=1)):
        expired = client.get(expiring)
    answers = [client.get(p) for p in (closed, replaced, "/apply/" + "x" * 43, "/apply/short")]
    answers.append(expired)
    assert {a.status_code for a in answers} == {404}
    assert len({a.data for a in answers}) == 1
    posts = [client.post(p, data={}) for p in (closed, "/apply/" + "y" * 43)]
    assert len({(p.status_code, p.data) for p in posts}) == 1


def test_a_finished_case_link_answers_like_an_unknown_one(client, team, case):
    path = link_path(case, team.organiser)
    walk_to(case, "closed", team)
    assert client.get(path).data == client.get("/apply/" + "z" * 43).data


def test_the_daily_cap_per_link(client, team, case):
    set_setting("online_applications_per_link_per_day", 1)
    commit()
    path = link_path(case, team.organiser)
    for expected in (200, 429):
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          text(client.get(path))).group(1)
        sent = client.post(path, data={"csrf_token": token, "full_name": "Đặng Văn Lâm",
                                       "consent": "yes"})
        assert sent.status_code == expected
    assert count() == 1


def test_the_token_is_never_logged_and_csrf_is_checked(client, team, case, caplog):
    path = link_path(case, team.organiser)
    with caplog.at_level("INFO"):
        refused = client.post(path, data={"full_name": "Võ Thị Sáu", "consent": "yes"})
        client.get(path)
    assert refused.status_code == 400 and count() == 0
    token = path.rsplit("/", 1)[1]
    assert token not in caplog.text and "/apply/<token>" in caplog.text
    assert "Võ" not in caplog.text


def test_posting_is_rate_limited_per_address(tmp_path, team):
    from casework import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "RATELIMIT_ENABLED": True,
                      "SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(
                          hide_password=False),
                      "APPLY_ADDRESS_RATE_LIMIT": "2 per hour", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    codes = [client.post("/apply/" + "q" * 43, data={}).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
