"""Dossier attachments: uploads checked by content and size, kept under ATTACHMENTS_DIR, served only
to people who may see the case, and counted by the checklist guard of submit_dossier."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import Attachment, User
from casework.errors import Conflict, Forbidden, Invalid
from casework.services.attachments import documents_present, store_attachment
from casework.services.settings import set_setting
from casework.transaction import commit
from casework.workflow.data import GuardFailed
from casework.workflow.definition import DOCUMENTS
from tests.helpers import PASSWORD, Team, fire, make_case, new_user, walk_to
from tests.browser import browser, text  # noqa: F401

# --- tiny valid files -------------------------------------------------------------------------

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "hello")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def folder(app, tmp_path):
    saved = app.config["ATTACHMENTS_DIR"], app.config["MAX_ATTACHMENT_BYTES"]
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    yield tmp_path / "attachments"
    app.config["ATTACHMENTS_DIR"], app.config["MAX_ATTACHMENT_BYTES"] = saved


@pytest.fixture
def people():
    return {"org": new_user("organiser", "LDLD-79", password=PASSWORD),
            "sup": new_user("supervisor", "LDLD-79", password=PASSWORD),
            "leader": new_user("leader", "LDLD-79", password=PASSWORD),
            "vgcl": new_user("leader", "VGCL", password=PASSWORD),
            "outsider": new_user("organiser", "LDLD-01", password=PASSWORD),
            "outside_sup": new_user("supervisor", "LDLD-01", password=PASSWORD)}


@pytest.fixture
def case(people):
    team = Team(organiser=people["org"], supervisor=people["sup"], vgcl_leader=people["vgcl"])
    return walk_to(make_case(people["org"]), "congress_held", team)


def page_of(case) -> str:
    return f"/cases/{case.id}"


def upload(client, case, data: bytes, name: str, document: str = "cover_letter"):
    return client.submit(page_of(case), {"document": document, "file": (io.BytesIO(data), name)},
                         post_url=f"/cases/{case.id}/attachments",
                         content_type="multipart/form-data")


def stored(case) -> list[Attachment]:
    return list(db.session.scalars(sa.select(Attachment).where(Attachment.case_id == case.id)
                                   .order_by(Attachment.id)))


# --- uploading --------------------------------------------------------------------------------

@pytest.mark.parametrize("data, name, mime", [
    (PDF, "Công văn đề nghị.pdf", "application/pdf"),
    (png(), "scan.png", "image/png"),
    (docx(), "danh-sach.docx", DOCX_MIME),
    (PDF, "no-extension", "application/pdf"),
])
def test_upload_accepted_types(browser, people, case, folder, data, name, mime):
    response = upload(browser(people["org"]), case, data, name)
    assert response.status_code == 302, text(response)
    [attachment] = stored(case)
    assert attachment.content_type == mime
    assert attachment.original_name == name and attachment.document == "cover_letter"
    assert attachment.size == len(data) and len(attachment.sha256) == 64
    assert attachment.uploaded_by_id == people["org"].id
    path = folder / str(case.id) / attachment.stored_name
    assert path.read_bytes() == data
    assert [p.name for p in (folder / str(case.id)).iterdir()] == [attachment.stored_name]
    page = text(browser(people["org"]).get(page_of(case)))
    assert "Dossier documents" in page and name in page


@pytest.mark.parametrize("data, name", [(EXE, "hoso.pdf"), (HTML, "hoso.pdf"),
                                        (plain_zip(), "hoso.docx"), (b"just text", "a.doc")])
def test_type_is_checked_by_content_not_name(browser, people, case, folder, data, name):
    response = upload(browser(people["org"]), case, data, name, document="member_list")
    assert response.status_code == 422
    page = text(response)
    assert "is not an accepted kind of file" in page
    assert '<option selected value="member_list">' in page     # the choice is kept
    assert stored(case) == []
    assert not any(p.is_file() for p in folder.rglob("*"))  # no temp file left behind


def test_empty_and_oversize_are_refused(app, browser, people, case, folder):
    client = browser(people["org"])
    response = upload(client, case, b"", "empty.pdf")
    assert response.status_code == 422
    assert "empty" in text(response).lower()

    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    response = upload(client, case, PDF + b"0" * 2000, "big.pdf")
    assert response.status_code == 422
    assert "larger than the limit" in text(response)
    assert upload(client, case, PDF, "small.pdf").status_code == 302
    # far beyond the limit: refused from the request's length, before it is read
    response = upload(client, case, PDF + b"0" * 200_000, "huge.pdf")
    assert response.status_code == 413
    assert "larger than the limit" in text(response)
    assert [a.original_name for a in stored(case)] == ["small.pdf"]
    assert len([p for p in folder.rglob("*") if p.is_file()]) == 1


def test_filename_is_cleaned(people, case, app):
    class Upload:
        filename = "C:\\Users\\lan\\..\\Bie\u0302n ba\u0309n\x07.pdf"
        stream = io.BytesIO(PDF)
    with app.test_request_context():
        attachment = store_attachment(case, people["org"], "congress_minutes", Upload())
    assert attachment.original_name == "Biên bản.pdf"


def _pdf_upload(name: str = "a.pdf"):
    return type("U", (), {"filename": name, "stream": io.BytesIO(PDF)})()


def files_in(folder) -> list:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_a_file_whose_row_is_rolled_back_is_removed(people, case, app, folder):
    with app.test_request_context():
        kept = store_attachment(case, people["org"], "cover_letter", _pdf_upload("kept.pdf"))
        commit()
        store_attachment(case, people["org"], "member_list", _pdf_upload("dropped.pdf"))
        assert len(files_in(folder)) == 2
        db.session.rollback()
    assert files_in(folder) == [kept.stored_name]


def test_a_file_is_removed_when_the_commit_fails(people, case, app, folder):
    with app.test_request_context():
        store_attachment(case, people["org"], "cover_letter", _pdf_upload())
        # something else in the same transaction breaks the commit
        db.session.add(User(email=people["org"].email, name="Twin", role="organiser",
                            unit_id=people["org"].unit_id, password_hash="x"))
        with pytest.raises(Conflict):
            commit()
    assert stored(case) == []
    assert files_in(folder) == []


def test_a_file_stored_in_a_savepoint_rolled_back_is_removed(people, case, app, folder):
    with app.test_request_context():
        kept = store_attachment(case, people["org"], "cover_letter", _pdf_upload("kept.pdf"))
        savepoint = db.session.begin_nested()
        store_attachment(case, people["org"], "member_list", _pdf_upload("dropped.pdf"))
        savepoint.rollback()
        commit()
    assert [a.original_name for a in stored(case)] == ["kept.pdf"]
    assert files_in(folder) == [kept.stored_name]


def test_a_replacement_is_kept_alongside(browser, people, case):
    client = browser(people["org"])
    upload(client, case, PDF, "v1.pdf")
    upload(client, case, PDF, "v2.pdf")
    assert [a.original_name for a in stored(case)] == ["v1.pdf", "v2.pdf"]
    page = text(client.get(page_of(case)))
    assert page.index("v2.pdf") < page.index("v1.pdf")


def test_who_may_upload(browser, people, case):
    assert upload(browser(people["sup"]), case, PDF, "a.pdf").status_code == 302
    leader = browser(people["leader"])
    assert 'action="/cases/%d/attachments"' % case.id not in leader.get(page_of(case)).get_data(
        as_text=True)
    response = upload(leader, case, PDF, "b.pdf")
    assert response.status_code == 403
    with pytest.raises(Forbidden):
        store_attachment(case, people["leader"], "cover_letter", None)
    outsider = browser(people["outsider"])
    assert outsider.post(f"/cases/{case.id}/attachments").status_code == 404


def test_no_upload_on_a_finished_case(people, case, app):
    fire(case, people["org"], "close")     # an approval request
    from casework.models import ApprovalRequest
    from tests.helpers import approve
    approve(db.session.scalars(sa.select(ApprovalRequest)).one(), people["sup"])
    db.session.refresh(case)
    assert case.state == "closed"
    with app.test_request_context(), pytest.raises(Conflict):
        store_attachment(case, people["org"], "cover_letter", None)


def test_csrf_is_required(browser, people, case):
    client = browser(people["org"])
    response = client.post(f"/cases/{case.id}/attachments",
                           data={"document": "cover_letter",
                                 "file": (io.BytesIO(PDF), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert stored(case) == []


# --- downloading ------------------------------------------------------------------------------

def test_download_in_scope_only(browser, people, case):
    upload(browser(people["org"]), case, PDF, "Công văn.pdf")
    [attachment] = stored(case)
    url = f"/cases/{case.id}/attachments/{attachment.id}"
    for who in ("org", "sup", "leader", "vgcl"):
        response = browser(people[who]).get(url)
        assert response.status_code == 200, who
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")
    for who in ("outsider", "outside_sup"):
        assert browser(people[who]).get(url).status_code == 404
    anonymous = browser()
    response = anonymous.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_download_of_another_cases_file_is_404(browser, people, case):
    other = make_case(people["org"])
    upload(browser(people["org"]), case, PDF, "a.pdf")
    [attachment] = stored(case)
    client = browser(people["org"])
    assert client.get(f"/cases/{other.id}/attachments/{attachment.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/attachments/{attachment.id + 1}").status_code == 404


# --- the checklist guard ----------------------------------------------------------------------

def _require_all_seven() -> None:
    """A federation requiring the whole checklist (by default two of the seven are optional)."""
    set_setting("required_documents", list(DOCUMENTS))
    commit()


def test_submit_dossier_counts_uploads(browser, people, case):
    _require_all_seven()
    client = browser(people["org"])
    for document in DOCUMENTS[:-1]:
        assert upload(client, case, PDF, f"{document}.pdf", document).status_code == 302
    assert documents_present(case.id) == set(DOCUMENTS[:-1])

    trigger_page = f"/cases/{case.id}/transitions/submit_dossier"
    page = client.get(trigger_page).get_data(as_text=True)
    # the items with a file are ticked already, and said to count
    assert re.search(r'<input checked[^>]*value="cover_letter"', page)
    assert not re.search(r'<input checked[^>]*value="workforce_report"', page)
    assert "have an uploaded file and count as present" in page
    response = client.submit(trigger_page, {})            # nothing ticked
    assert response.status_code == 422
    page = text(response)
    # the label alone: the code is for the API
    assert "missing: Workforce report<" in page and "(workforce_report)" not in page

    assert upload(client, case, png(), "workforce.png", "workforce_report").status_code == 302
    response = client.submit(trigger_page, {})
    assert response.status_code == 302, text(response)
    db.session.refresh(case)
    assert case.state == "dossier_submitted"


def test_ticks_and_uploads_add_up(people, case, app):
    _require_all_seven()
    with app.test_request_context():
        store_attachment(case, people["org"], "cover_letter",
                         type("U", (), {"filename": "a.pdf", "stream": io.BytesIO(PDF)})())
    commit()
    with pytest.raises(GuardFailed) as refused:
        fire(case, people["org"], "submit_dossier", data={"documents": list(DOCUMENTS[1:-1])})
    db.session.rollback()
    assert refused.value.message.endswith("missing: Workforce report")
    assert refused.value.details == {"missing": ["workforce_report"]}
    fire(case, people["org"], "submit_dossier", data={"documents": list(DOCUMENTS[1:])})
    assert case.state == "dossier_submitted"


def test_unknown_document_is_refused(people, case, app):
    with app.test_request_context(), pytest.raises(Invalid):
        store_attachment(case, people["org"], "passport",
                         type("U", (), {"filename": "a.pdf", "stream": io.BytesIO(PDF)})())


def test_the_api_names_the_missing_items_by_code(client, people, case):
    from tests.helpers import Api
    refused = Api(client, people["org"]).fire(case.id, "submit_dossier",
                                              data={"documents": list(DOCUMENTS[1:])})
    assert refused.status_code == 422
    body = refused.get_json()["error"]
    assert body["code"] == "guard_failed" and body["field"] == "documents"
    assert body["missing"] == ["cover_letter"]
    assert body["message"].endswith("missing: Cover letter requesting recognition")
