"""Documents generated from a case's data: each type's DOCX holds the case's names, dates written
the Vietnamese way and the decision's number; filed as a draft against its checklist item."""
from __future__ import annotations

import io
import re
import time

import pytest
import sqlalchemy as sa
from docx import Document

from casework.documents.context import _rows, sample_context
from casework.documents.formatting import date_text, number_text
from casework.documents.render import render, shipped_template
from casework.documents.types import DOCUMENT_TYPES
from casework.extensions import db
from casework.models import Attachment
from casework.services.attachments import documents_present
from tests.browser import browser, text  # noqa: F401
from tests.helpers import (PASSWORD, TODAY, Api, Team, enterprise, error_of, make_case,
                           new_user, walk_to)

COMMITTEE = ["Lê Thị Hoa", "Phạm Minh Tuấn", "Hoàng Thị Mai"]
CHAIR = "Trần Văn Hùng"
COMPANY = "Công ty TNHH May Hưng Thịnh & Cộng sự"   # an & must stay text in the XML


@pytest.fixture
def team():
    return Team(*(new_user(role, unit, password=PASSWORD) for role, unit in
                  (("organiser", "LDLD-79"), ("supervisor", "LDLD-79"), ("leader", "VGCL"))))


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]

    def cells(tables):
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    parts.extend(p.text for p in cell.paragraphs)
                    cells(cell.tables)
    cells(document.tables)
    return "\n".join(parts)


def generate(client, user, case, type_name):
    return Api(client, user).post(f"/cases/{case.id}/documents", {"type": type_name})


def stored_content(app, attachment_id: int) -> bytes:
    attachment = db.session.get(Attachment, attachment_id)
    path = f"{app.config['ATTACHMENTS_DIR']}/{attachment.case_id}/{attachment.stored_name}"
    with open(path, "rb") as f:
        return f.read()


def test_formatting_is_the_vietnamese_administrative_way():
    from datetime import date
    assert date_text(date(2026, 12, 5)) == "ngày 05 tháng 12 năm 2026"
    assert date_text(date(2026, 2, 15)) == "ngày 15 tháng 02 năm 2026"
    assert date_text(date(2026, 3, 1)) == "ngày 01 tháng 3 năm 2026"
    assert number_text(1234567) == "1.234.567" and number_text(12) == "12"


def test_every_shipped_template_renders_with_no_placeholder_left():
    for doctype in DOCUMENT_TYPES:
        content = render(shipped_template(doctype.name), sample_context())
        body = docx_text(content)
        assert "{{" not in body and "{%" not in body, doctype.name
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body
        assert "Độc lập - Tự do - Hạnh phúc" in body
        assert "ngày 05 tháng 12 năm 2026" in body
        document = Document(io.BytesIO(content))
        assert document.styles["Normal"].font.name == "Times New Roman"


def test_the_types_are_listed(client, team):
    answer = Api(client, team.organiser).get("/document-types")
    assert answer.status_code == 200
    items = {t["type"]: t for t in answer.get_json()["items"]}
    assert set(items) == {t.name for t in DOCUMENT_TYPES}
    assert items["recognition_decision"]["action"] == "recognise"
    assert items["member_list"]["checklist_item"] == "member_list"


def test_the_dossier_is_written_from_the_congress_record(app, client, team):
    case = walk_to(make_case(team.organiser, enterprises=[enterprise(COMPANY)]),
                   "congress_held", team)
    for type_name in ("cover_letter", "member_list", "congress_minutes", "election_minutes",
                      "committee_cvs"):
        answer = generate(client, team.organiser, case, type_name)
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()
        assert body["checklist_item"] == type_name and body["attachment"]["draft"] is True
        assert body["attachment"]["url"].endswith(f"/attachments/{body['attachment']['id']}")
        written = docx_text(stored_content(app, body["attachment"]["id"]))
        assert COMPANY in written, type_name
        assert CHAIR in written or type_name == "election_minutes", type_name
        if type_name in ("cover_letter", "election_minutes", "committee_cvs"):
            assert all(name in written for name in COMMITTEE), type_name
        if type_name in ("cover_letter", "congress_minutes", "election_minutes"):
            assert date_text(TODAY) in written, type_name
    # drafts are not the signed scans the checklist counts
    assert documents_present(case.id) == set()
    page = text(browser_for(app, team.organiser).get(f"/cases/{case.id}"))
    assert "cover_letter-" in page


def browser_for(app, user):
    from tests.browser import Browser
    b = Browser(app)
    assert b.login(user).status_code == 302
    return b


