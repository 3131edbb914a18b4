"""Cells as the app writes them into every CSV and XLSX file: the one place where text that a
spreadsheet would run as a formula is neutralised (OWASP, "CSV injection").

A text cell beginning with =, +, -, @, a tab or a carriage return is a formula to Excel and
LibreOffice. In CSV such text gets a leading apostrophe, which makes the spreadsheet read the
cell as text; text already beginning with apostrophes before one of those characters gets one
more, so `csv_value` undoes it exactly. In XLSX the text stays as it is, typed as a string
(openpyxl would store `=1+1` as a formula) and marked with Excel's own quote prefix, as when a
person types '=1+1. Numbers, dates and empty cells are written as they are.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _runs(text: str) -> bool:
    """Would run as a formula in CSV, or would after `csv_value` drops an apostrophe."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def csv_text(value: Any) -> Any:
    """A CSV cell's value: risky text with an apostrophe before it, anything else as it is."""
    return "'" + value if isinstance(value, str) and _runs(value) else value


def csv_value(text: str) -> str:
    """The text that `csv_text` was given (for reading back a file the app wrote)."""
    return text[1:] if text.startswith("'") and _runs(text) else text


class CsvWriter:
    """csv.writer whose every text cell goes through `csv_text`."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([csv_text(v) for v in row])


def xlsx_row(sheet, row: Iterable) -> list:
    """A row for `sheet.append`: every text a string cell (never a formula), risky text with
    Excel's quote prefix; other values as they are."""
    return [_xlsx_text(sheet, v) if isinstance(v, str) else v for v in row]


def _xlsx_text(sheet, text: str):
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell
