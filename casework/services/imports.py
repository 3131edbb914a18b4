"""Importing target enterprises in bulk from CSV or XLSX (the lists provinces get from tax and
social insurance data): each valid row becomes an `identified` grassroots case of one unit.

Streaming and batched. The file is read a row at a time (the csv module, or openpyxl in
read-only mode), rows are validated in Python and written a batch at a time with set-based
INSERTs, and **each batch is committed** (the one service that commits: an import of 100,000
rows cannot be one transaction, and a failure must keep what came before it). Memory depends on
the batch size, not on the file; a failure mid-file leaves the earlier batches committed and the
report says the row to resume from.

Imported cases are indistinguishable from cases made one at a time by
`services.cases.create_case`: the same columns (version 1, state `identified`, the reference
`<province>-<year>-<id>`, the search text), an enterprise row of its own as `new_enterprise`
makes it, and one `created` audit entry each, whose data also says which import and row made
the case.

Rows are refused, never half-imported, for: a missing or bad name, tax code, province,
workforce (or women / foreign workers, ownership, sector, address); and skipped as duplicates
when the tax code repeats an earlier row of the same file or the enterprise already has an active
case. Every refused or skipped row goes to a sink (a CSV of the rejected rows) with its row
number and reason.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from casework import authz, clock
from casework.extensions import db
from casework.models import AuditEntry, Case, CaseEnterprise, Enterprise, OrgUnit, Province, User
from casework.models.enterprise import SECTORS, Ownership
from casework.errors import Invalid
from casework.i18n import _
from casework.schemas.limits import (ADDRESS_LENGTH, ENTERPRISE_NAME_LENGTH, SECTOR_LENGTH,
                                      WORKFORCE)
from casework.services import audit, tallies
from casework.services.cases import active_case_message
from casework.services.enterprises import normalise_tax_code, tax_code_with_check_digit
from casework.spreadsheet import CsvWriter, csv_value
from casework.text import nfc, search_key
from casework.workflow.definition import initial_state

log = logging.getLogger(__name__)

BATCH_SIZE = 1_000
KIND = "grassroots"
HEADER_SEARCH_ROWS = 10          # a title or a note above the header row is allowed
SNIFF_BYTES = 64 * 1024
DUPLICATE_CODES = ("duplicate_in_file", "active_case")
SYSTEM_NAME = "flask import enterprises"    # the history's actor of an import without a user


# --- the columns --------------------------------------------------------------------------------

def header_key(text) -> str:
    """'Mã số thuế', 'ma so thue', 'MA_SO_THUE ' all give 'ma so thue'."""
    return _key(str(text or ""))


@lru_cache(maxsize=4096)      # a province, an ownership, a sector: the same few on every row
def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", search_key(text)).split())


@dataclass(frozen=True)
class Column:
    key: str
    header: str              # the template's header: Vietnamese, then the key
    required: bool
    aliases: tuple[str, ...]  # accepted headers, compared by header_key
    example: str


COLUMNS: tuple[Column, ...] = (
    Column("name", "Tên doanh nghiệp (name)", True,
           ("name", "ten doanh nghiep", "ten dn", "ten", "ten cong ty", "ten don vi",
            "enterprise", "enterprise name", "company", "company name"),
           "Công ty TNHH May Hưng Thịnh"),
    Column("tax_code", "Mã số thuế (tax_code)", True,
           ("tax code", "ma so thue", "mst", "ma so doanh nghiep", "msdn", "ma so thue dn",
            "tax id"),
           tax_code_with_check_digit("031234567")),       # 0312345673: its check digit holds
    Column("province", "Tỉnh/thành phố (province)", True,
           ("province", "tinh", "tinh thanh pho", "tinh thanh", "tinh tp", "tinh thanh pho tw",
            "ma tinh", "province code", "tinh thanh pho truc thuoc trung uong"),
           "79"),
    Column("workforce", "Tổng số lao động (workforce)", True,
           ("workforce", "so lao dong", "tong so lao dong", "tong lao dong", "lao dong",
            "so ld", "tong so ld", "employees", "workers"),
           "1200"),
    Column("ownership", "Loại hình (ownership)", False,
           ("ownership", "loai hinh", "loai hinh doanh nghiep", "loai hinh dn", "so huu",
            "hinh thuc so huu", "thanh phan kinh te"),
           "fdi"),
    Column("sector", "Ngành nghề (sector)", False,
           ("sector", "nganh", "nganh nghe", "linh vuc", "nganh nghe kinh doanh",
            "nganh kinh te"),
           "textile_garment"),
    Column("address", "Địa chỉ (address)", False,
           ("address", "dia chi", "dia chi tru so", "tru so"),
           "Lô A1, KCN Tân Bình"),
    Column("women", "Lao động nữ (women)", False,
           ("women", "lao dong nu", "so lao dong nu", "nu", "so ld nu", "ld nu"),
           "850"),
    Column("foreign_workers", "Lao động nước ngoài (foreign_workers)", False,
           ("foreign workers", "lao dong nuoc ngoai", "so lao dong nuoc ngoai",
            "nguoi nuoc ngoai", "ld nuoc ngoai", "nuoc ngoai"),
           "4"),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)
_ALIASES = {header_key(alias): c.key for c in COLUMNS for alias in (c.key, *c.aliases)}


def match_header(text) -> str | None:
    """The column a header names: the whole header, or the part before or inside brackets
    ('Mã số thuế (tax_code)', 'MST (mã số thuế)')."""
    raw = str(text or "")
    candidates = [raw]
    if "(" in raw:
        before, _sep, rest = raw.partition("(")
        candidates += [before, rest.split(")")[0]]
    for candidate in candidates:
        key = _ALIASES.get(header_key(candidate))
        if key:
            return key
    return None


OWNERSHIP_ALIASES = {
    **{header_key(o.value): o.value for o in Ownership},
    "nha nuoc": "state", "doanh nghiep nha nuoc": "state", "dn nha nuoc": "state",
    "dnnn": "state", "state owned": "state", "von nha nuoc": "state",
    "tu nhan": "private", "ngoai nha nuoc": "private", "doanh nghiep tu nhan": "private",
    "dn tu nhan": "private", "dn ngoai nha nuoc": "private",
    "doanh nghiep ngoai nha nuoc": "private",
    "co von dau tu nuoc ngoai": "fdi", "von dau tu nuoc ngoai": "fdi", "dn fdi": "fdi",
    "doanh nghiep fdi": "fdi", "doanh nghiep co von dau tu nuoc ngoai": "fdi",
    "dn co von dau tu nuoc ngoai": "fdi", "foreign invested": "fdi",
    "thanh vien tap doan": "conglomerate_member", "tap doan": "conglomerate_member",
    "conglomerate": "conglomerate_member",
}
SECTOR_ALIASES = {
    **{header_key(s): s for s in SECTORS},
    "det may": "textile_garment", "may mac": "textile_garment", "textile": "textile_garment",
    "textile and garment": "textile_garment", "garment": "textile_garment",
    "da giay": "footwear", "giay da": "footwear", "dien tu": "electronics",
    "ngan hang": "banking", "xay dung": "construction", "van tai kho van": "logistics",
    "kho van": "logistics", "che bien thuc pham": "food_processing",
    "thuc pham": "food_processing", "food": "food_processing", "khac": "other",
}
PROVINCE_PREFIXES = ("thanh pho ", "tp ", "tinh ")
PROVINCE_ALIASES = {"hcm": "79", "tphcm": "79", "sai gon": "79", "ho chi minh city": "79",
                    "hn": "01", "ha noi city": "01"}


# --- reading ------------------------------------------------------------------------------------

class Source:
    """The data rows of a file, streamed: `rows()` yields (row number, values by column key).

    Row numbers are those a spreadsheet shows (the header is usually row 1)."""

    kind = ""
    header_row = 0
    mapping: dict[int, str]          # cell index -> column key
    ignored: list[str]               # headers that name no column
    total: int | None = None         # for a progress bar, in the unit position() counts

    def position(self) -> int:
        return 0

    def _raw_rows(self) -> Iterator[tuple[int, tuple]]:
        raise NotImplementedError

    def _find_header(self, first_rows: list[tuple[int, tuple]]) -> None:
        best = None
        for number, cells in first_rows:
            found = {i: match_header(v) for i, v in enumerate(cells) if match_header(v)}
            keys = set(found.values())
            if set(REQUIRED_KEYS) <= keys:
                best = (number, cells, found)
                break
            if best is None and len(keys) >= 2:
                best = (number, cells, found)
        if best is None:
            raise Invalid(_("No header row found in the first %(count)d rows: the file needs the "
                            "columns %(columns)s (see the template).", count=HEADER_SEARCH_ROWS,
                            columns=", ".join(REQUIRED_KEYS)), field="file")
        number, cells, found = best
        mapping: dict[int, str] = {}
        for index, key in found.items():
            if key not in mapping.values():      # a repeated column: the first one counts
                mapping[index] = key
        missing = [k for k in REQUIRED_KEYS if k not in mapping.values()]
        if missing:
            raise Invalid(_("Row %(row)d looks like the header but lacks the columns "
                            "%(missing)s (found: %(found)s).", row=number,
                            missing=", ".join(missing),
                            found=", ".join(mapping[i] for i in sorted(mapping))), field="file")
        self.header_row, self.mapping = number, mapping
        self.ignored = [str(v).strip() for i, v in enumerate(cells)
                        if i not in mapping and v not in (None, "") and str(v).strip()]

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        mapping = self.mapping
        for number, cells in self._raw_rows():
            if number <= self.header_row:
                continue
            yield number, {key: cells[i] if i < len(cells) else None
                           for i, key in mapping.items()}

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CsvSource(Source):
    kind = "csv"

    def __init__(self, path: Path, encoding: str, delimiter: str):
        self.path = path
        self._binary = open(path, "rb")
        self.total = path.stat().st_size
        self._text = io.TextIOWrapper(self._binary, encoding=encoding, newline="")
        self._reader = csv.reader(self._text, delimiter=delimiter)
        self._pending: list[tuple[int, tuple]] = []
        try:
            for _i in range(HEADER_SEARCH_ROWS):
                cells = next(self._reader, None)
                if cells is None:
                    break
                self._pending.append((len(self._pending) + 1, tuple(cells)))
            self._find_header(self._pending)
        except (UnicodeDecodeError, csv.Error) as exc:
            self.close()
            raise Invalid(_("The file cannot be read as CSV: %(problem)s", problem=str(exc)),
                          field="file")
        except Exception:
            self.close()
            raise

    def position(self) -> int:
        try:
            return self._binary.tell()
        except (OSError, ValueError):
            return 0

    def _raw_rows(self):
        number = 0
        for number, cells in self._pending:
            yield number, cells
        self._pending = []
        for cells in self._reader:
            number += 1
            yield number, tuple(cells)

    def close(self) -> None:
        try:
            self._text.close()
        except Exception:  # the binary file underneath may already be closed
            self._binary.close()


class XlsxSource(Source):
    kind = "xlsx"

    def __init__(self, path: Path):
        from openpyxl import load_workbook
        self.path = path
        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
            raise Invalid(_("The file is not a valid XLSX workbook. Save it from Excel as "
                            "“Excel Workbook (.xlsx)” or as “CSV UTF-8”."), field="file")
        try:
            self._sheet = self._book.worksheets[0]
            self.total = self._sheet.max_row
            self._read = 0
            self._iter = self._sheet.iter_rows(values_only=True)
            self._pending = []
            for number in range(1, HEADER_SEARCH_ROWS + 1):
                cells = next(self._iter, None)
                if cells is None:
                    break
                self._pending.append((number, tuple(cells)))
            self._find_header(self._pending)
        except Exception:
            self.close()
            raise

    def position(self) -> int:
        return self._read

    def _raw_rows(self):
        number = 0
        for number, cells in self._pending:
            self._read = number
            yield number, cells
        self._pending = []
        for cells in self._iter:
            number += 1
            self._read = number
            yield number, cells

    def close(self) -> None:
        self._book.close()


def _utf8_prefix_ok(sample: bytes) -> bool:
    """True when `sample` is UTF-8, allowing a character cut at the end of the sample."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _delimiter(sample: str) -> str:
    """',' or ';' or a tab: the one the first line that has any uses most."""
    for line in sample.splitlines()[:HEADER_SEARCH_ROWS]:
        counts = {d: line.count(d) for d in (",", ";", "\t")}
        if any(counts.values()):
            return max(counts, key=lambda d: counts[d])
    return ","


