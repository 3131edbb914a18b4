"""The JSON API under /api/v1, authenticated by personal bearer tokens."""
from flask import Blueprint, current_app, g, jsonify, request

from casework.extensions import csrf, db
from casework.services import DomainError
from casework.services.users import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies are read here: a bearer token is not sent by a browser on its own


def error(code: str, message: str, status: int, field: str | None = None):
    body = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    return jsonify(body), status


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        return error("unauthorized", "A valid API token is required "
                     "(Authorization: Bearer <token>)", 401)
    g.api_user = user


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    return error(exc.code, exc.message, exc.status, exc.field)


def _page_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise DomainError(f"{name} must be a whole number from 1 to {maximum}",
                          code="bad_request", status=400, field=name)
    return int(raw)


def paginated(query, to_json, default_per_page: int = 25):
    """`{"items", "total", "page", "per_page"}` for a select(), from ?page= and ?per_page=."""
    page = _page_arg("page", 1, 1_000_000)
    per_page = _page_arg("per_page", default_per_page, current_app.config["API_MAX_PER_PAGE"])
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return jsonify({"items": [to_json(item) for item in result.items], "total": result.total,
                    "page": page, "per_page": per_page})


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("The request body must be a JSON object", code="bad_request",
                          status=400)
    return body


from casework.api import approvals, cases, workflow  # noqa: E402,F401  (routes)
from casework.api import visits  # noqa: E402,F401  (routes)
from casework.api import pipeline  # noqa: E402,F401  (leadership routes)
