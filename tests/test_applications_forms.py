"""The scanned application form of one application: kept through the attachment storage (its
checks), opened only by the case's organisers and supervisors, never a dossier item, deleted
(its file too) when replaced or with the person's data, every step in the case's history."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import Attachment, CaseApplication
from casework.schemas.applications import ApplicationInput, load
from casework.services.application_files import erase_closed_not_feasible, erase_person
from casework.services.applications import add_application
from casework.services.attachments import attachments_of, documents_present
from casework.transaction import commit
from tests.browser import text
from tests.helpers import history, make_case, make_team, new_user, walk_to
from tests.test_applications_pages import signed_in
from tests.test_attachments import EXE, PDF, png


@pytest.fixture(autouse=True)
def folder(app, tmp_path):
    saved = app.config["ATTACHMENTS_DIR"]
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    yield tmp_path / "attachments"
    app.config["ATTACHMENTS_DIR"] = saved


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def case(team):
    return make_case(team.organiser)


@pytest.fixture
def application(case, team) -> CaseApplication:
    application = add_application(case, team.organiser,
                                  load(ApplicationInput, {"full_name": "Lê Thị Hoa"}))
    commit()
    return application


def send(browser, case, application, data: bytes, name: str = "don-Le-Thi-Hoa.pdf"):
    page = f"/cases/{case.id}/register"
    return browser.submit(page, {"file": (io.BytesIO(data), name)},
                          post_url=f"{page}/{application.id}/form",
                          content_type="multipart/form-data")


def files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_an_organiser_keeps_and_opens_the_scan(app, team, case, application, folder):
    organiser = signed_in(app, team.organiser)
    response = send(organiser, case, application, PDF)
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    url = f"/cases/{case.id}/register/{application.id}/form"
    assert application.attachment_id is not None
    assert f'href="{url}"' in organiser.get(f"/cases/{case.id}/register").get_data(as_text=True)
    opened = signed_in(app, team.supervisor).get(url)
    assert opened.status_code == 200 and opened.data == PDF
    assert opened.headers["Cache-Control"] == "no-store"
    # a worker's form is no dossier item: not the member list, not listed in the dossier
    assert documents_present(case.id) == set() and attachments_of(case.id) == []
    events = [e.data["form"] for e in history(case, "application_form")]
    assert events == ["uploaded", "opened"]
    assert all("Hoa" not in str(e.data) for e in history(case, "application_form"))


def test_only_the_organisers_touch_it(app, team, case, application, folder):
    send(signed_in(app, team.organiser), case, application, PDF)
    url = f"/cases/{case.id}/register/{application.id}/form"
    leader = signed_in(app, new_user("leader", "LDLD-79"))
    assert leader.get(url).status_code == 403
    outsider = signed_in(app, new_user("organiser", "LDLD-01"))
    assert outsider.get(url).status_code == 404


def test_a_file_of_the_wrong_kind_is_refused_and_nothing_kept(app, team, case, application,
                                                               folder):
    organiser = signed_in(app, team.organiser)
    response = send(organiser, case, application, EXE, "don.pdf")
    assert response.status_code == 302
    page = text(organiser.get(f"/cases/{case.id}/register"))
    assert "is not an accepted kind of file" in page or "không" in page
    db.session.expire_all()
    assert application.attachment_id is None and files(folder) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_a_replaced_scan_is_deleted(app, team, case, application, folder):
    organiser = signed_in(app, team.organiser)
    send(organiser, case, application, PDF)
    send(organiser, case, application, png(), "scan.png")
    db.session.expire_all()
    assert len(files(folder)) == 1
    assert db.session.get(Attachment, application.attachment_id).content_type == "image/png"
    assert [e.data["form"] for e in history(case, "application_form")] == ["uploaded",
                                                                           "replaced"]


def test_the_person_s_erasure_takes_the_file(app, team, case, application, folder):
    send(signed_in(app, team.organiser), case, application, PDF)
    db.session.expire_all()
    erase_person(application, team.organiser)
    commit()
    assert application.attachment_id is None and files(folder) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_the_erasure_job_takes_the_file(app, team, case, application, folder):
    send(signed_in(app, team.organiser), case, application, PDF)
    db.session.expire_all()
    assert len(files(folder)) == 1
    walk_to(case, "closed", team)
    with clock.travel_to(clock.now() + timedelta(days=181)):
        assert erase_closed_not_feasible() == 1
        commit()
    db.session.expire_all()
    assert application.attachment_id is None and files(folder) == []
