"""Tables as CSV (UTF-8 with a BOM, so Excel shows Vietnamese) and XLSX (openpyxl); every cell
goes through casework.spreadsheet, so no text runs as a formula.

A table is a list of header strings and an iterable of rows; the case list is read in batches
from `case_list_query` and written as it is read, never built as one list of cases.
Headers are passed in already translated (the caller runs them through gettext).
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app

from openpyxl import Workbook

from casework.extensions import db
from casework.models import User
from casework.models.enterprise import OWNERSHIP_LABELS, SECTOR_LABELS
from casework.services.pipeline import Pipeline
from casework.services.pipeline_members import member_values
from casework.services.queries import CaseFilters, case_list_query
from casework.services.targets import TargetTable
from casework.workflow.definition import KIND_LABELS, N_, STATE_LABELS, flow_for
from casework import clock
from casework.spreadsheet import CsvWriter, xlsx_row

BOM = "\ufeff"
BATCH = 500
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def vietnam_time(value: datetime) -> datetime:
    """A moment (stored in UTC) as the screen shows it, in Vietnam's time: the exports say so
    in the headers of their time columns (TIME_NOTE), Excel having no time zones."""
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    return value.astimezone(clock.VIETNAM).replace(tzinfo=None)


def _cell(value):
    if isinstance(value, datetime):
        return vietnam_time(value).strftime("%Y-%m-%d %H:%M")
    return value


def csv_stream(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The table as CSV text in chunks: the BOM and the header first, then BATCH rows a chunk."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    buffer.write(BOM)
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
        count += 1
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(target, headers: list[str], rows: Iterable[list], title: str) -> None:
    """The table as an XLSX workbook saved to `target` (a path or a binary file); write-only
    mode: rows go to disk-backed storage as they come, not into a cell tree."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(xlsx_row(sheet, [_xlsx_cell(v) for v in row]))
    workbook.save(target)


def xlsx_bytes(headers: list[str], rows: Iterable[list], title: str) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, headers, rows, title)
    return out.getvalue()


def write_table(path: Path, fmt: str, headers: list[str], rows: Iterable[list],
                title: str) -> None:
    """The table as a file of `fmt` ("csv" or "xlsx"): what an export job leaves to download."""
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(csv_stream(headers, rows))
    elif fmt == "xlsx":
        write_xlsx(path, headers, rows, title)
    else:
        raise ValueError(f"no export format {fmt!r}")


def exports_directory() -> Path:
    """Where export jobs leave their files: shared by every app server and worker."""
    path = Path(current_app.config.get("EXPORTS_DIR")
                or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _xlsx_cell(value):
    return vietnam_time(value) if isinstance(value, datetime) else value


# ---------------------------------------------------------------------------------------------
# the tables

CASE_COLUMNS = (N_("Reference"), N_("Kind"), N_("State"), N_("Province"), N_("Managing unit"),
                N_("Organiser"), N_("Enterprises"), N_("Tax codes"), N_("Sector"), N_("Ownership"),
                N_("Target members"), N_("Founded members"), N_("Founded on"),
                N_("Recognition deadline"), N_("In this state since (Vietnam time, UTC+7)"),
                N_("Last activity (Vietnam time, UTC+7)"))


def case_rows(user: User, filters: CaseFilters,
              label: Callable[[str], str] = lambda s: s) -> Iterator[list]:
    """The case list as rows, fetched BATCH at a time (yield_per streams from the cursor); codes
    (kind, state, sector, ownership) written as their labels, a person reads the file."""
    def named(table: dict, code):
        return str(table[code]) if code in table else code   # a free-text sector as typed

    query = case_list_query(user, filters).execution_options(yield_per=BATCH)
    for case in db.session.scalars(query):
        enterprises = case.enterprises
        first = enterprises[0] if enterprises else None
        states = flow_for(case.kind).labels
        yield [case.ref, label(KIND_LABELS.get(case.kind, case.kind)),
               label(states.get(case.state, case.state)),
               case.province.name, case.unit.code,
               case.organiser.email if case.organiser else None,
               "; ".join(e.name for e in enterprises),
               "; ".join(e.tax_code for e in enterprises),
               named(SECTOR_LABELS, first.sector) if first else None,
               named(OWNERSHIP_LABELS, first.ownership) if first else None,
               case.target_members, case.founded_members, case.founded_on, case.deadline,
               case.state_changed_at, case.updated_at]


def pipeline_table(result: Pipeline, label: Callable[[str], str] = lambda s: s,
                   state_labels: dict | None = None, members=None):
    """Headers and rows of the pipeline table, with its totals as the last row; by province,
    `members` (services/pipeline_members.MemberColumns) appends the members admitted in the
    year and the net growth, as the page shows them."""
    # the states as the flow counted names them ('founded' differs between flows)
    flow = result.filters.flow_def
    state_labels = state_labels or (flow.labels if flow else STATE_LABELS)
    headers = ([label(N_("Key")), label(N_("Row"))]
               + [label(state_labels[s]) for s in result.states]
               + [label(h) for h in (N_("Open cases"), N_("Expected members"),
                                     N_("Members founded in the year"),
                                     N_("Unions founded in the year"),
                                     N_("Overdue recognitions"), N_("Stuck cases"))])
    if members is not None:
        headers += [label(N_("Members admitted in the year")), label(N_("Net growth in the year"))]
    numbers = ("open", "expected_members", "founded_members", "founded_unions", "overdue",
               "stuck")

    def rows():
        for row in result.rows + [result.totals]:
            yield ([row.key, row.label if row is not result.totals else label(N_("Total"))]
                   + [row.states[s] for s in result.states]
                   + [getattr(row, n) for n in numbers]
                   + ([] if members is None else
                      member_values(members, None if row is result.totals else row.key)))
    return headers, rows()


TARGET_COLUMNS = (N_("Unit code"), N_("Unit"), N_("Year"), N_("Target: new members"),
                  N_("Target: new unions"), N_("Baseline members"), N_("Target: total members"),
                  N_("Members founded"), N_("Unions founded"), N_("Share of members target"),
                  N_("Share of unions target"), N_("Open cases"), N_("Forecast members"),
                  N_("Forecast unions"), N_("Share of the year elapsed"), N_("On track"),
                  # issue 14: what the unions' monthly reports add
                  N_("Members admitted"), N_("Members who left"), N_("Net growth"),
                  N_("Members now"), N_("Members now: unions never reported"))


def target_table(table: TargetTable, label: Callable[[str], str] = lambda s: s):
    headers = [label(h) for h in TARGET_COLUMNS]

    def rows():
        for p in table.rows:
            yield [p.unit_code, p.unit_name, table.year, p.target_members, p.target_unions,
                   p.baseline_members, p.total_target, p.founded_members, p.founded_unions,
                   None if p.members_share is None else round(p.members_share, 4),
                   None if p.unions_share is None else round(p.unions_share, 4),
                   p.open_cases, p.forecast_members, p.forecast_unions,
                   round(table.elapsed, 4),
                   None if p.on_track is None else (label(N_("yes")) if p.on_track
                                                    else label(N_("no"))),
                   p.admitted_members, p.left_members, p.net_members, p.members_now,
                   p.members_unreported]
    return headers, rows()


def export_name(stem: str, extension: str) -> str:
    return f"{stem}-{clock.today():%Y%m%d}.{extension}"
