"""Write the shipped document templates (casework/documents/templates/*.docx) with python-docx.

    .venv/bin/python scripts/document_templates.py

The templates are docxtpl (Jinja inside Word) files laid out as Vietnamese administrative
documents are (Nghị định 30/2020/NĐ-CP): the issuing body and the national motto side by side
in the header, the number under the body, the place and date under the motto, Times New Roman,
A4 with margins 20/20/30/15 mm. Each Jinja tag is written inside one run, as docxtpl needs.
The variables are those casework.documents.context builds; a federation may upload its own.
"""
from __future__ import annotations

import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "casework" / "documents" / "templates"
FONT = "Times New Roman"
CENTER, RIGHT, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, \
    WD_ALIGN_PARAGRAPH.JUSTIFY


def new_document() -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    style.paragraph_format.space_after = Pt(3)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    return doc


def para(container, text: str = "", *, bold=False, italic=False, size=None, align=None,
         indent=False):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Cm(1)
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    return p


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def header(doc, *, upper: str, body: str, number: str, place_date: str = "{{ place_date }}"):
    """The issuing body (its superior above it) and the number on the left; the national motto
    and the place and date on the right."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    left.width, right.width = Cm(7), Cm(9.5)
    left.paragraphs[0].alignment = CENTER
    left.paragraphs[0].add_run(upper).font.size = Pt(12)
    para(left, body, bold=True, size=12, align=CENTER)
    para(left, "———", align=CENTER, size=8)
    para(left, number, size=13, align=CENTER)
    right.paragraphs[0].alignment = CENTER
    run = right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    run.bold, run.font.size = True, Pt(12)
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, align=CENTER)
    para(right, "———————————", align=CENTER, size=8)
    para(right, place_date, italic=True, size=13, align=CENTER)
    para(doc)


def title(doc, name: str, subject: str | None = None) -> None:
    para(doc, name, bold=True, size=14, align=CENTER)
    if subject:
        para(doc, subject, bold=True, size=13, align=CENTER)
    para(doc, "———", align=CENTER, size=8)


def names_list(doc, items: str, line: str) -> None:
    """One paragraph per item of the list `items` (docxtpl's paragraph loop)."""
    para(doc, "{%p for " + items + " %}")
    para(doc, line, indent=True)
    para(doc, "{%p endfor %}")


def table(doc, headings: list[str], cells: list[str], rows: str) -> None:
    """A bordered table: a heading row, then one row per item of `rows` (docxtpl's row loop)."""
    t = doc.add_table(rows=4, cols=len(headings))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, heading in zip(t.rows[0].cells, headings):
        cell.paragraphs[0].alignment = CENTER
        cell.paragraphs[0].add_run(heading).bold = True
    t.rows[1].cells[0].paragraphs[0].add_run("{%tr for " + rows + " %}")
    for cell, text in zip(t.rows[2].cells, cells):
        cell.paragraphs[0].add_run(text)
    t.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")


def signature(doc, *, on_behalf: str, role: str, signer: str = "{{ signer }}",
              left: str | None = None) -> None:
    para(doc)
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    lcell, rcell = t.rows[0].cells
    if left:
        lcell.paragraphs[0].add_run(left).font.size = Pt(12)
    rcell.paragraphs[0].alignment = CENTER
    rcell.paragraphs[0].add_run(on_behalf).bold = True
    para(rcell, role, bold=True, align=CENTER)
    para(rcell, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=12, align=CENTER)
    for _ in range(3):
        para(rcell)
    para(rcell, signer, bold=True, align=CENTER)


RECIPIENTS_DECISION = ("Nơi nhận:\n- Như Điều 3;\n- {{ issuer.parent }} (để báo cáo);\n"
                       "- Lưu: VT.")

# --- the dossier the executive committee files ----------------------------------------------


def cover_letter(doc) -> None:
    header(doc, upper="{{ superior.name_upper }}", body="BCH {{ union.name_upper }}",
           number="Số: ……/TTr-CĐCS")
    title(doc, "TỜ TRÌNH",
          "Đề nghị công nhận công đoàn cơ sở và Ban Chấp hành công đoàn cơ sở")
    para(doc, "Kính gửi: {{ superior.name }}", align=CENTER)
    para(doc, "Căn cứ Điều lệ Công đoàn Việt Nam và hướng dẫn thi hành Điều lệ;",
         indent=True, align=JUSTIFY)
    para(doc, "{{ congress.held_on_text|capitalize }}, tại {{ enterprise.address }}, Đại hội "
         "thành lập {{ union.name }} đã được tổ chức với {{ congress.attendance }} người lao "
         "động tham dự, trên tổng số {{ applications.total }} người lao động đã làm đơn tự "
         "nguyện gia nhập Công đoàn Việt Nam (trong đó {{ applications.vietnamese }} người lao "
         "động Việt Nam).", indent=True, align=JUSTIFY)
    para(doc, "Đại hội đã bầu đồng chí {{ congress.chair }} làm chủ tọa và bầu Ban Chấp hành "
         "công đoàn cơ sở gồm {{ committee.count }} đồng chí có tên sau:",
         indent=True, align=JUSTIFY)
    names_list(doc, "name in committee.names", "{{ loop.index }}. {{ name }}")
    para(doc, "Ban Chấp hành công đoàn cơ sở kính đề nghị {{ superior.name }} xem xét, ra "
         "quyết định công nhận {{ union.name }} và Ban Chấp hành công đoàn cơ sở nhiệm kỳ "
         "đầu tiên. Hồ sơ kèm theo gồm: danh sách đoàn viên, biên bản Đại hội, biên bản kiểm "
         "phiếu bầu cử, danh sách trích ngang Ban Chấp hành.", indent=True, align=JUSTIFY)
    signature(doc, on_behalf="TM. BAN CHẤP HÀNH", role="CHỦ TỊCH",
              signer="{{ congress.chair }}", left="Nơi nhận:\n- Như trên;\n- Lưu: BCH.")


def member_list(doc) -> None:
    header(doc, upper="{{ superior.name_upper }}", body="BCH {{ union.name_upper }}",
           number="")
    title(doc, "DANH SÁCH ĐOÀN VIÊN", "{{ union.name_upper }}")
    para(doc, "(Kèm theo Tờ trình đề nghị công nhận {{ union.name }})", italic=True,
         align=CENTER)
    table(doc, ["STT", "Họ và tên", "Ghi chú"],
          ["{{ m.no }}", "{{ m.name }}", "{{ m.note }}"], "m in members.rows")
    para(doc)
    para(doc, "Tổng số: {{ members.count_text }} đoàn viên ({{ applications.vietnamese_text }} "
         "người lao động Việt Nam, {{ applications.foreign_text }} người lao động nước ngoài).",
         indent=True)
    signature(doc, on_behalf="TM. BAN CHẤP HÀNH", role="CHỦ TỊCH",
              signer="{{ congress.chair }}")


def congress_minutes(doc) -> None:
    header(doc, upper="{{ superior.name_upper }}", body="{{ union.name_upper }}", number="")
    title(doc, "BIÊN BẢN", "Đại hội thành lập công đoàn cơ sở")
    para(doc, "Hôm nay, {{ congress.held_on_text }}, tại {{ enterprise.address }}, Đại hội "
         "thành lập {{ union.name }} được tiến hành.", indent=True, align=JUSTIFY)
    para(doc, "1. Số người lao động tham dự Đại hội: {{ congress.attendance_text }} người, trên "
         "tổng số {{ applications.total_text }} người lao động đã có đơn tự nguyện gia nhập "
         "Công đoàn Việt Nam.", indent=True, align=JUSTIFY)
    para(doc, "2. Đại hội nhất trí bầu đồng chí {{ congress.chair }} làm chủ tọa Đại hội.",
         indent=True, align=JUSTIFY)
    para(doc, "3. Đại hội đã nghe công bố danh sách người lao động gia nhập Công đoàn Việt Nam "
         "và tuyên bố thành lập công đoàn cơ sở.", indent=True, align=JUSTIFY)
    para(doc, "4. Đại hội đã bầu Ban Chấp hành công đoàn cơ sở gồm {{ committee.count }} đồng "
         "chí (kết quả tại biên bản kiểm phiếu).", indent=True, align=JUSTIFY)
    para(doc, "Biên bản được lập xong lúc …… giờ cùng ngày, đã thông qua trước Đại hội.",
         indent=True, align=JUSTIFY)
    signature(doc, on_behalf="CHỦ TỌA ĐẠI HỘI", role="", signer="{{ congress.chair }}",
              left="THƯ KÝ ĐẠI HỘI\n(Ký, ghi rõ họ tên)")


def election_minutes(doc) -> None:
    header(doc, upper="{{ superior.name_upper }}", body="{{ union.name_upper }}", number="")
    title(doc, "BIÊN BẢN KIỂM PHIẾU",
          "Bầu cử Ban Chấp hành công đoàn cơ sở nhiệm kỳ đầu tiên")
    para(doc, "Hôm nay, {{ congress.held_on_text }}, tại Đại hội thành lập {{ union.name }}, "
         "Ban Kiểm phiếu đã tiến hành kiểm phiếu bầu cử Ban Chấp hành công đoàn cơ sở.",
         indent=True, align=JUSTIFY)
    para(doc, "Số đại biểu tham dự: {{ congress.attendance_text }}. Số phiếu phát ra: ……. "
         "Số phiếu thu vào: ……. Số phiếu hợp lệ: …….", indent=True, align=JUSTIFY)
    para(doc, "Những đồng chí sau trúng cử Ban Chấp hành ({{ committee.count }} đồng chí):",
         indent=True)
    table(doc, ["STT", "Họ và tên", "Số phiếu bầu", "Tỷ lệ (%)"],
          ["{{ m.no }}", "{{ m.name }}", "", ""], "m in committee.rows")
    signature(doc, on_behalf="TM. BAN KIỂM PHIẾU", role="TRƯỞNG BAN", signer="",
              left="CHỦ TỌA ĐẠI HỘI\n\n\n\n{{ congress.chair }}")


def committee_cvs(doc) -> None:
    header(doc, upper="{{ superior.name_upper }}", body="BCH {{ union.name_upper }}",
           number="")
    title(doc, "DANH SÁCH TRÍCH NGANG", "Ban Chấp hành {{ union.name }}")
    table(doc, ["STT", "Họ và tên", "Năm sinh", "Chức vụ, nơi làm việc", "Chức danh công đoàn"],
          ["{{ m.no }}", "{{ m.name }}", "", "", "{{ m.note }}"], "m in committee.rows")
    signature(doc, on_behalf="TM. BAN CHẤP HÀNH", role="CHỦ TỊCH",
              signer="{{ congress.chair }}")


# --- what the superior union issues ---------------------------------------------------------

def _decision_header(doc, subject: str) -> None:
    header(doc, upper="{{ issuer.parent_upper }}", body="{{ issuer.name_upper }}",
           number="Số: {{ decision.number }}", place_date="{{ decision.place_date }}")
    title(doc, "QUYẾT ĐỊNH", subject)
    para(doc, "BAN THƯỜNG VỤ {{ issuer.name_upper }}", bold=True, align=CENTER)
    para(doc, "Căn cứ Luật Công đoàn năm 2024;", italic=True, indent=True, align=JUSTIFY)
    para(doc, "Căn cứ Điều lệ Công đoàn Việt Nam và Hướng dẫn thi hành Điều lệ Công đoàn Việt "
         "Nam;", italic=True, indent=True, align=JUSTIFY)


def recognition_decision(doc) -> None:
    _decision_header(doc, "Về việc công nhận công đoàn cơ sở và Ban Chấp hành {{ union.name }}")
    para(doc, "Xét Tờ trình đề nghị của Ban Chấp hành {{ union.name }} và hồ sơ kèm theo,",
         italic=True, indent=True, align=JUSTIFY)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Công nhận {{ union.name }}, trực thuộc {{ issuer.name }}, gồm "
         "{{ members.count_text }} đoàn viên.", indent=True, align=JUSTIFY)
    para(doc, "Điều 2. Công nhận Ban Chấp hành {{ union.name }} nhiệm kỳ đầu tiên gồm "
         "{{ committee.count }} đồng chí có tên sau:", indent=True, align=JUSTIFY)
    names_list(doc, "name in committee.names", "{{ loop.index }}. {{ name }}")
    para(doc, "Điều 3. Quyết định có hiệu lực kể từ {{ decision.date_text }}. Ban Chấp hành "
         "{{ union.name }} và các bộ phận có liên quan chịu trách nhiệm thi hành Quyết định "
         "này.", indent=True, align=JUSTIFY)
    signature(doc, on_behalf="TM. BAN THƯỜNG VỤ", role="", signer="{{ decision.signer }}",
              left=RECIPIENTS_DECISION)


