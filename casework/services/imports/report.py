"""What an import says: the rows it refused or skipped (`Rejection`), written as they come to a
CSV that, once corrected, can be imported again (`RejectedRowsCsv`, read back a page at a time
by `read_rejected`), and the counts of the whole import (`ImportReport`)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from casework.services.imports.columns import COLUMN_KEYS, COLUMNS
from casework.spreadsheet import CsvWriter, csv_value

DUPLICATE_CODES = ("duplicate_in_file", "active_case")
SAMPLE_SIZE = 20


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
