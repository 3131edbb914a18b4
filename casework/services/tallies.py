"""The case tallies (`CaseTally`): cases and target members per (unit, province, kind, state),
kept exact in the same transaction as every change to a case.

How the tallies follow the cases:

- ORM changes (create, transitions, approvals, edits, moves, deletions): after each flush, a
  session event compares every new, changed or deleted `Case` before and after (the attribute
  history of unit_id, province_id, kind, state and target_members, still there in
  `after_flush`, with the foreign keys already synchronised from the relationships) and adds
  the difference to the tally rows with one INSERT ... ON CONFLICT DO UPDATE (`cases = cases +
  excluded.cases`), on the flush's own connection: the tallies commit or roll back with the
  change. A flush that fails (a stale version) writes no tally.
- Set-based Core INSERTs of cases (the import, the national data set) call `add_rows` with the
  rows they insert, in their transaction.
- An UPDATE or DELETE statement run through the session on the cases table that writes a
  tallied column (rare: tests, repairs) recounts every tally afterwards (`rebuild`), in the
  same transaction. Other Core statements on the cases table (the import's reference, a step's
  application counts) write no tallied column and cost nothing.
- `flask tallies rebuild` recounts them from the cases (a repair; the migration fills them).

Locks (PostgreSQL): a delta's rows are written in one statement in the sorted order of their
keys, so two transactions touching the same tally rows lock them in the same order and never
deadlock; the second waits for the first to commit and then adds to its result (READ
COMMITTED). Tally rows that reach zero stay (they are reused when a case comes back).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.models import Case, CaseTally

KEY = ("unit_id", "province_id", "kind", "state")
TRACKED = KEY + ("target_members",)

Key = tuple[int, int, str, str]


class Deltas(dict):
    """key -> [cases, target members] to add."""

    def add(self, values: Mapping, sign: int) -> None:
        key = tuple(values[name] for name in KEY)
        delta = self.setdefault(key, [0, 0])
        delta[0] += sign
        delta[1] += sign * int(values.get("target_members") or 0)

    def nonzero(self) -> list[tuple[Key, int, int]]:
        """The changes, sorted by key (the order the rows are locked in)."""
        return sorted((key, n, members) for key, (n, members) in self.items()
                      if n or members)


def apply(session: Session, deltas: Deltas) -> int:
    """Add `deltas` to the tally rows, in one statement; returns the number of rows written."""
    changes = deltas.nonzero()
    if not changes:
        return 0
    table = CaseTally.__table__
    dialect = session.get_bind(CaseTally).dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover  (casework runs on SQLite and PostgreSQL)
        raise NotImplementedError(f"case tallies on {dialect}")
    statement = insert(table).values([
        {**dict(zip(KEY, key)), "cases": n, "target_members": members}
        for key, n, members in changes])
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in KEY],
        set_={"cases": table.c.cases + statement.excluded.cases,
              "target_members": table.c.target_members + statement.excluded.target_members})
    session.execute(statement)
    return len(changes)


def add_rows(rows: Iterable[Mapping], session: Session | None = None) -> int:
    """Count cases inserted outside the ORM (dicts with at least the TRACKED columns; a missing
    target_members counts as 0). Call it in the transaction of the INSERT."""
    deltas = Deltas()
    for row in rows:
        deltas.add(row, +1)
    return apply(session or _default_session(), deltas)


def rebuild(session: Session | None = None) -> int:
    """Recount every tally from the cases (one INSERT ... SELECT ... GROUP BY); returns the
    number of tally rows. Does not commit. On PostgreSQL the tallies are locked against
    writers first, so a transition committed meanwhile is counted exactly once."""
    session = session or _default_session()
    table = CaseTally.__table__
    if session.get_bind(CaseTally).dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE case_tallies IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(sa.delete(table))
    session.execute(sa.insert(table).from_select(
        [*KEY, "cases", "target_members"], recount_query()))
    return session.scalar(sa.select(sa.func.count()).select_from(table))


def recount_query():
    """The tallies as a GROUP BY over the cases (for `rebuild`, the migration and the tests)."""
    cases = Case.__table__
    return (sa.select(*(cases.c[name] for name in KEY), sa.func.count().label("cases"),
                      sa.func.coalesce(sa.func.sum(cases.c.target_members), 0)
                      .label("target_members"))
            .group_by(*(cases.c[name] for name in KEY)))


def _default_session() -> Session:
    from casework.extensions import db
    return db.session


# --- the session events --------------------------------------------------------------------

def _before(case: Case) -> dict:
    """The tracked values of a persistent case as the database had them before this flush."""
    inspected = sa.inspect(case)
    values = {}
    for name in TRACKED:
        history = inspected.attrs[name].history
        if history.deleted:
            values[name] = history.deleted[0]
        elif history.unchanged:
            values[name] = history.unchanged[0]
        else:  # not loaded, so not changed
            values[name] = getattr(case, name)
    return values


def _now(case: Case) -> dict:
    return {name: getattr(case, name) for name in TRACKED}


def _changed(case: Case) -> bool:
    inspected = sa.inspect(case)
    return any(inspected.attrs[name].history.has_changes() for name in TRACKED)


def _before_flush(session: Session, _context, _instances) -> None:
    # a deleted case's values must be loaded before its row is gone
    for obj in session.deleted:
        if isinstance(obj, Case):
            _before(obj)


def _after_flush(session: Session, _context) -> None:
    deltas = Deltas()
    for obj in session.new:
        if isinstance(obj, Case):
            deltas.add(_now(obj), +1)
    for obj in session.dirty:
        if isinstance(obj, Case) and obj not in session.deleted and _changed(obj):
            deltas.add(_before(obj), -1)
            deltas.add(_now(obj), +1)
    for obj in session.deleted:
        if isinstance(obj, Case):
            deltas.add(_before(obj), -1)
    apply(session, deltas)


def _written_columns(statement, parameters) -> set[str] | None:
    """The columns an UPDATE writes; None when it cannot tell."""
    names = set()
    for source in (getattr(statement, "_values", None),
                   dict(getattr(statement, "_ordered_values", None) or ())):
        for key in source or ():
            names.add(getattr(key, "key", None) or getattr(key, "name", None) or str(key))
    if getattr(statement, "_multi_values", None):
        return None
    params = parameters[0] if isinstance(parameters, list) and parameters else parameters
    if isinstance(params, Mapping):
        names.update(str(k) for k in params)
    return names


def _on_execute(execute_state) -> None:
    """An UPDATE or DELETE of cases run as a statement: recount after it when it changes what
    is tallied."""
    if not (execute_state.is_update or execute_state.is_delete):
        return
    statement = execute_state.statement
    table = getattr(statement, "table", None)
    if getattr(table, "name", None) != Case.__tablename__:
        return
    if execute_state.is_update:
        written = _written_columns(statement, execute_state.parameters)
        if written is not None and not written & set(TRACKED):
            return
    result = execute_state.invoke_statement()
    rebuild(execute_state.session)
    return result


def _track_old_values(_target, value, _old, _initiator):
    return value


def register() -> None:
    """Install the session and attribute events (once per process, for every session)."""
    if sa.event.contains(Session, "after_flush", _after_flush):
        return
    sa.event.listen(Session, "before_flush", _before_flush)
    sa.event.listen(Session, "after_flush", _after_flush)
    sa.event.listen(Session, "do_orm_execute", _on_execute)
    for name in TRACKED:
        # load the old value when an expired attribute is set, so the history has it
        sa.event.listen(getattr(Case, name), "set", _track_old_values, active_history=True,
                        retval=True)