def open_source(path: str | Path) -> Source:
    """Open a CSV or XLSX file by its content (not its name); Invalid(field="file") when it is
    neither, or has no header row."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head.strip():
        raise Invalid(_("The file is empty."), field="file")
    if head.startswith(b"PK\x03\x04"):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                if "xl/workbook.xml" not in z.namelist():
                    raise Invalid(_("This is a ZIP file but not an Excel workbook; upload an "
                                    ".xlsx or a CSV file."), field="file")
        return XlsxSource(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Invalid(_("This is an old Excel file (.xls), which cannot be read; save it "
                        "from Excel as “Excel Workbook (.xlsx)” or as “CSV UTF-8”."),
                      field="file")
    if head.startswith(b"%PDF") or b"\x00" in head:
        raise Invalid(_("This is not a CSV or XLSX file (it looks like a binary file); upload "
                        "the list as .xlsx or as CSV UTF-8."), field="file")
    encoding = "utf-8"
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif not _utf8_prefix_ok(head):
        raise Invalid(_("The CSV file is not in UTF-8, so Vietnamese letters would be "
                        "garbled; in Excel choose “Save as” → “CSV UTF-8 (comma delimited)”."),
                      field="file")
    sample = head.decode("utf-8", errors="ignore")
    return CsvSource(path, encoding, _delimiter(sample))


# --- validating one row -------------------------------------------------------------------------

class RowRefused(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_CONTROL = re.compile(r"[\x00-\x1f]")
_GROUPED = re.compile(r"\d{1,3}(?:[.,\u00a0 ]\d{3})+")
_INTEGRAL = re.compile(r"(\d+)[.,]0+")


def parse_count(value) -> int | None:
    """A whole number from a cell: 1200, 1200.0, '1200', '1.200', '1,200'; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value)
    if re.fullmatch(r"\d+", text, re.ASCII):
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    match = _INTEGRAL.fullmatch(text)
    return int(match.group(1)) if match else None


