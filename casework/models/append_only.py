"""Rows that are history: never updated or deleted through the ORM (the database refuses too,
where a migration gave it a trigger)."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session


def append_only(model, refusal: type[Exception], message: str) -> None:
    """Raise `refusal(message)` on any update or delete of a `model` row, by the unit of work
    or by a bulk UPDATE/DELETE statement (which the mapper events do not see)."""
    def refuse_change(mapper, connection, target):
        raise refusal(message)

    event.listen(model, "before_update", refuse_change)
    event.listen(model, "before_delete", refuse_change)

    @event.listens_for(Session, "do_orm_execute")
    def refuse_bulk_change(state):
        if (state.is_update or state.is_delete) \
                and getattr(state.statement.table, "name", None) == model.__tablename__:
            raise refusal(message)
