"""Working lists: saved case list filters, private or shared with the owner's unit, and the
built-in lists each role starts with (not rows: they follow the code and cost nothing to keep).

A shared list is seen by every user of its unit and of the unit's subtree; what it counts is
always the reader's own scope (the case list's scope rule), never the owner's.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context

from casework.errors import Conflict, Forbidden, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import SavedList, User
from casework.schemas.limits import SAVED_LISTS_PER_USER
from casework.services.queries import FILTERS, CaseFilters, case_count
from casework.workflow.definition import N_


@dataclass(frozen=True)
class BuiltinList:
    key: str
    name: str           # an N_-marked msgid, translated when shown
    filters: dict
    roles: tuple[str, ...]


BUILTIN_LISTS = (
    BuiltinList("mine", N_("My cases waiting on me"), {"organiser": "me", "open": "1"},
                ("organiser", "supervisor")),
    BuiltinList("overdue", N_("Overdue recognitions in my scope"), {"overdue": "1"},
                ("supervisor", "leader", "admin")),
    BuiltinList("stuck", N_("Stuck over 60 days"), {"no_step_days": "60"},
                ("organiser", "supervisor", "leader", "admin")),
)


@dataclass
class WorkingList:
    """What a reader sees of a list, built-in or saved."""
    id: str                   # "12" for a saved list, the key ("mine") for a built-in one
    name: str
    filters: dict
    builtin: bool
    shared: bool = False
    owner: User | None = None
    unit_code: str | None = None
    mine: bool = False        # the reader owns it: may rename or delete it
    count: int | None = None

    @property
    def case_filters(self) -> CaseFilters:
        return CaseFilters.from_args(self.filters)


def clean_filters(values: dict) -> dict:
    """The filter values worth keeping: known names, non-blank, as the case list reads them."""
    return CaseFilters.from_args({k: v for k, v in (values or {}).items() if k in FILTERS}
                                 ).as_args()


def _ancestor_ids(user: User) -> list[int]:
    return [int(part) for part in user.unit.path.strip("/").split("/") if part]


def _visible_condition(user: User):
    return sa.or_(SavedList.owner_id == user.id,
                  SavedList.unit_id.in_(_ancestor_ids(user)))


def _from_row(row: SavedList, user: User) -> WorkingList:
    return WorkingList(id=str(row.id), name=row.name, filters=clean_filters(row.filters),
                       builtin=False, shared=row.shared, owner=row.owner,
                       unit_code=row.unit.code if row.unit else None,
                       mine=row.owner_id == user.id)


def builtin_lists(user: User) -> list[WorkingList]:
    return [WorkingList(id=b.key, name=_(b.name), filters=dict(b.filters), builtin=True)
            for b in BUILTIN_LISTS if user.role in b.roles]


def lists_for(user: User, *, counted: bool = False,
              at_most: int | None = None) -> list[WorkingList]:
    """The reader's lists: built-in ones first, then saved ones by name; `counted`: each with
    its live count (one count query per list, cached for the request), counting stopped past
    `at_most` (the menu of every page: a count over a whole province costs seconds)."""
    rows = db.session.scalars(sa.select(SavedList).where(_visible_condition(user))
                              .order_by(SavedList.name, SavedList.id))
    lists = builtin_lists(user) + [_from_row(row, user) for row in rows]
    if counted:
        for item in lists:
            item.count = _cached_count(user, item, at_most)
    return lists


def _cached_count(user: User, item: WorkingList, at_most: int | None = None) -> int:
    cache = g.setdefault("working_list_counts", {}) if has_request_context() else {}
    key = (user.id, item.id, at_most)
    if key not in cache:
        cache[key] = case_count(user, item.case_filters, at_most=at_most)
    return cache[key]


def find_list(user: User, list_id: str) -> WorkingList:
    """A list the reader may see, or NotFound (a list of another unit is not said to exist)."""
    for item in builtin_lists(user):
        if item.id == list_id:
            return item
    row = _visible_row(user, list_id)
    return _from_row(row, user)


def _visible_row(user: User, list_id) -> SavedList:
    number = int(list_id) if str(list_id).isdigit() and len(str(list_id)) < 10 else None
    row = db.session.get(SavedList, number) if number else None
    if row is None or not (row.owner_id == user.id or row.unit_id in _ancestor_ids(user)):
        raise NotFound(_("No such list"))
    return row


def _owned_row(user: User, list_id) -> SavedList:
    row = _visible_row(user, list_id)
    if row.owner_id != user.id:
        raise Forbidden(_("Only the list's owner may change it"))
    return row


def save_list(user: User, *, name: str, filters: dict, shared: bool) -> WorkingList:
    owned = db.session.scalar(sa.select(sa.func.count(SavedList.id))
                              .where(SavedList.owner_id == user.id)) or 0
    if owned >= SAVED_LISTS_PER_USER:
        raise Conflict(_("You have %(count)d lists already: delete one first",
                         count=SAVED_LISTS_PER_USER), code="too_many_lists")
    row = SavedList(name=name, owner=user, filters=clean_filters(filters),
                    unit_id=user.unit_id if shared else None)
    db.session.add(row)
    db.session.flush()
    return _from_row(row, user)


def rename_list(user: User, list_id, *, name: str) -> WorkingList:
    row = _owned_row(user, list_id)
    row.name = name
    db.session.flush()
    return _from_row(row, user)


def delete_list(user: User, list_id) -> None:
    db.session.delete(_owned_row(user, list_id))
    db.session.flush()
