"""How a route of the API says what it takes and answers: `@operation(...)` on the view.

    @bp.post("/cases")
    @operation(summary="Create a case", body=CaseInput, responses={201: Case, 409: None},
               tags=["cases"])
    def post_case(): ...

The decorator only stores the description on the view (`view.api_operation`);
`casework/api/openapi.py` reads it for the route's rule and writes the operation, its schemas
coming from the marshmallow schemas named here (apispec's MarshmallowPlugin). The convention:
- `body`: the input schema of the JSON body (loaded by the view with `casework.schemas.load`),
  or a `OneOf` of several; `query`: the schema of the query parameters;
- `responses`: status -> the output schema (dumped by the view), or `(schema, "description")`;
  `None` for a refusal (the shared Error schema), `(None, "description")` for an answer
  without a body (204). 400, 401 and 422 are added to every
  operation: any body holding NUL is a 400, any query parameter holding a control character a
  422 (casework.routing), and every route but the document's needs a token;
- `tags`: the group in the document; `security=[]` for the one route that needs no token.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casework.schemas.base import OneOf  # noqa: F401  (a body that is one of several schemas)


@dataclass(frozen=True)
class Operation:
    summary: str
    body: Any = None
    query: Any = None
    responses: dict = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    description: str | None = None
    body_required: bool = True
    security: list | None = None


def operation(*, summary: str, body=None, query=None, responses: dict | None = None,
              tags=(), description: str | None = None, body_required: bool = True,
              security: list | None = None):
    """Stores the route's description on the view (see the module's docstring)."""
    def mark(view):
        view.api_operation = Operation(summary=summary, body=body, query=query,
                                       responses=dict(responses or {}), tags=tuple(tags),
                                       description=description, body_required=body_required,
                                       security=security)
        return view
    return mark
