"""Working lists: what saving, renaming and reading a list takes and answers."""
from __future__ import annotations

from marshmallow import fields

from casework.schemas.base import N_, Schema
from casework.schemas.fields import Flag, Text
from casework.schemas.limits import FILTER_LENGTH, LIST_NAME_LENGTH
from casework.schemas.cases import FILTERS

class CaseFilterValues(Schema):
    """The case list's filter values (the query parameters of GET /cases)"""

    openapi_name = "CaseFilterValues"
    locals().update({name: Text(max_length=FILTER_LENGTH, empty=None,
                                message=N_("At most %(maximum)s characters, one line"))
                     for name in FILTERS})


class ListInput(Schema):
    """A new working list: its name, whether the unit shares it, and the filter it keeps"""

    openapi_name = "WorkingListInput"
    name = Text(required=True, max_length=LIST_NAME_LENGTH,
                message=N_("A list needs a name of at most %(maximum)s characters"))
    shared = Flag(empty=False, message=N_("shared is true or false"))
    filters = fields.Nested(CaseFilterValues, load_default=dict)


class RenameInput(Schema):
    openapi_name = "WorkingListRename"
    name = Text(required=True, max_length=LIST_NAME_LENGTH,
                message=N_("A list needs a name of at most %(maximum)s characters"))


class WorkingList(Schema):
    """A working list, built-in or saved, with its live count in the reader's scope"""

    openapi_name = "WorkingList"
    id = fields.String(required=True, metadata={
        "description": "A saved list's number, or a built-in list's key (mine, overdue, stuck)"})
    name = fields.String(required=True)
    builtin = fields.Boolean(required=True)
    shared = fields.Boolean(required=True)
    unit = fields.String(attribute="unit_code", allow_none=True,
                         metadata={"description": "The unit it is shared with"})
    owner = fields.Method("owner_email", allow_none=True)
    mine = fields.Boolean(required=True)
    filters = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    count = fields.Integer(allow_none=True)

    def owner_email(self, item):
        return item.owner.email if item.owner else None


class WorkingLists(Schema):
    """The reader's working lists"""

    openapi_name = "WorkingLists"
    items = fields.List(fields.Nested(WorkingList), required=True)
