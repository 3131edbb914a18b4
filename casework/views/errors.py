"""Error pages for people and JSON errors for the API, with the request rolled back."""
from flask import Flask, jsonify, make_response, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from casework.extensions import db
from casework.routing import wants_json as _wants_json
from casework.errors import DomainError


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        if _wants_json():
            code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 413: "too_large"}.get(exc.code, "http_error")
            response = jsonify({"error": {"code": code, "message": exc.description}})
        else:
            response = make_response(render_template(
                "errors/error.html", status=exc.code, message=exc.description))
        # what the exception's own response carries: `Allow` on a 405 (RFC 9110),
        # `WWW-Authenticate` on a 401 ...
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, exc.code

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        """A refusal that escaped a view: show it on an error page with its status."""
        db.session.rollback()
        if _wants_json():
            body = {"error": {"code": exc.code, "message": exc.message}}
            return jsonify(body), exc.status
        return render_template("errors/error.html", status=exc.status,
                               message=exc.message), exc.status

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        if _wants_json():
            return jsonify({"error": {"code": "server_error",
                                      "message": _("Internal error; nothing was saved.")}}), 500
        return render_template("errors/error.html", status=500,
                               message=_("Something went wrong; nothing was saved.")), 500