def test_the_member_list_numbers_every_member(app, client, team):
    case = walk_to(make_case(team.organiser), "congress_held", team)
    answer = generate(client, team.organiser, case, "member_list")
    written = docx_text(stored_content(app, answer.get_json()["attachment"]["id"]))
    total = case.applications_vietnamese + case.applications_foreign
    assert f"Tổng số: {number_text(total)} đoàn viên" in written
    assert CHAIR in written and COMMITTEE[0] in written


def test_the_decisions_carry_their_number_and_date(app, client, team):
    case = walk_to(make_case(team.organiser), "recognised", team)
    number = case.details["decision"]["decision_number"]
    assert number == "1/QĐ-LĐLĐ"
    refused = generate(client, team.organiser, case, "recognition_decision")
    assert refused.status_code == 403       # the supervisor decides it
    answer = generate(client, team.supervisor, case, "recognition_decision")
    assert answer.status_code == 201, answer.get_json()
    written = docx_text(stored_content(app, answer.get_json()["attachment"]["id"]))
    assert f"Số: {number}" in written and date_text(TODAY) in written
    assert "Vũ Đức Anh" in written and all(name in written for name in COMMITTEE)
    assert "Hồ Chí Minh, " + date_text(TODAY) in written

    walk_to(case, "founded", team)
    answer = generate(client, team.organiser, case, "announcement_record")
    assert answer.status_code == 201, answer.get_json()
    written = docx_text(stored_content(app, answer.get_json()["attachment"]["id"]))
    assert f"Quyết định số {number}" in written and date_text(TODAY) in written


def test_the_provisional_and_establishment_decisions(app, client, team):
    case = walk_to(make_case(team.organiser), "eligible", team)
    from tests.helpers import fire, trigger_data
    _, approval = fire(case, team.organiser, "appoint_provisional",
                       data={"committee_members": trigger_data("appoint_provisional")
                             ["committee_members"]})
    from casework.services.approvals import decide
    from casework.transaction import commit
    decide(approval, team.supervisor, decision="approve", comment="Đồng ý",
           data=trigger_data("recognise"))
    commit()
    answer = generate(client, team.supervisor, case, "provisional_decision")
    assert answer.status_code == 201, answer.get_json()
    written = docx_text(stored_content(app, answer.get_json()["attachment"]["id"]))
    assert "Số: 1/QĐ-LĐLĐ" in written and "lâm thời" in written
    assert all(name in written for name in COMMITTEE)

    pilot = walk_to(make_case(team.organiser, "conglomerate_pilot"), "established", team)
    answer = generate(client, team.organiser, pilot, "establishment_decision")
    assert answer.status_code == 201, answer.get_json()
    written = docx_text(stored_content(app, answer.get_json()["attachment"]["id"]))
    assert "Số: 2/QĐ-LĐLĐ" in written and date_text(TODAY) in written
    wrong_flow = generate(client, team.organiser, pilot, "cover_letter")
    assert wrong_flow.status_code == 422 and error_of(wrong_flow)["field"] == "type"


def test_a_case_without_the_data_is_refused_naming_what_is_missing(client, team):
    case = make_case(team.organiser)
    answer = generate(client, team.organiser, case, "cover_letter")
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "missing_data" and error["missing"] == ["congress"]
    decision = generate(client, team.supervisor, case, "recognition_decision")
    assert decision.status_code == 422 and "decision" in decision.get_json()["error"]["missing"]
    unknown = generate(client, team.organiser, case, "novel")
    assert unknown.status_code == 422 and error_of(unknown)["field"] == "type"
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_who_may_not_generate(client, team):
    case = walk_to(make_case(team.organiser), "congress_held", team)
    leader = new_user("leader", "LDLD-79")
    assert generate(client, leader, case, "cover_letter").status_code == 403
    far = new_user("organiser", "LDLD-01")
    assert generate(client, far, case, "cover_letter").status_code == 404