def _tax_code_text(value) -> str:
    """A leading zero Excel dropped (a tax code stored as a number) is put back."""
    text = _text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = text
    else:
        digits = text if re.fullmatch(r"\d+", text, re.ASCII) else ""
    if digits and len(digits) in (9, 12):
        return "0" + digits
    return text


class RowCleaner:
    """Validates rows against the provinces (read once, not once per row)."""

    def __init__(self):
        self.by_code: dict[str, tuple[int, str]] = {}
        self.by_name: dict[str, str] = dict(PROVINCE_ALIASES)
        for pid, code, name in db.session.execute(
                sa.select(Province.id, Province.code, Province.name)):
            self.by_code[code] = (pid, code)
            self.by_name[header_key(name)] = code

    def province(self, value) -> tuple[int, str]:
        text = _text(value)
        if re.fullmatch(r"\d{1,2}", text, re.ASCII):
            found = self.by_code.get(text.zfill(2))
        else:
            key = header_key(text)
            code = self.by_name.get(key)
            if code is None:
                for prefix in PROVINCE_PREFIXES:
                    if key.startswith(prefix):
                        code = self.by_name.get(key[len(prefix):])
                        break
            found = self.by_code.get(code) if code else None
        if found is None:
            if not text:
                raise RowRefused("province", _("province is required"))
            raise RowRefused("province", _("unknown province %(value)s (a code such as 79 "
                                           "or a name such as Hồ Chí Minh)",
                                           value=repr(text[:40])))
        return found

    def clean(self, values: dict[str, Any]) -> dict:
        name = nfc(_text(values.get("name")))
        if not name:
            raise RowRefused("name", _("name is required"))
        if len(name) > ENTERPRISE_NAME_LENGTH or _CONTROL.search(name):
            raise RowRefused("name", _("name must be at most %(maximum)d characters, without "
                                       "control characters", maximum=ENTERPRISE_NAME_LENGTH))
        try:
            tax_code = normalise_tax_code(_tax_code_text(values.get("tax_code")))
        except Invalid as exc:
            raise RowRefused("tax_code", exc.message)
        province_id, province_code = self.province(values.get("province"))

        raw_workforce = values.get("workforce")
        if _text(raw_workforce) == "":
            raise RowRefused("workforce", _("workforce is required"))
        workforce = parse_count(raw_workforce)
        if workforce is None or not WORKFORCE.least <= workforce <= WORKFORCE.most:
            raise RowRefused("workforce", _("workforce must be a whole number from 0 to "
                                            "%(maximum)d", maximum=WORKFORCE.most))
        part = {}
        for key in ("women", "foreign_workers"):
            raw = values.get(key)
            if _text(raw) == "":
                part[key] = None
                continue
            count = parse_count(raw)
            if count is None or not 0 <= count <= workforce:
                raise RowRefused(key, _("women must be a whole number from 0 to the workforce "
                                        "(%(workforce)d)", workforce=workforce)
                                 if key == "women" else
                                 _("foreign workers must be a whole number from 0 to the "
                                   "workforce (%(workforce)d)", workforce=workforce))
            part[key] = count

        ownership_text = _text(values.get("ownership"))
        ownership = OWNERSHIP_ALIASES.get(header_key(ownership_text)) if ownership_text \
            else Ownership.private.value
        if ownership is None:
            raise RowRefused("ownership", _("ownership must be one of %(choices)s",
                                            choices=", ".join(o.value for o in Ownership)))
        sector_text = nfc(_text(values.get("sector")))
        sector = SECTOR_ALIASES.get(header_key(sector_text), sector_text) or None
        if sector is not None and len(sector) > SECTOR_LENGTH:
            raise RowRefused("sector", _("sector must be text of at most %(maximum)d "
                                         "characters", maximum=SECTOR_LENGTH))
        address = nfc(_text(values.get("address"))) or None
        if address is not None and len(address) > ADDRESS_LENGTH:
            raise RowRefused("address", _("address must be at most %(maximum)d characters",
                                          maximum=ADDRESS_LENGTH))
        return {"name": name, "tax_code": tax_code, "province_id": province_id,
                "province_code": province_code, "workforce": workforce,
                "women": part["women"], "foreign_workers": part["foreign_workers"],
                "ownership": ownership, "sector": sector, "address": address}


