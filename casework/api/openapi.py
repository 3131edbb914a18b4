"""The OpenAPI 3 document of the JSON API, served without a token at /api/v1/openapi.json.

The paths come from the URL map (every rule of the blueprint), each operation from the
`@operation(...)` on its view (casework/api/docs.py), and every schema from the marshmallow
schemas of casework/schemas, which the views load and dump with and which apispec's
MarshmallowPlugin writes into the components: nothing here is written by hand, so nothing can
drift from the code. tests/test_openapi.py fails when a route has no operation.
"""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow import resolver as default_resolver
from flask import current_app, jsonify
from marshmallow import fields
from werkzeug.routing import IntegerConverter

from casework.api import bp, public
from casework.api.docs import Operation, operation
from casework.routing import IdConverter
from casework.schemas.base import OneOf
from casework.schemas.fields import BLANK_DATE, C0, BlankOr, Id, WholeNumber, text_pattern
from casework.schemas.meta import Error, OpenAPIDocument

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
PREFIX = bp.url_prefix  # "/api/v1"
# a query parameter holds no control character at all (casework.routing)
QUERY_TEXT = text_pattern(C0 + r"\u007f-\u009f")

ERRORS = {
    400: ("BadRequest", "The request is malformed (not a JSON object, a body holding NUL, a "
                        "bad page number, an unknown trigger)"),
    401: ("Unauthorized", "No valid API token"),
    403: ("Forbidden", "Your role may not do this"),
    404: ("NotFound", "No such resource, or it is outside your scope"),
    409: ("Conflict", "Stale version, invalid transition, already decided, duplicate case"),
    422: ("Invalid", "Bad or missing input (a query parameter holding a control character, on "
                     "any operation), or a guard of the workflow failed; `field` names the "
                     "input"),
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


# --- the paths, from the URL map ----------------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:[a-zA-Z_][\w]*(?:\([^)]*\))?:)?([a-zA-Z_][\w]*)>")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def api_rules(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith(bp.name + ".")), key=lambda r: r.rule)


def openapi_path(rule) -> str:
    """'/api/v1/cases/<int:case_id>' -> '/cases/{case_id}' (relative to the server URL)."""
    path = _ARGUMENT.sub(r"{\1}", rule.rule)
    return path[len(PREFIX):] or "/"


def path_field(converter):
    """The field a path argument is (an id, a number within the converter's bounds, text)."""
    if isinstance(converter, IdConverter):
        return Id()
    if isinstance(converter, IntegerConverter):
        low = converter.min if converter.min is not None else (None if converter.signed else 0)
        return WholeNumber(minimum=low, maximum=converter.max)
    return fields.String()


def rule_methods(rule) -> list[str]:
    return sorted(m.lower() for m in rule.methods - IGNORED_METHODS)


def schema_name(schema) -> str | None:
    """A schema's component name: its `openapi_name`, else its class name without "Schema";
    None (written in place) for one that says `openapi_inline`."""
    cls = schema if isinstance(schema, type) else type(schema)
    if getattr(cls, "openapi_inline", False):
        return None
    return getattr(cls, "openapi_name", None) or default_resolver(cls)


class Writer:
    """Writes the operation of a decorated view (casework/api/docs.py) into the spec."""

    def __init__(self, spec: APISpec, plugin: MarshmallowPlugin, max_per_page: int):
        self.spec, self.plugin = spec, plugin
        self.max_per_page = max_per_page   # the setting API_MAX_PER_PAGE (schemas.paging.PerPage)

    def schema(self, schema) -> dict:
        """A $ref to the component of `schema` (a marshmallow schema or a OneOf), registered
        on first use."""
        if isinstance(schema, str):  # a component written by hand (not converted yet)
            return ref(schema)
        if isinstance(schema, OneOf):
            if schema.name not in self.spec.components.schemas:
                variants = [self.schema(v) for v in schema.variants]
                body = {"oneOf": variants}
                if schema.discriminator:
                    body["discriminator"] = {
                        "propertyName": schema.discriminator,
                        "mapping": {self.discriminant(v, schema.discriminator): r["$ref"]
                                    for v, r in zip(schema.variants, variants)}}
                if schema.description:
                    body["description"] = schema.description
                self.spec.components.schema(schema.name, body)
            return ref(schema.name)
        return self.plugin.converter.resolve_nested_schema(schema)

    @staticmethod
    def discriminant(schema, prop: str) -> str:
        cls = schema if isinstance(schema, type) else type(schema)
        return cls._declared_fields[prop].choices[0]

    def query(self, schema) -> list[dict]:
        params = self.plugin.converter.schema2parameters(schema, location="query")
        for param in params:  # given empty (`?year=`, as a form sends it) it is absent
            param["allowEmptyValue"] = True
            inner = param["schema"]
            inner.pop("nullable", None)  # a query string has no null: absent or empty
            if inner.get("default", 0) is None:
                del inner["default"]
            if param["name"] == "per_page":
                inner["maximum"] = self.max_per_page
            if inner.get("type") == "string" and not {"enum", "pattern"} & set(inner):
                inner["pattern"] = QUERY_TEXT
        return params

    def response(self, status: int, answer) -> dict:
        if answer is None:
            return {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
        schema, description = answer if isinstance(answer, tuple) else (answer, None)
        if schema is None:  # (None, "description"): an answer without a body (204)
            return {"description": description}
        if description is None:
            cls = schema if isinstance(schema, type) else type(schema)
            description = ((getattr(schema, "description", None) or cls.__doc__ or "OK")
                           .strip().splitlines()[0])
        return {"description": description,
                "content": {"application/json": {"schema": self.schema(schema)}}}

    def operation(self, described: Operation) -> dict:
        out: dict = {"summary": described.summary}
        if described.description:
            out["description"] = described.description
        if described.tags:
            out["tags"] = list(described.tags)
        if described.security is not None:
            out["security"] = described.security
        if described.query is not None:
            out["parameters"] = self.query(described.query)
        if described.body is not None:
            out["requestBody"] = {"required": described.body_required, "content": {
                "application/json": {"schema": self.schema(described.body)}}}
        statuses = dict(described.responses)
        if described.security != []:  # errors a route that needs a token may answer
            for status in (400, 401, 422):
                statuses.setdefault(status, None)
        out["responses"] = {str(status): self.response(status, statuses[status])
                            for status in sorted(statuses)}
        return out


def blank_or(self, field, **kwargs) -> dict:
    """casework.schemas.fields.BlankOr: its inner field's schema, or "" (null: nullable)."""
    if not isinstance(field, BlankOr):
        return {}
    return {"anyOf": [self.field2property(field.inner), {"type": "string", "maxLength": 0}]}


def build_document(app) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(
        title="casework API", version=API_VERSION, openapi_version=OPENAPI_VERSION,
        info={"description": "The campaign to found grassroots trade unions (công đoàn cơ sở): "
                             "cases, steps, transitions, approvals, visits and the leadership "
                             "pipeline. Authenticate with `Authorization: Bearer <token>` (from "
                             "`flask users token EMAIL`); this document needs none. Errors are "
                             "`{\"error\": {\"code\", \"message\"}}`."},
        servers=[{"url": PREFIX}],
        security=[{"bearerAuth": []}],
        plugins=[plugin],
    )
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A personal API token from `flask users token EMAIL`"})
    spec.components.schema("Error", schema=Error)
    for status, (name, description) in ERRORS.items():
        spec.components.response(name, {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}}})
    writer = Writer(spec, plugin, app.config["API_MAX_PER_PAGE"])
    plugin.converter.add_attribute_function(blank_or)
    paths: dict[str, dict] = {}
    for rule in api_rules(app):
        described = getattr(app.view_functions.get(rule.endpoint), "api_operation", None)
        path = paths.setdefault(openapi_path(rule), {})
        params = [{"name": name, "in": "path", "required": True,
                   "schema": plugin.converter.field2property(path_field(rule._converters[name]))}
                  for name in sorted(rule.arguments)]
        if params:
            path.setdefault("parameters", params)
        for method in rule_methods(rule):
            if described is not None:
                path[method] = {"operationId": rule.endpoint.split(".", 1)[1],
                                **writer.operation(described)}
    for path, item in paths.items():
        spec.path(path=path, operations={k: v for k, v in item.items() if k != "parameters"},
                  parameters=item.get("parameters"))
    return _blank_dates(spec.to_dict())


