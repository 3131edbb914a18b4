"""The one commit of a request; a lost race at commit time is a 409, not a 500.

Work tied to the outcome of the current transaction (`on_outcome`): a counter raised only once
it commits, a file written for a row removed if that row is rolled back. A savepoint rolled back
undoes what was noted inside it; the outermost transaction ending without a commit (rollback,
a failed commit, close) undoes all the rest.

The work queued for after the commit (`after_commit`, `gather_after_commit`: the emails of the
notifications a request made, the jobs it starts) is the commit's to run, once the transaction
has ended and its connection is back in the pool, as Indico's request handler does: so no
handler sends mail or queues a job itself, and nothing of it runs when the transaction is
rolled back.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from casework.extensions import db
from casework.errors import Conflict
from casework.i18n import _

log = logging.getLogger(__name__)
_PENDING = "casework_outcome_pending"
_COMMITTED = "casework_outcome_committed"


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("Someone else changed this case in the meantime; reload it and try "
                         "again."), code="stale_version")
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This change conflicts with a record saved in the meantime "
                         "(for example a second active case for the same enterprise)."),
                       code="conflict")


def on_outcome(*, committed: Callable[[], None] | None = None,
               rolled_back: Callable[[], None] | None = None) -> None:
    """Call `committed()` once the current transaction commits, or `rolled_back()` once what
    was done here is rolled back (the savepoint it was noted in, or the whole transaction)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # noted before any query: a rollback must still end it, as a commit does
    savepoint = session.get_nested_transaction()  # None outside a savepoint
    session.info.setdefault(_PENDING, []).append((savepoint, committed, rolled_back))


def after_commit(callback: Callable[[], None]) -> None:
    """Call `callback()` once the current transaction has committed; never if it rolls back."""
    on_outcome(committed=callback)


class _Gathered:
    """One item of a batch that `gather_after_commit` runs once, with every item in it."""

    def __init__(self, run: Callable[[list], None], item: object) -> None:
        self.run, self.item = run, item


def gather_after_commit(run: Callable[[list], None], item: object) -> None:
    """Once the current transaction has committed, call `run(items)` once with every item
    gathered for `run` in it, in order (one job for all the emails of a request, not one
    each); an item noted in a savepoint that was rolled back is left out."""
    on_outcome(committed=_Gathered(run, item))


def _run_committed(callbacks: list) -> None:
    batches: dict[Callable[[list], None], list] = {}
    for callback in callbacks:
        if isinstance(callback, _Gathered):
            batches.setdefault(callback.run, []).append(callback.item)
        else:
            _run(callback)
    for run, items in batches.items():
        _run(lambda: run(items))


def _run(callback: Callable[[], None] | None) -> None:
    if callback is None:
        return
    try:
        callback()
    except Exception:  # the transaction's outcome stands; what failed after it is only logged
        log.exception("work after the end of a transaction failed")


@event.listens_for(db.session, "after_commit")
def _committed(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: what it holds still hangs on the outer transaction
    # run once the transaction has ended (_transaction_ended): its connection released, the
    # work may use the database again
    session.info[_COMMITTED] = [committed for _savepoint, committed, _rolled_back
                                in session.info.pop(_PENDING, ()) if committed is not None]


@event.listens_for(db.session, "after_soft_rollback")
def _savepoint_rolled_back(session, previous_transaction) -> None:
    if not previous_transaction.nested or not session.info.get(_PENDING):
        return
    kept = []
    for entry in session.info[_PENDING]:
        if _within(entry[0], previous_transaction):
            _run(entry[2])
        else:
            kept.append(entry)
    session.info[_PENDING] = kept


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(db.session, "after_transaction_end")
def _transaction_ended(session, transaction) -> None:
    if transaction.parent is not None:
        return
    # after a commit, what waited on it; else (nothing is pending after a commit) the undoing
    _run_committed(session.info.pop(_COMMITTED, []))
    for _savepoint, _committed, rolled_back in session.info.pop(_PENDING, ()):
        _run(rolled_back)