# --- the report ---------------------------------------------------------------------------------

@dataclass
class Rejection:
    row: int
    code: str             # the field at fault, or duplicate_in_file / active_case
    reason: str           # for people, in the configured language
    values: dict[str, str]

    @property
    def skipped(self) -> bool:
        return self.code in DUPLICATE_CODES


# for people, like the template's headers: the Vietnamese name, the key in brackets
REJECTED_HEADER = ("Dòng (row)", "Mã lý do (reason_code)", "Lý do (reason)") \
    + tuple(c.header for c in COLUMNS)


class RejectedRowsCsv:
    """Writes each rejected row as it comes: row number, reason, and the row's own values under
    the template's headers (so the file, once corrected, can be imported again)."""

    def __init__(self, path: str | Path, *, append: bool = False):
        self.path = Path(path)
        exists = append and self.path.exists() and self.path.stat().st_size > 0
        self._file = open(self.path, "a" if exists else "w", encoding="utf-8-sig" if not exists
                          else "utf-8", newline="")
        self._writer = CsvWriter(self._file)
        if not exists:
            self._writer.writerow(REJECTED_HEADER)

    def add(self, rejection: Rejection) -> None:
        self._writer.writerow([rejection.row, rejection.code, rejection.reason]
                              + [rejection.values.get(k, "") for k in COLUMN_KEYS])

    def close(self) -> None:
        self._file.close()


