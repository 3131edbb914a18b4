"""Writing a batch of valid rows as cases, with set-based statements.

Each case gets the values `services.new_case.new_case` gives, the ones `create_case` gives a
case typed in, so an imported case equals a typed one by construction; only the writing
differs: an executemany per table for the whole batch (enterprises, cases, links, history) and
one tally statement, instead of the ORM's statements per case. Rows whose tax code repeats an
earlier row of the file, or already has an active case, are skipped, with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.i18n import _
from casework.models import AuditEntry, Case, CaseEnterprise, Enterprise, User
from casework.services import tallies
from casework.services.cases import active_case_message
from casework.services.imports.report import Rejection
from casework.services.imports.rows import cell_texts
from casework.services.new_case import NewCase, new_case


@dataclass
class ImportContext:
    """What every case of one import shares (plain values: they outlive each batch's commit)."""
    import_id: str
    file: str
    kind: str
    unit_id: int
    actor: dict                   # audit.actor_fields: the importer, or the system
    organiser_id: int | None      # None: unassigned, for a supervisor to assign
    organiser_email: str | None


def _duplicate(number: int, tax_code: str, first_row: int, raw: dict) -> Rejection:
    return Rejection(number, "duplicate_in_file", _(
        "duplicate: the tax code %(tax_code)s is already on row %(row)d of this file",
        tax_code=tax_code, row=first_row), cell_texts(raw))


def _new_rows(rows: list[tuple[int, dict, dict]], ctx: ImportContext,
              skipped: list[Rejection]) -> list[tuple[int, dict]]:
    """The rows that make a case: not repeating an earlier row of the file (in this batch or,
    through the history, an earlier one), their enterprise without an active case."""
    first_row: dict[str, int] = {}
    unique = []
    for number, data, raw in rows:
        earlier = first_row.get(data["tax_code"])
        if earlier is not None:
            skipped.append(_duplicate(number, data["tax_code"], earlier, raw))
            continue
        first_row[data["tax_code"]] = number
        unique.append((number, data, raw))
    if not unique:
        return []

    links = CaseEnterprise.__table__
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

    actor_id = ctx.actor["actor_id"]
    actor = db.session.get(User, actor_id) if active and actor_id is not None else None
    to_create = []
    for number, data, raw in unique:
        hit = active.get(data["tax_code"])
        if hit is None:
            to_create.append((number, data))
        elif hit.id in made_here:
            skipped.append(_duplicate(number, data["tax_code"], made_here[hit.id], raw))
        else:
            skipped.append(Rejection(number, "active_case", active_case_message(
                actor, data["tax_code"], hit), cell_texts(raw)))
    return to_create


def write_batch(rows: list[tuple[int, dict, dict]],
                ctx: ImportContext) -> tuple[int, list[Rejection]]:
    """Create the cases of one batch of valid rows ((row, cleaned, raw) triples); returns the
    number created and the duplicates skipped. Does not commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        # the tables grow fast under these statements: a plan cached while they were small (a
        # sequential scan) would make every later batch slower than the one before
        db.session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
    skipped: list[Rejection] = []
    to_create = _new_rows(rows, ctx, skipped)
    if not to_create:
        return 0, skipped

    now = clock.now()
    made = [new_case(kind=ctx.kind, unit_id=ctx.unit_id, enterprises=[data],
                     province_code=data["province_code"], organiser_id=ctx.organiser_id,
                     organiser_email=ctx.organiser_email, actor=ctx.actor, now=now)
            for _n, data in to_create]
    enterprise_ids = _insert_enterprises(made)
    case_ids, case_rows = _insert_cases(made, ctx)
    db.session.execute(sa.insert(CaseEnterprise.__table__), [
        link for case, case_id, enterprise_id in zip(made, case_ids, enterprise_ids)
        for link in case.link_rows(case_id, [enterprise_id])])
    # the pipeline's tallies, in this batch's transaction (the INSERTs bypass the ORM events)
    tallies.add_rows(case_rows)
    db.session.execute(sa.insert(AuditEntry.__table__), [
        case.created_entry(case_id, {"import": {"id": ctx.import_id, "file": ctx.file,
                                                "row": number}})
        for case, case_id, (number, _d) in zip(made, case_ids, to_create)])
    return len(case_ids), skipped


def _insert_enterprises(made: list[NewCase]) -> list[int]:
    """The enterprise row of each case (one each); returns their ids, in order."""
    table = Enterprise.__table__
    rows = [case.enterprises[0] for case in made]
    ids = allocate_ids(table, len(rows))
    if ids is not None:
        db.session.execute(sa.insert(table), [{**row, "id": new_id}
                                              for row, new_id in zip(rows, ids)])
        return ids
    # matched back by tax code (unique in the batch), so the INSERT stays one executemany
    inserted = db.session.execute(sa.insert(table).returning(table.c.id, table.c.tax_code), rows)
    by_code = {r.tax_code: r.id for r in inserted}
    return [by_code[row["tax_code"]] for row in rows]


def _insert_cases(made: list[NewCase], ctx: ImportContext) -> tuple[list[int], list[dict]]:
    """The cases rows, with the reference and search text their ids give; returns the ids and
    the rows (for the tallies)."""
    table = Case.__table__
    case_rows = [case.case_row() for case in made]
    case_ids = allocate_ids(table, len(made))
    if case_ids is not None:
        for row, case, case_id in zip(case_rows, made, case_ids):
            row.update(id=case_id, ref=case.reference(case_id),
                       search_text=case.search_text(case_id))
        db.session.execute(sa.insert(table), case_rows)
        return case_ids, case_rows
    # each row is matched back to its id by a provisional unique reference (asking for
    # RETURNING in the order of the rows would insert them one at a time on SQLite)
    provisional = [f"i{ctx.import_id}:{i}" for i in range(len(made))]
    returned = dict(db.session.execute(
        sa.insert(table).returning(table.c.ref, table.c.id),
        [{**row, "ref": ref, "search_text": ""}
         for ref, row in zip(provisional, case_rows)]).all())
    case_ids = [returned[ref] for ref in provisional]
    # written outside the ORM, so the version stays 1 and updated_at stays the creation time
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("b_id"))
        .values(ref=sa.bindparam("b_ref"), search_text=sa.bindparam("b_search"),
                updated_at=sa.bindparam("b_updated")),
        [{"b_id": case_id, "b_ref": case.reference(case_id),
          "b_search": case.search_text(case_id), "b_updated": case.now}
         for case, case_id in zip(made, case_ids)])
    return case_ids, case_rows


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
