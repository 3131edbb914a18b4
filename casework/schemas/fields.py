"""The fields every schema is made of: each checks one value, says what is wrong in one message,
and describes itself to the OpenAPI document (the pattern, the bounds, the choices it keeps).

Convention: `message=` is an `N_`-marked msgid said for ANY failure of the field (missing, of the
wrong type, out of its bounds), formatted with the field's limits (`%(minimum)s`,
`%(maximum)s`, `%(choices)s`) and `%(label)s` (the `label=` msgid, translated); `code=` and
`status=` change the error code the API answers with (default: the schema's, `invalid` 422).
`empty=` is the value of a field given as null or "" (or absent): such a field is optional and
nullable in the document. Limits come from `casework.schemas.limits`, never a literal.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from marshmallow import ValidationError, fields, missing

from casework.schemas.base import N_, Label, Refusal
from casework.schemas.limits import IDS
from casework.text import nfc, unstorable, whole_number

# What a text refuses, as a regex class (the document's pattern says the same)
C0 = r"\u0000-\u001f"                                       # the control characters
C0_BUT_LINES = r"\u0000-\u0008\u000b\u000c\u000e-\u001f"  # ... but tab and line breaks
NUL = r"\u0000"                                              # NUL only (notes, comments)
_REFUSED = {C0: lambda ch: ord(ch) < 32,
            C0_BUT_LINES: lambda ch: ord(ch) < 32 and ch not in "\t\n\r",
            NUL: lambda ch: ch == "\x00"}


def text_pattern(refused: str, *, required: bool = False) -> str:
    """A string without the characters of `refused`; `required`: not blank (values are
    trimmed)."""
    return (f"^[^{refused}]*[^\\s{refused}][^{refused}]*$" if required
            else f"^[^{refused}]*$")


class Checked:
    """The mixin of every field here: one message for any failure, and `empty=`."""

    _NOTHING = object()
    # marshmallow's own failures (before the field's checks run), said as this module says them
    default_error_messages = {"required": N_("Required"), "null": N_("Required")}

    def __init__(self, *args, message: str | None = None, messages: dict | None = None,
                 code: str | None = None, status: int | None = None, label: str | None = None,
                 empty=_NOTHING, value_as: str | None = None, said: dict | None = None,
                 blank: bool | None = None, **kwargs):
        self.message, self.code, self.status, self.label = message, code, status, label
        self.value_as = value_as  # a message naming the value given: its variable's name
        self.said = said or {}    # more variables of the message
        # blank (null, "", spaces) refused even where the field may be left out (a change)
        self.blank = (not kwargs.get("required", False)) if blank is None else blank
        self.given = None
        self.messages = messages or {}  # a failure's own message, by the fallback's msgid
        self.empty = empty
        if empty is not Checked._NOTHING:
            kwargs.setdefault("load_default", empty)
            kwargs.setdefault("allow_none", True)
        super().__init__(*args, **kwargs)

    def variables(self) -> dict:
        out = {"label": Label(self.label)} if self.label else {}
        out.update(self.said)
        if self.value_as:
            out[self.value_as] = repr(str(self.given)[:100])
        return out

    def refuse(self, fallback: str | None = None, **variables) -> ValidationError:
        message = self.messages.get(fallback) or self.message or fallback \
            or N_("Not a valid value")
        return ValidationError([Refusal(message, self.code, self.status,
                                        **{**self.variables(), **variables})])

    def deserialize(self, value, attr=None, data=None, **kwargs):
        self.given = value   # a schema is made for each load: the field is not shared
        if self.empty is not Checked._NOTHING and (value is None or value == ""):
            return self.empty
        if value == "" and not self.blank:
            raise self.refuse(N_("Required"))
        try:
            return super().deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            if isinstance(exc.messages, list) and exc.messages and \
                    isinstance(exc.messages[0], Refusal):
                raise
            if isinstance(exc.messages, dict):  # a list's or a nested object's: keep the path
                raise
            raise self.refuse(str(exc.messages[0]) if isinstance(exc.messages, list) else None)


class Text(Checked, fields.String):
    """Trimmed NFC text without the control characters of `refused` (one line by default),
    at most `max_length` characters; `required` text may not be blank."""

    def __init__(self, *, max_length: int | None = None, refused: str = C0, **kwargs):
        self.max_length, self.refused = max_length, refused
        metadata = kwargs.pop("metadata", {})
        blank_refused = not kwargs.get("blank", not kwargs.get("required", False)) \
            and "empty" not in kwargs
        metadata.setdefault("pattern", text_pattern(refused, required=blank_refused))
        if max_length is not None:
            metadata.setdefault("maxLength", max_length)
        if blank_refused:
            metadata.setdefault("minLength", 1)
        super().__init__(metadata=metadata, **kwargs)

    def variables(self) -> dict:
        return {**super().variables(), "maximum": self.max_length}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.refuse(N_("Not text"))
        text = nfc(value)
        if not self.blank and not text:
            raise self.refuse(N_("Required"))
        if self.max_length is not None and len(text) > self.max_length:
            raise self.refuse(N_("At most %(maximum)s characters"))
        if any(_REFUSED[self.refused](ch) for ch in text) or unstorable(text):
            raise self.refuse(N_("Control characters are not allowed"))
        return text


class WholeNumber(Checked, fields.Integer):
    """An integer (or a string of digits, as a form sends it) from `minimum` to `maximum`."""

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        metadata = kwargs.pop("metadata", {})
        if minimum is not None:
            metadata.setdefault("minimum", minimum)
        if maximum is not None:
            metadata.setdefault("maximum", maximum)
        super().__init__(metadata=metadata, **kwargs)

    def variables(self) -> dict:
        return {**super().variables(), "minimum": self.minimum, "maximum": self.maximum}

    def _deserialize(self, value, attr, data, **kwargs):
        number = whole_number(value)
        if number is None:
            raise self.refuse(N_("Not a whole number"))
        if (self.minimum is not None and number < self.minimum) or \
                (self.maximum is not None and number > self.maximum):
            raise self.refuse(N_("Must be from %(minimum)s to %(maximum)s"))
        return number


class Id(WholeNumber):
    """The id of a row: 1 to the largest an id column holds."""

    def __init__(self, **kwargs):
        super().__init__(minimum=IDS.least, maximum=IDS.most, **kwargs)


class Choice(Checked, fields.String):
    """One of `choices` (strings), said in the document as an enum."""

    def __init__(self, choices, **kwargs):
        self.choices = tuple(choices)
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("enum", list(self.choices))
        super().__init__(metadata=metadata, **kwargs)

    def variables(self) -> dict:
        return {**super().variables(), "choices": ", ".join(self.choices)}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in self.choices:
            raise self.refuse(N_("Must be one of %(choices)s"))
        return value


# marks a date that may be given as "": casework/api/openapi.py documents it as a date or ""
BLANK_DATE = "x-blank-date"


class Day(Checked, fields.Date):
    """A date written YYYY-MM-DD (or a date, from a form) whose year lies in `years`."""

    def __init__(self, *, years: tuple[int, int] | None = None, **kwargs):
        self.years = years
        metadata = kwargs.pop("metadata", {})
        if years is not None:
            metadata.setdefault("pattern", year_pattern(*years))
        if "empty" in kwargs:   # may be left blank: "" as a form sends it (the document says so)
            metadata.setdefault(BLANK_DATE, True)
        super().__init__(metadata=metadata, **kwargs)

    def variables(self) -> dict:
        low, high = self.years or (None, None)
        return {**super().variables(), "minimum": low, "maximum": high}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(value.strip()) if isinstance(value, str) else None
            except ValueError:
                value = None
        if value is None:
            raise self.refuse(N_("Not a date in the form YYYY-MM-DD"))
        if self.years is not None and not self.years[0] <= value.year <= self.years[1]:
            raise self.refuse(N_("Date out of range"))
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


def year_pattern(low: int, high: int) -> str:
    """A regex of the ISO dates whose year lies from `low` to `high` (four-digit years)."""
    return "^(" + "|".join(_compress([str(y) for y in range(low, high + 1)])) + ")-"


def _compress(years: list[str]) -> list[str]:
    """['1990', ..., '2100'] -> ['199[0-9]', '20[0-9][0-9]', '2100']."""
    out, decades = [], {}
    for year in years:
        decades.setdefault(year[:3], []).append(year[3])
    centuries: dict[str, list[str]] = {}
    for decade, digits in decades.items():
        if len(digits) == 10:
            centuries.setdefault(decade[:2], []).append(decade[2])
        else:
            out.append(decade + (f"[{digits[0]}-{digits[-1]}]" if len(digits) > 1 else digits[0]))
    for century, tens in centuries.items():
        out.append(century + ("[0-9][0-9]" if len(tens) == 10
                              else f"[{tens[0]}-{tens[-1]}][0-9]" if len(tens) > 1
                              else f"{tens[0]}[0-9]"))
    return sorted(out)


class Instant(fields.DateTime):
    """A moment, written ISO 8601; SQLite hands back naive datetimes, which are stored in UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


