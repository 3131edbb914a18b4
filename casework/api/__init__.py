"""The JSON API under /api/v1, authenticated by personal bearer tokens."""
from flask import Blueprint, current_app, g, jsonify, request

from casework import authz
from casework.extensions import csrf, db
from casework.routing import page_number
from casework.schemas.limits import PAGES
from casework.errors import DomainError
from casework.i18n import _
from casework.schemas.base import dump
from casework.text import unstorable
from casework.services.transitions import allowed_triggers
from casework.services.users import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies are read here: a bearer token is not sent by a browser on its own


def error(code: str, message: str, status: int, field: str | None = None,
          details: dict | None = None):
    body = {"error": {"code": code, "message": message, **(details or {})}}
    if field:
        body["error"]["field"] = field
    return jsonify(body), status


def public(view):
    """Marks a view of the API that needs no token (only the OpenAPI document)."""
    view.api_public = True
    return view


@bp.before_request
def authenticate():
    if getattr(current_app.view_functions.get(request.endpoint), "api_public", False):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        return error("unauthorized", _("A valid API token is required "
                                       "(Authorization: Bearer <token>)"), 401)
    g.api_user = user


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    return error(exc.code, exc.message, exc.status, exc.field, exc.details)


def _page_arg(name: str, default: int, maximum: int) -> int:
    number = page_number(name, default, maximum)
    if number is None:
        raise DomainError(_("%(name)s must be a whole number from 1 to %(maximum)d", name=name,
                            maximum=maximum), code="bad_request", status=400, field=name)
    return number


def answer(schema, obj, **context):
    """`obj` as `schema` dumps it (casework/schemas), for the token's user: what a reader may
    see and do is said by the functions given to the schema here."""
    return dump(schema, obj, user=g.api_user, authz=authz, triggers=allowed_triggers, **context)


def paginated(query, page_schema, default_per_page: int = 25):
    """`{"items", "total", "page", "per_page"}` for a select(), from ?page= and ?per_page=
    (`page_schema`: casework.schemas.answers.page_of)."""
    page = _page_arg("page", 1, PAGES.most)
    per_page = _page_arg("per_page", default_per_page, current_app.config["API_MAX_PER_PAGE"])
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return jsonify(answer(page_schema, {"items": result.items, "total": result.total,
                                        "page": page, "per_page": per_page}))


def _unstorable_path(value, path: str = "") -> str | None:
    """The dotted path of the first key or string in a JSON value that cannot be stored."""
    stack = [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if unstorable(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if unstorable(key):
                    return path or "(a key)"
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}" if path else str(i))
                         for i, item in enumerate(value))
    return None


def json_body() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested too deep for the parser: no body of this API is
        body = None
    if isinstance(body, dict):
        where = _unstorable_path(body)
        if where is not None:
            raise DomainError(_("Text must not contain NUL characters or unpaired surrogates"),
                              code="bad_request", status=400, field=where[:200])
    if not isinstance(body, dict):
        raise DomainError(_("The request body must be a JSON object"), code="bad_request",
                          status=400)
    return body


from casework.api import (  # noqa: E402,F401  (routes)
    applications,
    approvals,
    bulk,  # noqa: E402,F401  (bulk actions)
    cases,
    duplicates,  # noqa: E402,F401  (the duplicates check)
    lists,  # noqa: E402,F401  (working lists)
    membership,  # noqa: E402,F401  (issue 14)
    documents,  # noqa: E402,F401  (generated documents)
    openapi,  # noqa: E402,F401  (the OpenAPI document)
    pipeline,  # noqa: E402,F401  (leadership routes)
    visits,  # noqa: E402,F401  (routes)
    workflow,
)
