"""Notifications: who is told of an approval to decide and of a decision, the overdue digest,
mail to the outbox or over SMTP (after the commit), and the in-app list."""
from __future__ import annotations

import email
import smtplib
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from tests.helpers import (PASSWORD, Api, comment_for, fire, make_case, make_team, new_user,
                           trigger_data, walk_to)
from tests.browser import browser, text  # noqa: F401  (browser: a fixture)

from casework import clock
from casework.extensions import db
from casework.models import ApprovalRequest, Case, Notification
from casework.services import notifications as notify
from casework.services.settings import get_setting
from casework.services.transitions import request_transition


@pytest.fixture
def outbox(app, tmp_path):
    saved = app.config["MAIL_OUTBOX_DIR"], app.config.get("MAIL_SERVER")
    app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_SERVER"] = str(tmp_path), None
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_SERVER"] = saved


def sent_mail(folder) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def notified(kind: str, **where) -> set[int]:
    query = sa.select(Notification.user_id).where(Notification.kind == kind)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return set(db.session.scalars(query))


def test_request_notifies_the_supervisors_in_scope_only(client, outbox):
    team = make_team("LDLD-79")
    second = new_user("supervisor", "LDLD-79")
    national = new_user("supervisor", "VGCL")       # the VGCL's subtree holds every case
    far = new_user("supervisor", "LDLD-01")         # another province: not in scope
    gone = new_user("supervisor", "LDLD-79")
    gone.active = False
    db.session.commit()
    case = make_case(team.organiser)
    walk_to(case, "dossier_submitted", team)
    response = Api(client, team.organiser).fire(case.id, "recognise")
    assert response.status_code == 202
    approval_id = response.get_json()["approval"]["id"]

    expected = {team.supervisor.id, second.id, national.id}
    assert notified("approval_requested", approval_id=approval_id) == expected
    assert far.id not in expected and gone.id not in expected
    assert team.organiser.id not in notified("approval_requested", approval_id=approval_id)
    mails = sent_mail(outbox)
    recipients = sorted(m["To"] for m in mails)
    assert recipients == sorted(u.email for u in (team.supervisor, second, national))
    assert all(m["Subject"].startswith("Approval requested: ") and case.ref in m["Subject"]
               for m in mails)
    assert all(n.emailed_at is not None and n.email_error is None
               for n in db.session.scalars(sa.select(Notification)))


def test_a_requesting_supervisor_is_not_notified(outbox):
    team = make_team("LDLD-79")
    other = new_user("supervisor", "LDLD-79")
    case = make_case(team.organiser)
    outcome, approval = fire(case, team.supervisor, "close")
    assert outcome == "approval"
    assert notified("approval_requested", approval_id=approval.id) == {other.id}


def test_approve_scheme_notifies_the_vgcl_leaders_only(client, outbox):
    team = make_team("LDLD-79")
    second_leader = new_user("leader", "VGCL")
    new_user("leader", "LDLD-79")
    new_user("supervisor", "VGCL")
    case = make_case(team.organiser, "conglomerate_pilot")
    walk_to(case, "scheme_drafted", team)
    outcome, approval = fire(case, team.organiser, "approve_scheme")
    assert outcome == "approval"
    assert notified("approval_requested", approval_id=approval.id) == {
        team.vgcl_leader.id, second_leader.id}


def test_a_decision_notifies_the_requester(client, outbox):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    _, approval = fire(case, team.organiser, "close")
    response = Api(client, team.supervisor).post(f"/approvals/{approval.id}/decision",
                                                 {"decision": "reject", "comment": "Chưa đủ"})
    assert response.status_code == 200
    assert notified("approval_decided", approval_id=approval.id) == {team.organiser.id}
    decided = [m for m in sent_mail(outbox) if m["Subject"].startswith("Rejected: ")]
    assert [m["To"] for m in decided] == [team.organiser.email]
    assert "Chưa đủ" in decided[0].get_content()
    # who decided is named (the decider was empty: only the id had been set)
    note = db.session.scalar(sa.select(Notification).where(
        Notification.kind == "approval_decided"))
    assert note.body.startswith(f"{team.supervisor.name} rejected “")
    assert f"{team.supervisor.name} rejected" in decided[0].get_content()