def test_the_case_page_generates_a_document(app, team):
    case = walk_to(make_case(team.organiser), "congress_held", team)
    me = browser_for(app, team.organiser)
    page = text(me.get(f"/cases/{case.id}"))
    assert 'value="cover_letter"' in page
    assert 'value="recognition_decision"' not in page    # the supervisor's
    done = me.submit(f"/cases/{case.id}", {"type": "cover_letter"},
                     post_url=f"/cases/{case.id}/documents")
    assert done.status_code == 302
    [attachment] = db.session.scalars(sa.select(Attachment)).all()
    assert attachment.draft and attachment.document == "cover_letter"
    download = me.get(f"/cases/{case.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and COMMITTEE[0] in docx_text(download.data)
    page = text(me.get(f"/cases/{case.id}"))
    assert "LibreOffice" in page      # no PDF on this server: the button says why


def test_a_member_list_of_2000_names_is_quick():
    context = sample_context()
    context["members"]["rows"] = _rows([f"Nguyễn Văn {i}" for i in range(2000)], 2000)
    started = time.perf_counter()
    content = render(shipped_template("member_list"), context)
    assert time.perf_counter() - started < 2
    assert "Nguyễn Văn 1999" in docx_text(content)


# --- a federation's own templates ------------------------------------------------------------

def own_template(type_name: str, line: str) -> bytes:
    """The shipped template with one more paragraph (a federation's own wording)."""
    document = Document(io.BytesIO(shipped_template(type_name)))
    document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_nearest_unit_up_the_tree_wins_and_versions_are_kept(app, client, team):
    from casework.errors import Forbidden
    from casework.services.document_templates import upload_template, versions_of
    from casework.transaction import commit
    national, city = new_user("admin", "VGCL"), new_user("admin", "LDLD-79")
    upload_template(national, national.unit, "cover_letter", "tld.docx",
                    own_template("cover_letter", "MẪU CỦA TỔNG LIÊN ĐOÀN {{ union.name }}"))
    upload_template(city, city.unit, "cover_letter", "hcm.docx",
                    own_template("cover_letter", "MẪU CŨ CỦA THÀNH PHỐ"))
    upload_template(city, city.unit, "cover_letter", "hcm-2.docx",
                    own_template("cover_letter", "MẪU CỦA THÀNH PHỐ {{ congress.chair }}"))
    commit()
    assert [v.version for v in versions_of(city.unit, "cover_letter")] == [2, 1]
    with pytest.raises(Forbidden):
        upload_template(team.supervisor, city.unit, "cover_letter", "x.docx",
                        own_template("cover_letter", "x"))
    with pytest.raises(Forbidden):   # a unit above the administrator's own
        upload_template(city, national.unit, "cover_letter", "x.docx",
                        own_template("cover_letter", "x"))

    hcm = walk_to(make_case(team.organiser), "congress_held", team)
    written = docx_text(stored_content(app, generate(client, team.organiser, hcm, "cover_letter")
                                       .get_json()["attachment"]["id"]))
    assert f"MẪU CỦA THÀNH PHỐ {CHAIR}" in written and "MẪU CŨ" not in written
    assert "TỔNG LIÊN ĐOÀN" not in written.split("MẪU CỦA THÀNH PHỐ")[1]
    hanoi_team = Team(*(new_user(role, unit) for role, unit in
                        (("organiser", "LDLD-01"), ("supervisor", "LDLD-01"), ("leader", "VGCL"))))
    hanoi = walk_to(make_case(hanoi_team.organiser, enterprises=[enterprise(province="01")]),
                    "congress_held", hanoi_team)
    written = docx_text(stored_content(app, generate(client, hanoi_team.organiser, hanoi,
                                                     "cover_letter").get_json()
                                       ["attachment"]["id"]))
    assert "MẪU CỦA TỔNG LIÊN ĐOÀN Công đoàn cơ sở" in written


def test_a_broken_template_is_refused_naming_its_line(app):
    from casework.errors import Invalid
    from casework.services.document_templates import upload_template, versions_of
    admin = new_user("admin", "LDLD-79", password=PASSWORD)
    with pytest.raises(Invalid) as broken:
        upload_template(admin, admin.unit, "member_list", "broken.docx",
                        own_template("member_list", "Kính gửi: {{ superior.name"))
    assert broken.value.code == "template_broken"
    assert "Kính gửi: {{ superior.name" in broken.value.message
    with pytest.raises(Invalid) as unknown:
        upload_template(admin, admin.unit, "member_list", "typo.docx",
                        own_template("member_list", "{{ superior.nmae }}"))
    assert "nmae" in unknown.value.message
    with pytest.raises(Invalid):
        upload_template(admin, admin.unit, "member_list", "not.docx", b"%PDF-1.4 not a docx")
    assert versions_of(admin.unit, "member_list") == []

    page = browser_for(app, admin)
    form = text(page.get("/admin/document-templates"))
    assert "member_list" in form
    refused = page.submit("/admin/document-templates", {
        "type": "member_list",
        "file": (io.BytesIO(own_template("member_list", "Số: {% if %}")), "broken.docx")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Số: {% if %}" in text(refused), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(refused)))[-1500:]
    accepted = page.submit("/admin/document-templates", {
        "type": "member_list",
        "file": (io.BytesIO(own_template("member_list", "Mẫu riêng")), "own.docx")},
        content_type="multipart/form-data")
    assert accepted.status_code == 302, text(accepted)
    assert [v.version for v in versions_of(admin.unit, "member_list")] == [1]
    current = page.get("/admin/document-templates/member_list.docx")
    assert current.status_code == 200 and "Mẫu riêng" in docx_text(current.data)


# --- PDF by LibreOffice -------------------------------------------------------------------------

FAKE_SOFFICE = """#!/bin/sh
# stands in for LibreOffice: writes <outdir>/document.pdf, or sleeps past the limit
[ -n "$SOFFICE_SLEEP" ] && sleep "$SOFFICE_SLEEP"
while [ $# -gt 0 ]; do
  if [ "$1" = "--outdir" ]; then shift; out="$1"; fi
  shift
done
printf '%%PDF-1.4 fake' > "$out/document.pdf"
"""


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    from casework.services import pdf
    script = tmp_path / "soffice"
    script.write_text(FAKE_SOFFICE)
    script.chmod(0o755)
    monkeypatch.setattr(pdf, "soffice", lambda: str(script))
    return str(script)


def _draft_of(app, team, type_name="cover_letter"):
    case = walk_to(make_case(team.organiser), "congress_held", team)
    me = browser_for(app, team.organiser)
    me.submit(f"/cases/{case.id}", {"type": type_name}, post_url=f"/cases/{case.id}/documents")
    [draft] = db.session.scalars(sa.select(Attachment)).all()
    return case, me, draft


def test_without_libreoffice_the_pdf_button_says_why(app, team, monkeypatch):
    from casework.services import pdf
    monkeypatch.setattr(pdf, "soffice", lambda: None)
    case, me, draft = _draft_of(app, team)
    page = text(me.get(f"/cases/{case.id}"))
    assert re.search(r"<button[^>]*disabled[^>]*>PDF</button>", page)
    assert "LibreOffice" in page
    refused = me.submit(f"/cases/{case.id}", {},
                        post_url=f"/cases/{case.id}/attachments/{draft.id}/pdf")
    assert refused.status_code == 302
    assert "LibreOffice" in text(me.get(f"/cases/{case.id}"))
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


def test_with_libreoffice_a_job_files_the_pdf_beside_the_draft(app, team, fake_soffice):
    case, me, draft = _draft_of(app, team)
    page = text(me.get(f"/cases/{case.id}"))
    assert not re.search(r"<button[^>]*disabled[^>]*>PDF</button>", page)
    done = me.submit(f"/cases/{case.id}", {}, post_url=f"/cases/{case.id}/attachments/{draft.id}/pdf")
    assert done.status_code == 302
    db.session.expire_all()
    pdf = db.session.scalar(sa.select(Attachment).where(Attachment.content_type == "application/pdf"))
    assert pdf is not None and pdf.draft and pdf.document == "cover_letter"
    assert pdf.original_name == draft.original_name.replace(".docx", ".pdf")
    assert stored_content(app, pdf.id).startswith(b"%PDF")
    other = new_user("organiser", "LDLD-01", password=PASSWORD)
    outside = browser_for(app, other).submit(
        "/cases", {}, post_url=f"/cases/{case.id}/attachments/{draft.id}/pdf")
    assert outside.status_code == 404


def test_a_conversion_past_its_time_limit_is_stopped(fake_soffice, monkeypatch):
    from casework.services.pdf import PdfFailed, convert
    monkeypatch.setenv("SOFFICE_SLEEP", "5")
    started = time.perf_counter()
    with pytest.raises(PdfFailed, match="longer than 1 s"):
        convert(b"PK fake docx", fake_soffice, seconds=1)
    assert time.perf_counter() - started < 4


def test_the_member_list_names_the_verified_applications_of_the_register(app, client, team):
    from casework.schemas.applications import ApplicationInput
    from casework.schemas.base import load
    from casework.services.applications import add_application, change_status
    from casework.transaction import commit
    case = walk_to(make_case(team.organiser), "congress_held", team)
    names = ["Đặng Thị Thu", "Bùi Văn Nam", "Vương Thị Hạnh"]
    for name in names + ["Người Bị Từ Chối"]:
        application = add_application(case, team.organiser,
                                      load(ApplicationInput(), {"full_name": name}))
        commit()
        status, reason = ("verified", "") if name in names else ("rejected", "Không đủ tuổi")
        change_status(application, team.organiser, status=status, version=application.version,
                      reason=reason)
        commit()
    answer = generate(client, team.organiser, case, "member_list")
    assert answer.status_code == 201, answer.get_json()
    written = docx_text(stored_content(app, answer.get_json()["attachment"]["id"]))
    assert all(name in written for name in names) and "Người Bị Từ Chối" not in written
    # the register's names, not the congress record's: the chair only signs
    assert written.count(CHAIR) == 1
