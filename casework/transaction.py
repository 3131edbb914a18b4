"""The one commit of a request; a lost race at commit time is a 409, not a 500.

Work tied to the outcome of the current transaction (`on_outcome`): a counter raised only once
it commits, a file written for a row removed if that row is rolled back. A savepoint rolled back
undoes what was noted inside it; the outermost transaction ending without a commit (rollback,
a failed commit, close) undoes all the rest.
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
    savepoint = session.get_nested_transaction()  # None outside a savepoint
    session.info.setdefault(_PENDING, []).append((savepoint, committed, rolled_back))


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
    for _savepoint, committed, _rolled_back in session.info.pop(_PENDING, ()):
        _run(committed)


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
def _ended_without_commit(session, transaction) -> None:
    # the outermost transaction ended without a commit (after a commit the list is already gone)
    if transaction.parent is None:
        for _savepoint, _committed, rolled_back in session.info.pop(_PENDING, ()):
            _run(rolled_back)