def test_a_failing_mail_server_does_not_undo_the_decision(app, client, outbox, monkeypatch):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    _, approval = fire(case, team.organiser, "close")

    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "mail server down")
    monkeypatch.setattr(smtplib, "SMTP", refuse)
    app.config["MAIL_SERVER"] = "smtp.invalid"
    response = Api(client, team.supervisor).post(f"/approvals/{approval.id}/decision",
                                                 {"decision": "approve", "comment": "Đồng ý"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, approval.id).status == "approved"
    assert db.session.get(Case, case.id).state == "closed"
    failed = db.session.scalar(sa.select(Notification).where(
        Notification.kind == "approval_decided"))
    assert failed.emailed_at is None and "mail server down" in failed.email_error


def test_a_notification_is_emailed_once_when_its_transaction_commits(outbox):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    fire(case, team.organiser, "close")          # the service, then the one commit
    assert [m["To"] for m in sent_mail(outbox)] == [team.supervisor.email]
    new_user("organiser", "LDLD-79")
    db.session.commit()                          # the next commit sends it no second time
    assert len(sent_mail(outbox)) == 1
    [note] = db.session.scalars(sa.select(Notification))
    assert note.emailed_at is not None and note.email_error is None


def test_a_notification_rolled_back_sends_nothing(outbox):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    request_transition(case, team.organiser, trigger="close", version=case.version,
                       data=trigger_data("close"), comment=comment_for("close"))
    assert notified("approval_requested") == {team.supervisor.id}      # made, and flushed
    db.session.rollback()                        # as a handler does when the request fails
    db.session.commit()                          # nor does a later commit send it
    assert notified("approval_requested") == set()
    assert sent_mail(outbox) == []


def test_a_notification_of_a_savepoint_rolled_back_is_not_emailed(outbox):
    team = make_team("LDLD-79")
    kept = new_user("organiser", "LDLD-79")
    with db.session.begin_nested() as savepoint:
        notify._add(team.organiser, "approval_decided", "Undone", "body")
        savepoint.rollback()
    notify._add(kept, "approval_decided", "Kept", "body")
    db.session.commit()
    assert [(m["To"], m["Subject"]) for m in sent_mail(outbox)] == [(kept.email, "Kept")]


def test_notify_send_retries_what_was_not_sent(runner, outbox, monkeypatch):
    import casework.mail as mail
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    with monkeypatch.context() as down:          # the mail server refuses after the commit
        down.setattr(mail, "send_messages", lambda messages: ["SMTPServerDisconnected: try "
                                                              "later"] * len(messages))
        fire(case, team.organiser, "close")
    assert sent_mail(outbox) == []
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0 and "1 email(s) sent." in result.output
    assert [m["To"] for m in sent_mail(outbox)] == [team.supervisor.email]


def test_notify_overdue_sends_one_digest_per_person(runner, outbox):
    team = make_team("LDLD-79")
    far = new_user("supervisor", "LDLD-01")
    other_org = new_user("organiser", "LDLD-79")
    assert runner.invoke(args=["notify", "overdue"]).output.strip() == "Nothing overdue."
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0

    late = make_case(team.organiser)
    walk_to(late, "dossier_submitted", team)
    late.deadline = clock.today() - timedelta(days=1)
    stuck = make_case(team.organiser, organiser=other_org.email)
    stuck.state_changed_at = clock.now() - timedelta(days=int(get_setting(
        "stuck_after_days")) + 5)
    db.session.commit()

    result = runner.invoke(args=["notify", "overdue"])
    assert result.exit_code == 0, result.output
    assert "Notified 3 people" in result.output
    digests = list(db.session.scalars(sa.select(Notification).where(
        Notification.kind == "overdue_digest")))
    by_user = {n.user_id: n for n in digests}
    assert len(digests) == len(by_user) == 3
    assert set(by_user) == {team.organiser.id, other_org.id, team.supervisor.id}
    assert far.id not in by_user
    assert late.ref in by_user[team.organiser.id].body
    assert stuck.ref not in by_user[team.organiser.id].body
    assert stuck.ref in by_user[other_org.id].body and late.ref not in by_user[other_org.id].body
    assert late.ref in by_user[team.supervisor.id].body
    assert stuck.ref in by_user[team.supervisor.id].body
    assert sorted(m["To"] for m in sent_mail(outbox)) == sorted(
        u.email for u in (team.organiser, other_org, team.supervisor))


def test_notify_overdue_makes_one_digest_a_day_however_often_it_runs(runner, outbox):
    team = make_team("LDLD-79")
    late = make_case(team.organiser)
    walk_to(late, "dossier_submitted", team)
    late.deadline = clock.today() - timedelta(days=1)
    db.session.commit()
    first = runner.invoke(args=["notify", "overdue"])
    assert "Notified 2 people" in first.output
    again = runner.invoke(args=["notify", "overdue"])   # cron twice, or by hand after the job
    assert again.exit_code == 0
    assert "already" in again.output and "Notified" not in again.output
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.kind == "overdue_digest")) == 2
    assert len(sent_mail(outbox)) == 2