def _blank_dates(node):
    """A date that may be left blank (casework.schemas.fields.BLANK_DATE): the date, or ""."""
    if isinstance(node, dict):
        if node.pop(BLANK_DATE, False):
            date = {k: node.pop(k) for k in ("type", "format", "pattern") if k in node}
            node["anyOf"] = [date, {"type": "string", "maxLength": 0}]
        for value in node.values():
            _blank_dates(value)
    elif isinstance(node, list):
        for value in node:
            _blank_dates(value)
    return node


def undocumented(app, document: dict) -> list[str]:
    """'METHOD /api/v1/...' of every rule of the blueprint without an operation in `document`."""
    missing = []
    for rule in api_rules(app):
        item = document["paths"].get(openapi_path(rule), {})
        missing += [f"{m.upper()} {rule.rule}" for m in rule_methods(rule) if m not in item]
    return missing


def document_for(app) -> dict:
    cached = app.extensions.get("casework.openapi")
    if cached is None:
        cached = app.extensions["casework.openapi"] = build_document(app)
    return cached


@bp.get("/openapi.json")
@public
@operation(summary="This document (no token needed)", responses={200: OpenAPIDocument},
           tags=["meta"], security=[])
def openapi():
    """The OpenAPI document of this API; the one route that needs no token."""
    return jsonify(document_for(current_app))