def provisional_decision(doc) -> None:
    _decision_header(doc, "Về việc thành lập công đoàn cơ sở, kết nạp đoàn viên và chỉ định Ban "
                     "Chấp hành lâm thời {{ union.name }}")
    para(doc, "Xét đề nghị của người lao động tại {{ enterprise.name }},", italic=True,
         indent=True, align=JUSTIFY)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Thành lập {{ union.name }}, trực thuộc {{ issuer.name }}.", indent=True,
         align=JUSTIFY)
    para(doc, "Điều 2. Kết nạp {{ members.count_text }} người lao động có đơn tự nguyện là đoàn "
         "viên {{ union.name }} (danh sách kèm theo).", indent=True, align=JUSTIFY)
    para(doc, "Điều 3. Chỉ định Ban Chấp hành lâm thời {{ union.name }} gồm "
         "{{ committee.count }} đồng chí có tên sau:", indent=True, align=JUSTIFY)
    names_list(doc, "name in committee.names", "{{ loop.index }}. {{ name }}")
    para(doc, "Ban Chấp hành lâm thời hoạt động không quá 12 tháng kể từ ngày ký Quyết định này "
         "và có trách nhiệm tổ chức Đại hội công đoàn cơ sở. Quyết định có hiệu lực kể từ "
         "{{ decision.date_text }}.", indent=True, align=JUSTIFY)
    signature(doc, on_behalf="TM. BAN THƯỜNG VỤ", role="", signer="{{ decision.signer }}",
              left=RECIPIENTS_DECISION)