@pytest.mark.parametrize("hour", [1, 6, 8, 23])   # before 07:00 in Vietnam it is still
def test_the_digest_is_once_a_vietnamese_day_at_any_hour(hour):   # yesterday in UTC
    from datetime import datetime
    from casework.services.notifications import daily_overdue_digest
    day = clock.today() + timedelta(days=3)
    with clock.travel_to(datetime(day.year, day.month, day.day, hour, 30, tzinfo=clock.VIETNAM)):
        team = make_team("LDLD-79")
        late = make_case(team.organiser)
        walk_to(late, "dossier_submitted", team)
        late.deadline = clock.today() - timedelta(days=1)
        db.session.commit()
        assert daily_overdue_digest()
        db.session.commit()
        assert daily_overdue_digest() is None


def test_the_list_shows_ones_own_and_marks_them_read(browser, outbox):  # noqa: F811
    org = new_user("organiser", "LDLD-79", password=PASSWORD)
    sup = new_user("supervisor", "LDLD-79", password=PASSWORD)
    other = new_user("supervisor", "LDLD-79", password=PASSWORD)
    case = make_case(org)
    fire(case, org, "close")
    db.session.execute(sa.delete(Notification).where(Notification.user_id == other.id))
    db.session.commit()

    me = browser(sup)
    page = text(me.get("/notifications/"))
    assert case.ref in page and f"/cases/{case.id}" in page
    assert 'list-group-item-warning' in page
    assert "Mark all as read" in page
    assert case.ref not in text(browser(other).get("/notifications/"))
    # the menu's unread badge
    assert "1<span class=\"visually-hidden\"> unread" in me.get("/cases").get_data(as_text=True)

    refused = me.post("/notifications/read", data={})
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(Notification.read_at).where(
        Notification.user_id == sup.id)) is None
    response = me.submit("/notifications/", {}, post_url="/notifications/read")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Notification.read_at).where(
        Notification.user_id == sup.id)) is not None
    page = text(me.get("/notifications/"))
    assert "list-group-item-warning" not in page and "Mark all as read" not in page


def test_texts_are_in_the_default_language(app, outbox):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    saved = app.config["DEFAULT_LANGUAGE"]
    app.config["DEFAULT_LANGUAGE"] = "vi"
    try:
        fire(case, team.organiser, "close")
    finally:
        app.config["DEFAULT_LANGUAGE"] = saved
    subject = db.session.scalar(sa.select(Notification.subject))
    assert subject.startswith("Đề nghị phê duyệt: ") and case.ref in subject


# --- links to the case ------------------------------------------------------------------------

@pytest.fixture
def base_url(app):
    saved = app.config.get("BASE_URL")
    app.config["BASE_URL"] = "https://casework.example.vn/cd"
    yield "https://casework.example.vn/cd"
    app.config["BASE_URL"] = saved


def test_mails_link_to_the_case_under_base_url(client, outbox, base_url):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    walk_to(case, "dossier_submitted", team)
    approval = Api(client, team.organiser).fire(case.id, "recognise").get_json()["approval"]
    Api(client, team.supervisor).post(f"/approvals/{approval['id']}/decision",
                                      {"decision": "approve", "comment": "Đồng ý"})
    mails = sent_mail(outbox)
    assert {m["Subject"].split(":")[0] for m in mails} == {"Approval requested", "Approved"}
    link = f"{base_url}/cases/{case.id}"
    for mail in mails:
        assert link in mail.get_content()
        # the subject names the case, never a person, and carries no address
        assert team.organiser.name not in mail["Subject"]
        assert team.supervisor.name not in mail["Subject"] and "http" not in mail["Subject"]


def test_the_digest_links_every_case(runner, outbox, base_url):
    team = make_team("LDLD-79")
    late = make_case(team.organiser)
    walk_to(late, "dossier_submitted", team)
    late.deadline = clock.today() - timedelta(days=1)
    stuck = make_case(team.organiser)
    stuck.state_changed_at = clock.now() - timedelta(days=int(get_setting(
        "stuck_after_days")) + 5)
    db.session.commit()
    assert runner.invoke(args=["notify", "overdue"]).exit_code == 0
    mail = next(m for m in sent_mail(outbox) if m["To"] == team.organiser.email)
    body = mail.get_content()
    assert f"{base_url}/cases/{late.id}" in body and f"{base_url}/cases/{stuck.id}" in body
    assert "http" not in mail["Subject"]


def test_without_base_url_a_mail_has_no_link(app, client, outbox):
    assert app.config.get("BASE_URL") is None
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    Api(client, team.organiser).fire(case.id, "close", comment="Không khả thi")
    mails = sent_mail(outbox)
    assert mails and all("http" not in m.get_content() for m in mails)

