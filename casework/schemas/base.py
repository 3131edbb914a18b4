"""The base of every schema, and the one way an input is loaded: `load(SomeInput, body)`.

The convention (issue 12; every new input follows it):
- One module per area, `casework/schemas/<area>.py`, holds that area's input AND output schemas;
  their limits come from `casework/schemas/limits.py`, never a literal.
- An input schema subclasses `Schema`: unknown fields are excluded (ignored, as the API always
  did). A field of `casework.schemas.fields` says what is wrong in ONE message (`message=`, an
  `N_`-marked msgid, translated when the error is raised, with the field's limits as
  `%(minimum)s`/`%(maximum)s`...), and may carry its own error `code`/`status`.
- The API route calls `load(SomeInput, body)` and hands the typed values to the service; the
  services keep only the domain's rules (scope, state, uniqueness, guards). The first error
  (in the order the fields are declared) becomes `casework.errors.Invalid(message,
  field="dotted.path")`: the error body stays `{"error": {"code", "message", "field"}}`.
- An output schema is dumped with `dump(SomeOutput, obj, user=...)`; what it needs besides the
  object (the reader, the case) is read with `context()` in its methods.
- Both kinds document themselves: apispec's MarshmallowPlugin writes the OpenAPI components from
  them (`casework/api/openapi.py`), the route says which it takes with `casework.api.docs`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE, ValidationError
from marshmallow import Schema as MarshmallowSchema
from marshmallow.experimental.context import Context

from casework.errors import Invalid
from casework.i18n import _
from casework.workflow.definition import N_  # noqa: F401  (marks a msgid; re-exported)


class Refusal:
    """An error message translated when it is shown (in the request's language), with the code
    and status the API answers with. Fields raise it inside marshmallow's ValidationError."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None,
                 translated: bool = False, /, **variables):
        self.message, self.code, self.status, self.variables = message, code, status, variables
        self.translated = translated   # a message some check already wrote for people

    def __str__(self) -> str:
        if self.translated:
            return self.message
        variables = {k: (_(v) if isinstance(v, Label) else str(v) if isinstance(v, Refusal)
                         else v) for k, v in self.variables.items() if v is not None}
        return _(self.message, **variables) if variables else _(self.message)

    __repr__ = __str__


class Label(str):
    """A variable of a Refusal that is itself a msgid (a field's label): translated too."""


class Schema(MarshmallowSchema):
    """Unknown fields are ignored; `error_code`/`error_status` answer an error whose field does
    not say otherwise."""

    error_code = "invalid"
    error_status = 422
    error_class: type[Invalid] = Invalid

    class Meta:
        unknown = EXCLUDE


@dataclass(frozen=True)
class OneOf:
    """A body (or answer) that is one of several schemas, a named component of the OpenAPI
    document; `discriminator`: the property whose value says which."""

    name: str
    variants: tuple
    discriminator: str | None = None
    description: str | None = None


def _first_error(messages, path: tuple = ()):
    """(path, message) of the first error in marshmallow's nested error dict (or list)."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            return _first_error(value, path if key == "_schema" else path + (key,))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], path)
    return path, messages


def _dotted(path: tuple) -> str:
    """('enterprises', 0, 'name') -> 'enterprises.0.name'; a '[0]' part joins without a dot."""
    out = ""
    for part in map(str, path):
        out += part if part.startswith("[") or not out else "." + part
    return out


def load(schema: type[MarshmallowSchema] | MarshmallowSchema, data: Any, *,
         partial: bool | tuple = False, **context) -> dict:
    """The typed values of `data` (a JSON object, or query arguments), or `Invalid` naming the
    first field that is wrong. `context`: what the schema's methods read with `context()`."""
    instance = schema() if isinstance(schema, type) else schema
    try:
        with Context(context):
            return instance.load(data if data is not None else {}, partial=partial)
    except ValidationError as exc:
        path, message = _first_error(exc.messages)
        code = getattr(message, "code", None) or getattr(instance, "error_code", "invalid")
        status = getattr(message, "status", None) or getattr(instance, "error_status", 422)
        field = _dotted(path) or getattr(exc, "field_name", None)
        if field == "_schema":
            field = None
        error = getattr(instance, "error_class", Invalid)
        raise error(str(message), field=field or None, code=code, status=status) from None


def dump(schema: type[MarshmallowSchema] | MarshmallowSchema, obj: Any, *, many: bool = False,
         **context) -> Any:
    """`obj` as the API shows it; `context` (the reader ...) is read with `context()`."""
    instance = schema() if isinstance(schema, type) else schema
    with Context(context):
        return instance.dump(obj, many=many)


def context() -> dict:
    """What `load` or `dump` was given besides the data (inside a schema's methods)."""
    return Context.get(default={})
