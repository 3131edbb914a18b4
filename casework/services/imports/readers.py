"""Reading an import file a row at a time: CSV (the csv module) or XLSX (openpyxl in read-only
mode), told apart by their content, not their name; the header row is looked for in the first
rows and mapped to the columns (`columns.match_header`). Memory does not depend on the file."""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path
from typing import Any, Iterator

from casework.errors import Invalid
from casework.i18n import _
from casework.services.imports.columns import REQUIRED_KEYS, match_header

HEADER_SEARCH_ROWS = 10          # a title or a note above the header row is allowed
SNIFF_BYTES = 64 * 1024


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


def source_name(source: Source) -> str:
    return Path(getattr(source, "path", "")).name
