"""The schema mechanism (casework/schemas/base.py, fields.py): typed values in, the first error
out as Invalid naming its field, in the reader's language."""
from __future__ import annotations

from datetime import date

import pytest

from casework.errors import Invalid
from casework.schemas.base import N_, Schema, load
from casework.schemas.fields import Choice, Day, Items, Text, WholeNumber


class Enterprise(Schema):
    name = Text(required=True, max_length=10, message=N_("name is required"))


class Sample(Schema):
    kind = Choice(("a", "b"), required=True, message=N_("Kind must be one of %(choices)s"))
    count = WholeNumber(minimum=0, maximum=5, empty=0, code="guard_failed",
                        message=N_("Target members must be a whole number from 0 to "
                                   "%(maximum)d"))
    when = Day(years=(2000, 2100), empty=None)
    enterprises = Items(__import__("marshmallow").fields.Nested(Enterprise), empty=[])


def test_typed_values_come_out_and_unknown_fields_are_ignored(app):
    with app.test_request_context():
        assert load(Sample, {"kind": "a", "count": "3", "when": "2026-05-01", "other": 1}) == {
            "kind": "a", "count": 3, "when": date(2026, 5, 1), "enterprises": []}
        assert load(Sample, {"kind": "b", "count": None, "when": ""}) == {
            "kind": "b", "count": 0, "when": None, "enterprises": []}


def test_the_first_error_is_raised_with_its_field_message_and_code(app):
    with app.test_request_context():
        with pytest.raises(Invalid) as refused:
            load(Sample, {"kind": "c", "count": 9})
        assert (refused.value.field, refused.value.code, refused.value.status) == (
            "kind", "invalid", 422)
        assert refused.value.message == "Kind must be one of a, b"
        with pytest.raises(Invalid) as refused:
            load(Sample, {"kind": "a", "count": True})
        assert (refused.value.field, refused.value.code) == ("count", "guard_failed")
        assert refused.value.message == "Target members must be a whole number from 0 to 5"
        with pytest.raises(Invalid) as refused:
            load(Sample, {"kind": "a", "enterprises": [{"name": "x"}, {"name": " "}]})
        assert refused.value.field == "enterprises.1.name"
        with pytest.raises(Invalid) as refused:
            load(Sample, {"kind": "a", "when": "2026-02-30"})
        assert refused.value.field == "when"


def test_messages_are_translated_when_raised(app):
    with app.test_request_context(headers={"Cookie": "lang=vi"}):
        with pytest.raises(Invalid) as refused:
            load(Sample, {"kind": "c"})
        assert refused.value.message != "Kind must be one of a, b"  # the Vietnamese one