def read_rejected(path: str | Path, *, offset: int = 0, limit: int = 50) -> list[Rejection]:
    """A page of a rejected-rows CSV, read by streaming (for the result page)."""
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for index, cells in enumerate(reader):
            if index < offset:
                continue
            if len(out) >= limit:
                break
            cells = cells + [""] * (len(REJECTED_HEADER) - len(cells))
            cells = [csv_value(c) for c in cells]
            out.append(Rejection(row=int(cells[0]) if cells[0].isdigit() else 0, code=cells[1],
                                 reason=cells[2], values=dict(zip(COLUMN_KEYS, cells[3:]))))
    return out


SAMPLE_SIZE = 20


@dataclass
class ImportReport:
    import_id: str
    file: str
    unit: str
    kind: str = ""
    start_row: int = 0
    header_row: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    created: int = 0
    skipped: int = 0        # duplicates: repeated in the file, or an active case already
    rejected: int = 0       # invalid rows
    blank: int = 0
    batches: int = 0
    committed_up_to: int = 0   # the last row of the last committed batch
    failed: str | None = None  # why the import stopped, when it did
    sample: list[Rejection] = field(default_factory=list)   # the first few, for a summary

    @property
    def read(self) -> int:
        return self.created + self.skipped + self.rejected

    @property
    def resume_row(self) -> int | None:
        return self.committed_up_to + 1 if self.failed else None

    def as_dict(self) -> dict:
        return {"import_id": self.import_id, "file": self.file, "unit": self.unit,
                "kind": self.kind, "start_row": self.start_row, "header_row": self.header_row,
                "ignored_columns": self.ignored_columns, "created": self.created,
                "skipped": self.skipped, "rejected": self.rejected, "blank": self.blank,
                "batches": self.batches, "committed_up_to": self.committed_up_to,
                "failed": self.failed, "resume_row": self.resume_row}