def establishment_decision(doc) -> None:
    _decision_header(doc, "Về việc thành lập {{ union.name }} (thí điểm) và chỉ định Ban Chấp "
                     "hành lâm thời")
    para(doc, "Căn cứ Đề án thành lập công đoàn tập đoàn thí điểm đã được phê duyệt,",
         italic=True, indent=True, align=JUSTIFY)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Thành lập {{ union.name }} (thí điểm) tại {{ enterprise.names }}.",
         indent=True, align=JUSTIFY)
    para(doc, "Điều 2. Chỉ định Ban Chấp hành lâm thời gồm {{ committee.count }} đồng chí có tên "
         "sau:", indent=True, align=JUSTIFY)
    names_list(doc, "name in committee.names", "{{ loop.index }}. {{ name }}")
    para(doc, "Điều 3. Quyết định có hiệu lực kể từ {{ decision.date_text }}.", indent=True,
         align=JUSTIFY)
    signature(doc, on_behalf="TM. BAN THƯỜNG VỤ", role="", signer="{{ decision.signer }}",
              left=RECIPIENTS_DECISION)


def announcement_record(doc) -> None:
    header(doc, upper="{{ issuer.parent_upper }}", body="{{ issuer.name_upper }}", number="",
           place_date="{{ announcement.place_date }}")
    title(doc, "BIÊN BẢN", "Công bố quyết định công nhận {{ union.name }}")
    para(doc, "Hôm nay, {{ announcement.date_text }}, tại {{ enterprise.address }}, "
         "{{ issuer.name }} tổ chức công bố Quyết định số {{ decision.number }} "
         "{{ decision.date_text }} về việc công nhận {{ union.name }} và Ban Chấp hành công "
         "đoàn cơ sở.", indent=True, align=JUSTIFY)
    para(doc, "Số đoàn viên khi thành lập: {{ announcement.founding_members_text }}.",
         indent=True, align=JUSTIFY)
    para(doc, "Ban Chấp hành gồm các đồng chí:", indent=True)
    names_list(doc, "name in committee.names", "{{ loop.index }}. {{ name }}")
    para(doc, "Biên bản được lập thành hai bản, mỗi bên giữ một bản.", indent=True)
    signature(doc, on_behalf="ĐẠI DIỆN " + "{{ issuer.name_upper }}", role="",
              signer="{{ decision.signer }}",
              left="ĐẠI DIỆN BAN CHẤP HÀNH\n\n\n\n{{ congress.chair }}")


BUILDERS = {
    "cover_letter": cover_letter, "member_list": member_list,
    "congress_minutes": congress_minutes, "election_minutes": election_minutes,
    "committee_cvs": committee_cvs, "recognition_decision": recognition_decision,
    "provisional_decision": provisional_decision, "announcement_record": announcement_record,
    "establishment_decision": establishment_decision,
}


def _fixed_zip(path: Path) -> None:
    """Rewrite the DOCX with fixed entry times, so the same script writes the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            target.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        doc = new_document()
        build(doc)
        # a fixed date in the package's properties: the same script writes the same files
        doc.core_properties.author = "casework"
        doc.core_properties.created = doc.core_properties.modified = datetime(2026, 1, 1)
        doc.save(OUT / f"{name}.docx")
        _fixed_zip(OUT / f"{name}.docx")
        print(OUT / f"{name}.docx")


if __name__ == "__main__":
    main()
