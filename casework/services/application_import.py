"""Importing a register from CSV/XLSX (paper forms typed into a spreadsheet).

The files are read by the enterprise import's readers (casework/services/imports/readers.py:
the same sniffing by content, encodings, delimiters, streamed rows), with this module's columns in
place of the enterprise's. Each row is loaded by ApplicationInput (the API's and the form's
schema) and added with `add_application` (the duplicate rule included); rows are committed in
batches, so memory stays bounded however long the file. The report is the import's: created,
rejected (with the row, the field at fault and why), blank.
"""
from __future__ import annotations

import codecs
import io
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from casework.errors import Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, User
from casework.schemas.applications import ApplicationInput, field_errors
from casework.schemas.limits import APPLICATIONS_PER_IMPORT
from casework.services.applications import _audit, add_application, require_register
from casework.services.imports.readers import SNIFF_BYTES, CsvSource, XlsxSource, open_source
from casework.services.imports.report import Rejection
from casework.spreadsheet import xlsx_row
from casework.text import search_key

BATCH = 200

# key -> (the template's header, accepted headers compared folded, an example)
COLUMNS = {
    "full_name": ("Họ và tên (full_name)", ("ho va ten", "ho ten", "ten", "name"),
                  "Nguyễn Thị Lan"),
    "birth_date": ("Ngày sinh (birth_date)", ("ngay sinh", "date of birth"), "1995-03-08"),
    "birth_year": ("Năm sinh (birth_year)", ("nam sinh", "year of birth"), ""),
    "gender": ("Giới tính (gender)", ("gioi tinh", "sex"), "female"),
    "nationality": ("Quốc tịch (nationality)", ("quoc tich",), "VN"),
    "contract_12_months": ("HĐLĐ từ 12 tháng (contract_12_months)",
                           ("hop dong 12 thang", "hdld tu 12 thang", "contract"), ""),
    "job": ("Công việc / bộ phận (job)", ("cong viec", "bo phan", "job", "department"),
            "Tổ may 3"),
    "phone": ("Điện thoại (phone)", ("dien thoai", "so dien thoai", "sdt", "phone"),
              "0912345678"),
    "applied_on": ("Ngày nộp đơn (applied_on)", ("ngay nop don", "ngay nop", "applied on"),
                   "2026-11-20"),
}
REQUIRED = ("full_name",)
YES = {"yes", "co", "x", "true", "1", "c"}
NO = {"no", "khong", "false", "0", "k"}


def _folded(text) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in search_key(str(text or "")))
                    .split())


_ALIASES = {_folded(alias): key for key, (header, aliases, _example) in COLUMNS.items()
            for alias in (key, header, *aliases)}


def match(text) -> str | None:
    """The column a header names: the whole header, or the part inside brackets."""
    raw = str(text or "")
    candidates = [raw]
    if "(" in raw and raw.endswith(")"):
        candidates += [raw[raw.rindex("(") + 1:-1], raw[:raw.rindex("(")]]
    for candidate in candidates:
        key = _ALIASES.get(_folded(candidate))
        if key:
            return key
    return None


class _RegisterHeader:
    """The readers' header search, with the register's columns."""

    def _find_header(self, first_rows) -> None:
        for number, cells in first_rows:
            found: dict[int, str] = {}
            for index, value in enumerate(cells):
                key = match(value)
                if key and key not in found.values():
                    found[index] = key
            if set(REQUIRED) <= set(found.values()):
                self.header_row, self.mapping, self.ignored = number, found, []
                return
        raise Invalid(_("No header row found: the file needs the column %(columns)s (see the "
                        "template).", columns=COLUMNS["full_name"][0]), field="file")


class _Csv(_RegisterHeader, CsvSource):
    pass


class _Xlsx(_RegisterHeader, XlsxSource):
    pass


def open_register_source(path: str | Path):
    """The file as rows of the register's columns (CSV or XLSX, by its content)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(b"PK\x03\x04"):
        return _Xlsx(path)
    with open(path, "rb") as f:
        sample = f.read(SNIFF_BYTES)
    if not sample.strip() or head.startswith(b"\xd0\xcf\x11\xe0") or b"\x00" in sample:
        open_source(path)  # refuses it, saying why (empty, an old .xls, binary)
    encoding = "utf-8-sig" if sample.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        # a letter cut at the end of the sample is not an error
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        raise Invalid(_("The CSV file is not in UTF-8, so Vietnamese letters would be "
                        "garbled; in Excel choose “Save as” → “CSV UTF-8 (comma delimited)”."),
                      field="file")
    # the first line that has a delimiter (a title may stand above the header)
    first = next((line for line in text.splitlines() if any(d in line for d in ",;\t")), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    return _Csv(path, encoding, delimiter)


@dataclass
class RegisterImportReport:
    created: int = 0
    rejected: int = 0
    blank: int = 0
    flagged: int = 0
    rejections: list[Rejection] = field(default_factory=list)  # the first 100


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


def _row_values(raw: dict) -> dict:
    values = {key: _cell(value) for key, value in raw.items()}
    contract = _folded(values.get("contract_12_months", ""))
    values["contract_12_months"] = True if contract in YES else False if contract in NO \
        else None
    return values


def import_register(case: Case, actor: User, path: str | Path) -> RegisterImportReport:
    """Add the file's rows to the register (channel `paper`), committing every BATCH rows."""
    require_register(actor, case)
    report = RegisterImportReport()
    with open_register_source(path) as source:
        for number, raw in source.rows():
            values = _row_values(raw)
            if not any(v not in ("", None) for v in values.values()):
                report.blank += 1
                continue
            if report.created + report.rejected >= APPLICATIONS_PER_IMPORT:
                raise Invalid(_("At most %(maximum)d applications in one import",
                                maximum=APPLICATIONS_PER_IMPORT), field="file")
            loaded, errors = field_errors(ApplicationInput, {**values, "channel": "paper"})
            if errors:
                name, message = next(iter(errors.items()))
                report.rejected += 1
                if len(report.rejections) < 100:
                    report.rejections.append(Rejection(
                        row=number, code=name, reason=message,
                        values={k: str(v) for k, v in values.items() if v is not None}))
                continue
            application = add_application(case, actor, loaded)
            report.created += 1
            report.flagged += application.duplicate_state == "flagged"
            if report.created % BATCH == 0:
                db.session.commit()
                db.session.expunge_all()
                case = db.session.get(Case, case.id)
                actor = db.session.get(User, actor.id)
    _audit(case, actor, "application_added",
           {"import": True, "created": report.created, "rejected": report.rejected})
    db.session.commit()
    return report


def template_xlsx() -> bytes:
    """The template to fill in: the headers (Vietnamese, the key in brackets), one example."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("so-dang-ky")
    sheet.append(xlsx_row(sheet, [header for header, _a, _e in COLUMNS.values()]))
    sheet.append(xlsx_row(sheet, [example for _h, _a, example in COLUMNS.values()]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
