"""Running an import: who may import into which unit, and the loop that reads, cleans and
writes the rows a batch at a time, committing each batch (the one service that commits: an
import of 100,000 rows cannot be one transaction, and a failure must keep what came before it).
"""
from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from casework import authz
from casework.errors import Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import OrgUnit, User
from casework.services import audit
from casework.services.cases import find_organiser
from casework.services.imports import writer
from casework.services.imports.readers import Source, source_name
from casework.services.imports.report import SAMPLE_SIZE, ImportReport, RejectedRowsCsv, Rejection
from casework.services.imports.rows import RowCleaner, RowRefused, cell_text, cell_texts

log = logging.getLogger(__name__)

BATCH_SIZE = 1_000
KIND = "grassroots"
SYSTEM_NAME = "flask import enterprises"    # the history's actor of an import without a user


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
    unit = check_importer(actor, unit_code)
    assigned = find_organiser(organiser, unit) if organiser else actor
    ctx = writer.ImportContext(import_id=secrets.token_hex(8),
                               file=file_label or source_name(source), kind=KIND,
                               unit_id=unit.id, actor=audit.actor_fields(actor, SYSTEM_NAME),
                               organiser_id=assigned.id if assigned else None,
                               organiser_email=assigned.email if assigned else None)
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
            if all(cell_text(v) == "" for v in raw.values()):
                blank += 1
            else:
                try:
                    valid.append((number, cleaner.clean(raw), raw))
                except RowRefused as refusal:
                    refused.append(Rejection(number, refusal.code, refusal.reason,
                                             cell_texts(raw)))
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


def _write_with_retry(valid: list, ctx: writer.ImportContext) -> tuple[int, list[Rejection]]:
    """A case made for one of these enterprises between our check and our insert (another user,
    another import) makes the batch fail on the unique indexes: roll the batch back (the
    transaction holds nothing else, earlier batches are committed) and check again, once."""
    try:
        return writer.write_batch(valid, ctx)
    except IntegrityError:
        db.session.rollback()
        return writer.write_batch(valid, ctx)