# --- writing a batch ----------------------------------------------------------------------------

@dataclass
class _Context:
    import_id: str
    file: str
    unit_id: int
    actor_id: int | None          # None: the system (the command line without --user)
    actor_name: str
    actor_role: str
    actor_unit: str
    organiser_id: int | None      # None: unassigned, for a supervisor to assign
    organiser_email: str | None
    state: str


def _values_of(raw: dict[str, Any]) -> dict[str, str]:
    return {k: _text(v) for k, v in raw.items()}


def write_batch(rows: list[tuple[int, dict, dict]], ctx: _Context) -> tuple[int, list[Rejection]]:
    """Create the cases of one batch of valid rows ((row, cleaned, raw) triples) with set-based
    statements; returns the number created and the duplicates skipped. Does not commit."""
    skipped: list[Rejection] = []
    first_row: dict[str, int] = {}
    unique = []
    for number, data, raw in rows:
        earlier = first_row.get(data["tax_code"])
        if earlier is not None:
            skipped.append(Rejection(number, "duplicate_in_file", _(
                "duplicate: the tax code %(tax_code)s is already on row %(row)d of this file",
                tax_code=data["tax_code"], row=earlier), _values_of(raw)))
            continue
        first_row[data["tax_code"]] = number
        unique.append((number, data, raw))
    if not unique:
        return 0, skipped

    enterprises, cases, links = (Enterprise.__table__, Case.__table__,
                                 CaseEnterprise.__table__)
    if db.session.get_bind().dialect.name == "postgresql":
        # the tables grow fast under this statement: a plan cached while they were small (a
        # sequential scan) would make every later batch slower than the one before
        db.session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
    codes = [data["tax_code"] for _n, data, _r in unique]
    active = dict(db.session.execute(
        sa.select(links.c.tax_code, Case).join(Case, Case.id == links.c.case_id)
        .where(links.c.tax_code.in_(codes), links.c.active)).all())
    made_here: dict[int, int] = {}      # case id -> row of this import that made it
    if active:
        for case_id, data in db.session.execute(
                sa.select(AuditEntry.case_id, AuditEntry.data).where(
                    AuditEntry.case_id.in_([case.id for case in active.values()]),
                    AuditEntry.action == "created")):
            made = (data or {}).get("import") or {}
            if made.get("id") == ctx.import_id:
                made_here[case_id] = made.get("row")

    actor = db.session.get(User, ctx.actor_id) if active and ctx.actor_id is not None else None
    to_create = []
    for number, data, raw in unique:
        hit = active.get(data["tax_code"])
        if hit is None:
            to_create.append((number, data))
        elif hit.id in made_here:
            skipped.append(Rejection(number, "duplicate_in_file", _(
                "duplicate: the tax code %(tax_code)s is already on row %(row)d of this file",
                tax_code=data["tax_code"], row=made_here[hit.id]), _values_of(raw)))
        else:
            skipped.append(Rejection(number, "active_case", active_case_message(
                actor, data["tax_code"], hit), _values_of(raw)))
    if not to_create:
        return 0, skipped

    # each case's enterprise is a row of its own, as services.enterprises.new_enterprise makes
    # it: what other cases recorded for the same tax code is never touched
    new = []
    for _n, d in to_create:
        d["search_text"] = search_key(f"{d['name']} {d['tax_code']}")
        new.append({"tax_code": d["tax_code"], "name": d["name"], "province_id": d["province_id"],
                    "workforce": d["workforce"], "ownership": d["ownership"],
                    "sector": d["sector"], "search_text": d["search_text"],
                    "investor_country": None, "address": d["address"],
                    "workforce_women": d["women"], "workforce_foreign": d["foreign_workers"]})
    ids = allocate_ids(enterprises, len(new))
    if ids is None:      # matched back by tax code (unique in `to_create`): so it batches
        inserted = db.session.execute(
            sa.insert(enterprises).returning(enterprises.c.id, enterprises.c.tax_code), new)
        enterprise_id = {r.tax_code: r.id for r in inserted}
    else:
        for row, new_id in zip(new, ids):
            row["id"] = new_id
        enterprise_id = {row["tax_code"]: row["id"] for row in new}
        db.session.execute(sa.insert(enterprises), new)

    # cases, as create_case makes them: the reference and search text need the id
    now = clock.now()

    def case_row(d: dict) -> dict:
        return {"kind": KIND, "state": ctx.state, "resume_state": None, "version": 1,
                "unit_id": ctx.unit_id, "organiser_id": ctx.organiser_id,
                "province_id": d["province_id"], "target_members": 0,
                "applications_vietnamese": 0, "applications_foreign": 0, "deadline": None,
                "founded_members": None, "founded_on": None, "details": {},
                "created_by_id": ctx.actor_id, "created_at": now, "updated_at": now,
                "state_changed_at": now}

    def ref_and_search(case_id: int, d: dict) -> tuple[str, str]:
        ref = f"{d['province_code']}-{now:%Y}-{case_id:06d}"
        # = search_key(f"{ref} {name} {tax_code}"): the reference is digits and dashes
        return ref, f"{ref} {d['search_text']}"

    case_ids = allocate_ids(cases, len(to_create))
    if case_ids is not None:
        rows = []
        for case_id, (_n, d) in zip(case_ids, to_create):
            ref, search = ref_and_search(case_id, d)
            rows.append({**case_row(d), "id": case_id, "ref": ref, "search_text": search})
        db.session.execute(sa.insert(cases), rows)
    else:
        # each row is matched back to its id by a provisional unique reference (asking for
        # RETURNING in the order of the rows would insert them one at a time on SQLite)
        provisional = [f"i{ctx.import_id}:{i}" for i in range(len(to_create))]
        returned = dict(db.session.execute(
            sa.insert(cases).returning(cases.c.ref, cases.c.id),
            [{**case_row(d), "ref": ref, "search_text": ""}
             for ref, (_n, d) in zip(provisional, to_create)]).all())
        case_ids = [returned[ref] for ref in provisional]
        finishing = []
        for case_id, (_n, d) in zip(case_ids, to_create):
            ref, search = ref_and_search(case_id, d)
            finishing.append({"b_id": case_id, "b_ref": ref, "b_search": search,
                              "b_updated": now})
        # written outside the ORM, so the version stays 1 and updated_at stays the creation time
        db.session.execute(
            sa.update(cases).where(cases.c.id == sa.bindparam("b_id"))
            .values(ref=sa.bindparam("b_ref"), search_text=sa.bindparam("b_search"),
                    updated_at=sa.bindparam("b_updated")), finishing)
    db.session.execute(sa.insert(links), [
        {"case_id": case_id, "enterprise_id": enterprise_id[d["tax_code"]],
         "tax_code": d["tax_code"], "position": 0, "active": True}
        for case_id, (_n, d) in zip(case_ids, to_create)])
    # the pipeline's tallies, in this batch's transaction (the INSERTs bypass the ORM events)
    tallies.add_rows(case_row(d) for _n, d in to_create)
    db.session.execute(sa.insert(AuditEntry.__table__), [
        {"case_id": case_id, "action": "created", "trigger": None, "from_state": None,
         "to_state": ctx.state, "actor_id": ctx.actor_id, "actor_name": ctx.actor_name,
         "actor_role": ctx.actor_role, "actor_unit": ctx.actor_unit, "comment": "",
         "data": {"enterprises": [d["tax_code"]], "organiser": ctx.organiser_email,
                  "import": {"id": ctx.import_id, "file": ctx.file, "row": number}},
         "created_at": now}
        for case_id, (number, d) in zip(case_ids, to_create)])
    return len(case_ids), skipped


