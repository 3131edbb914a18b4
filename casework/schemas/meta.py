"""The shapes of the API's own answers: the OpenAPI document, the error body."""
from __future__ import annotations

from marshmallow import fields

from casework.schemas.base import Schema


class OpenAPIDocument(Schema):
    """The OpenAPI document"""

    openapi_name = "OpenAPI"
    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    paths = fields.Dict(required=True)