def iso(value):
    """ISO 8601 of a date or datetime (a naive datetime is UTC), None as None."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


class Items(Checked, fields.List):
    """A list of at most `max_items` of `inner` (at least `min_items`); errors name the
    item (`cases.3`; `brackets`: `follow_ups[3]`), or, `flat`, the list itself."""

    def __init__(self, inner, *, min_items: int | None = None, max_items: int | None = None,
                 flat: bool = False, brackets: bool = False, **kwargs):
        self.min_items, self.max_items = min_items, max_items
        self.flat, self.brackets = flat, brackets
        metadata = kwargs.pop("metadata", {})
        if min_items is not None:
            metadata.setdefault("minItems", min_items)
        if max_items is not None:
            metadata.setdefault("maxItems", max_items)
        super().__init__(inner, metadata=metadata, **kwargs)

    def variables(self) -> dict:
        return {**super().variables(), "minimum": self.min_items, "maximum": self.max_items}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.refuse(N_("Not a list"))
        if (self.min_items is not None and len(value) < self.min_items) or \
                (self.max_items is not None and len(value) > self.max_items):
            raise self.refuse(N_("From %(minimum)s to %(maximum)s items"))
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            if not isinstance(exc.messages, dict):
                raise
            if self.flat:
                first = next(iter(exc.messages.values()))
                raise ValidationError(first if isinstance(first, list) else [first]) from None
            if self.brackets:
                raise ValidationError({f"[{i}]": m for i, m in exc.messages.items()}) from None
            raise


class Flag(Checked, fields.Boolean):
    """true or false (JSON booleans only: "yes" is not one)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.refuse(N_("Not true or false"))
        return value


