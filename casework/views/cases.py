from flask import Blueprint

bp = Blueprint("cases", __name__)


@bp.get("/")
def index():
    return "cases"
