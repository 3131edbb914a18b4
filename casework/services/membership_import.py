"""Importing membership reports from CSV or XLSX (issue 14), so that a federation can load the
export of its membership software.

The file is read by the enterprise import's readers (casework.services.imports: the checks of
the file, CSV in UTF-8 with any delimiter, XLSX read-only, a header found in the first rows)
with this import's own columns. Rows are taken in month order per union (a month opens with the
previous one's closing figure) and written in batches of BATCH_SIZE, each committed; the report
counts the months saved, corrected, unchanged and rejected, with the row and the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from casework.errors import DomainError, Invalid
from casework.i18n import _
from casework.models import User
from casework.schemas.base import load
from casework.schemas.limits import MONTHS_PER_IMPORT
from casework.schemas.membership import MembershipMonthInput
from casework.services import imports
from casework.services.founded_units import visible_union
from casework.services.membership import parse_month, report_month
from casework.transaction import commit

# key, the template's header (Vietnamese, the key in brackets), other names a header may have
COLUMNS = (
    ("unit", "Mã công đoàn cơ sở (unit)", ("ma cong doan co so", "ma don vi", "unit code")),
    ("month", "Tháng (month)", ("thang", "ky bao cao")),
    ("admitted_vietnamese", "Kết nạp - người Việt Nam (admitted_vietnamese)",
     ("ket nap viet nam", "ket nap")),
    ("admitted_foreign", "Kết nạp - người nước ngoài (admitted_foreign)",
     ("ket nap nuoc ngoai",)),
    ("left", "Giảm (left)", ("giam", "ra khoi to chuc")),
    ("closing", "Số đoàn viên cuối tháng (closing)", ("cuoi thang", "so doan vien")),
)
KEYS = tuple(key for key, _header, _aliases in COLUMNS)
REQUIRED = ("unit", "month", "closing")
TEMPLATE_HEADER = tuple(header for _key, header, _aliases in COLUMNS)
_ALIASES = {imports.header_key(name): key for key, header, aliases in COLUMNS
            for name in (key, header, header.split("(")[0], *aliases)}
SAMPLE = 50


def match(text) -> str | None:
    key = imports.header_key(text)
    if key in _ALIASES:
        return _ALIASES[key]
    inside = key.rsplit("(", 1)[-1].rstrip(")").strip() if "(" in key else None
    return _ALIASES.get(inside) if inside else None


def _find_header(source, first_rows) -> None:
    for number, cells in first_rows:
        found: dict[int, str] = {}
        for index, value in enumerate(cells):
            key = match(value) if value not in (None, "") else None
            if key and key not in found.values():
                found[index] = key
        if set(REQUIRED) <= set(found.values()):
            source.header_row, source.mapping, source.ignored = number, found, []
            return
    raise Invalid(_("No header row found in the first %(count)d rows: the file needs the "
                    "columns %(columns)s (see the template).", count=imports.HEADER_SEARCH_ROWS,
                    columns=", ".join(REQUIRED)), field="file")


class MembershipCsv(imports.CsvSource):
    _find_header = _find_header


class MembershipXlsx(imports.XlsxSource):
    _find_header = _find_header


def open_membership_file(path) -> imports.Source:
    """An XLSX workbook, or CSV in UTF-8 (its delimiter guessed from the first line)."""
    with open(path, "rb") as f:
        head = f.read(imports.SNIFF_BYTES)
    if not head.strip():
        raise Invalid(_("The file is empty."), field="file")
    if head.startswith(b"PK\x03\x04"):
        return MembershipXlsx(path)
    if b"\x00" in head:
        raise Invalid(_("This is not a CSV or XLSX file (it looks like a binary file); upload "
                        "the list as .xlsx or as CSV UTF-8."), field="file")
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    first = head.decode("utf-8", "ignore").splitlines()[0] if head else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    return MembershipCsv(path, encoding, delimiter)


@dataclass
class Refused:
    row: int
    unit: str
    month: str
    reason: str


@dataclass
class MembershipImport:
    saved: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    batches: int = 0
    refusals: list[Refused] = field(default_factory=list)

    def refuse(self, row: int, unit: str, month: str, reason: str) -> None:
        self.rejected += 1
        if len(self.refusals) < SAMPLE:
            self.refusals.append(Refused(row, unit, month, reason))


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m")
    return "" if value is None else str(value).strip()


def import_membership(source, actor: User, *, batch_size: int = imports.BATCH_SIZE
                      ) -> MembershipImport:
    report = MembershipImport()
    rows = []
    for number, values in source.rows():
        cells = {k: _cell(values.get(k)) for k in KEYS}
        if not any(cells.values()):
            continue
        if len(rows) >= MONTHS_PER_IMPORT:
            raise Invalid(_("At most %(count)d rows in one file", count=MONTHS_PER_IMPORT),
                          field="file")
        rows.append((number, cells))
    rows.sort(key=lambda r: (r[1]["unit"], r[1]["month"], r[0]))
    pending = 0
    for number, cells in rows:
        figures = {k: imports.parse_count(cells[k]) if cells[k] else None
                   for k in ("admitted_vietnamese", "admitted_foreign", "left", "closing")}
        try:
            month = parse_month(cells["month"])
            union = visible_union(actor, cells["unit"])
            typed = load(MembershipMonthInput, {**{k: v for k, v in figures.items()
                                                   if v is not None},
                                                "admitted_vietnamese":
                                                    figures["admitted_vietnamese"] or 0,
                                                "left": figures["left"] or 0})
            # report_month refuses before it writes anything: no savepoint is needed
            result = report_month(actor, union, month, source="import", **typed)
        except DomainError as exc:
            report.refuse(number, cells["unit"], cells["month"], exc.message)
            continue
        if result.unchanged:
            report.unchanged += 1
        elif result.corrected:
            report.corrected += 1
        else:
            report.saved += 1
        pending += 1
        if pending >= batch_size:
            commit()
            report.batches += 1
            pending = 0
    commit()
    report.batches += 1 if pending else 0
    return report