class Anything(fields.Raw):
    """A value shown as it is stored (a JSON object of trigger data ...)."""


__all__ = ["Anything", "Checked", "Choice", "Day", "Flag", "Id", "Instant", "Items", "Text",
           "WholeNumber", "C0", "C0_BUT_LINES", "NUL", "iso", "missing", "text_pattern",
           "year_pattern"]


class JsonObject(Checked, fields.Dict):
    """A JSON object, as it is (its keys are read by whoever takes it); null: absent."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.refuse(N_("Not an object"))
        return value


class BlankOr(Checked, fields.Field):
    """`inner`, or null or "" for a value not entered (as a form leaves a field): None."""

    def __init__(self, inner: fields.Field, **kwargs):
        self.inner = inner
        kwargs.setdefault("allow_none", True)
        super().__init__(empty=None, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return self.inner.deserialize(value, attr, data, **kwargs)


class Whole(fields.Nested):
    """A nested schema dumped from the object itself (a group of its attributes)."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj


def computed(function, *, nullable: bool = False, **schema):
    """An answer's field computed from the object (`function(obj)`); `schema`: what the
    OpenAPI document says of it (type, enum, items ...). Every field of an answer is there
    (required), null where `nullable`."""
    return fields.Function(function, required=True, allow_none=nullable, metadata=schema)


def given(field_class=fields.String, *, nullable: bool = False, **kwargs):
    """An answer's field read from the object's attribute (always there: required)."""
    return field_class(required=True, allow_none=nullable, **kwargs)


def derived(field: fields.Field, function) -> fields.Field:
    """`field` (a list of nested schemas ...), its value `function(obj)`: the document says
    what the field is, the function which value it has."""
    field.get_value = lambda obj, attr, accessor=None, default=missing: function(obj)
    field.required = True
    return field
