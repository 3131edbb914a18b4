"""Importing a register from CSV/XLSX."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from casework.errors import Invalid
from casework.extensions import db
from casework.models import CaseApplication
from casework.services.application_import import import_register, template_xlsx
from tests.helpers import make_case, make_team


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def case(team):
    return make_case(team.organiser)


def test_a_csv_with_vietnamese_headers_and_a_bad_row(tmp_path, team, case):
    path = tmp_path / "so.csv"
    path.write_text("Danh sách đơn\nHọ và tên;Điện thoại;Quốc tịch;HĐLĐ từ 12 tháng\n"
                    "Nguyễn Thị Lan;0912345678;VN;\n;;;\nKim Min;;KR;có\n"
                    "Park Ji;;KR;\nLan Nguyễn;12;VN;\n", encoding="utf-8-sig")
    report = import_register(case, team.organiser, path)
    assert (report.created, report.rejected, report.blank) == (2, 2, 1)
    assert [(r.row, r.code) for r in report.rejections] == [(6, "contract_12_months"),
                                                            (7, "phone")]
    phones = db.session.scalars(sa.select(CaseApplication.phone).order_by(CaseApplication.id))
    assert list(phones) == ["+84912345678", None]


def test_the_template_imports_as_it_is(tmp_path, team, case):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(template_xlsx())
    report = import_register(case, team.organiser, path)
    assert (report.created, report.rejected) == (1, 0)
    assert db.session.scalar(sa.select(CaseApplication.full_name)) == "Nguyễn Thị Lan"


def test_a_file_without_the_name_column_is_refused(tmp_path, team, case):
    book = Workbook()
    book.active.append(["Tên doanh nghiệp", "Mã số thuế"])
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "x.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(Invalid) as refused:
        import_register(case, team.organiser, path)
    assert refused.value.field == "file"