def allocate_ids(table: sa.Table, count: int) -> list[int] | None:
    """`count` ids from the table's sequence on PostgreSQL, so rows are inserted with their ids
    by a plain executemany (an INSERT ... RETURNING of a thousand rows is several times
    slower there); None elsewhere (SQLite: INSERT ... RETURNING is fast)."""
    if db.session.get_bind().dialect.name != "postgresql" or count == 0:
        return None
    sequence = sa.func.pg_get_serial_sequence(table.name, "id")
    return list(db.session.scalars(
        sa.select(sa.func.nextval(sequence))
        .select_from(sa.func.generate_series(1, count).alias("n"))))


# --- the import ---------------------------------------------------------------------------------

def _find_unit(code) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code)) \
        if isinstance(code, str) and code.strip() else None
    if unit is None:
        raise Invalid(_("Unknown unit %(code)s", code=repr(str(code)[:40])), field="unit")
    return unit


def imports_directory() -> Path:
    """Uploads waiting for their job, and the rejected rows of each import: shared by every app
    server and worker."""
    path = Path(current_app.config.get("IMPORTS_DIR")
                or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_importer(actor: User | None, unit_code) -> OrgUnit:
    """The unit to import into, refused as create_case refuses: the importer must be an
    organiser or a supervisor, and the unit within their own unit's subtree. No actor is the
    system: the command line, run by whoever runs the server, may import into any unit."""
    unit = _find_unit(unit_code)
    if actor is not None:
        authz.require(actor, "case.create", unit)
    return unit


def import_enterprises(source: Source, actor: User | None, unit_code: str, *,
                       rejected: RejectedRowsCsv | None = None, start_row: int | None = None,
                       batch_size: int = BATCH_SIZE, organiser: str | None = None,
                       file_label: str = "",
                       progress: Callable[[int], None] | None = None) -> ImportReport:
    """Create an `identified` grassroots case of `unit_code` for each valid row of `source`.

    Authorization is checked first (DomainError, nothing written). After that the import never
    raises: each batch is committed; a failure rolls back only the batch in progress and is
    reported in `failed`, with `committed_up_to` the last row safely written (so the caller can
    say "resume with --start-row committed_up_to + 1"). Rejected and skipped rows go to
    `rejected` as their batch is committed.

    `actor` None is the system: the history says the command made the cases, and they are
    assigned to `organiser`, or to nobody until a supervisor assigns them."""
    from casework.services.cases import find_organiser
    unit = check_importer(actor, unit_code)
    assigned = find_organiser(organiser, unit) if organiser else actor
    ctx = _Context(import_id=secrets.token_hex(8), file=file_label or source_name(source),
                   unit_id=unit.id, **audit.actor_fields(actor, SYSTEM_NAME),
                   organiser_id=assigned.id if assigned else None,
                   organiser_email=assigned.email if assigned else None,
                   state=initial_state(KIND))
    report = ImportReport(import_id=ctx.import_id, file=ctx.file, unit=unit.code,
                          kind=source.kind, header_row=source.header_row,
                          ignored_columns=list(source.ignored))
    start = max(start_row or 0, source.header_row + 1)
    report.start_row = start
    report.committed_up_to = start - 1
    batch_size = max(int(batch_size), 1)
    db.session.commit()       # nothing pending: what follows commits batch by batch
    cleaner = RowCleaner()

    valid: list[tuple[int, dict, dict]] = []
    refused: list[Rejection] = []
    last_row = start - 1
    blank = 0

    def flush() -> None:
        nonlocal valid, refused, blank
        if last_row <= report.committed_up_to:
            return
        created, skipped = _write_with_retry(valid, ctx)
        db.session.commit()
        report.batches += 1
        report.created += created
        report.blank += blank
        outcome = sorted(refused + skipped, key=lambda r: r.row)
        for rejection in outcome:
            if rejection.skipped:
                report.skipped += 1
            else:
                report.rejected += 1
            if rejected is not None:
                rejected.add(rejection)
            if len(report.sample) < SAMPLE_SIZE:
                report.sample.append(rejection)
        report.committed_up_to = last_row
        valid, refused, blank = [], [], 0
        if progress is not None:
            progress(source.position())

    try:
        in_batch = 0
        for number, raw in source.rows():
            if number < start:
                continue
            last_row = number
            if all(_text(v) == "" for v in raw.values()):
                blank += 1
            else:
                try:
                    valid.append((number, cleaner.clean(raw), raw))
                except RowRefused as refusal:
                    refused.append(Rejection(number, refusal.code, refusal.reason,
                                             _values_of(raw)))
            in_batch += 1
            if in_batch >= batch_size:
                flush()
                in_batch = 0
        flush()
    except (Exception, KeyboardInterrupt) as exc:
        db.session.rollback()
        log.exception("import %s stopped after row %d", ctx.import_id, report.committed_up_to)
        report.failed = _("The import stopped at a row after %(row)d: %(problem)s",
                          row=report.committed_up_to,
                          problem=f"{type(exc).__name__}: {str(exc)[:300]}")
    return report


def _write_with_retry(valid, ctx) -> tuple[int, list[Rejection]]:
    """A case made for one of these enterprises between our check and our insert (another user,
    another import) makes the batch fail on the unique indexes: roll the batch back (the
    transaction holds nothing else, earlier batches are committed) and check again, once."""
    try:
        return write_batch(valid, ctx)
    except IntegrityError:
        db.session.rollback()
        return write_batch(valid, ctx)


def source_name(source: Source) -> str:
    return Path(getattr(source, "path", "")).name
