"""Logging in and out."""
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required, login_user, logout_user

from casework.extensions import db, login_manager
from casework.forms.auth import LoginForm
from casework.models import User
from casework.security import limit_hit
from casework.transaction import commit
from casework.views import home_url

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(session_id: str):
    """The user of a session cookie, only while the cookie's generation is the user's own
    (User.get_id): a cookie copied before a logout or a password change opens nothing."""
    user_id, _colon, generation = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii()
            and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.session_generation == int(generation) else None


def _safe_next(target: str | None) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return home_url(current_user)


@bp.route("/login", methods=["GET", "POST"])
def login():  # rate-limited by casework.security
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.email == form.email.data.strip().lower()))
        if User.authenticate(user, form.password.data):
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong email or password."))
    return render_template("auth/login.html", form=form)


@bp.app_errorhandler(429)
def too_many_requests(exc):
    """Past the limit, the login page says so plainly, and for how long; the password is not
    checked."""
    whole_address, minutes = limit_hit()
    if whole_address:
        message = ngettext("Too many login attempts from your network. Try again in %(num)d "
                           "minute.", "Too many login attempts from your network. Try again "
                           "in %(num)d minutes.", minutes)
    else:
        message = ngettext("Too many login attempts for this account. Try again in %(num)d "
                           "minute.", "Too many login attempts for this account. Try again "
                           "in %(num)d minutes.", minutes)
    if request.endpoint == "auth.login":
        form = LoginForm()
        form.form_errors.append(message)
        return render_template("auth/login.html", form=form), 429
    return render_template("errors/error.html", status=429, title=_("Too many requests"),
                           message=message), 429


@bp.post("/logout")
@login_required
def logout():
    current_user.end_sessions()
    commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language/<lang>")
def language(lang: str):
    """The menu's language entries: small forms posting the CSRF token (CSRFProtect refuses a
    POST without it), since the choice is stored for the user; back to the page it came from."""
    from casework.i18n import LANGUAGES
    back = request.form.get("next") or (request.referrer and urlsplit(request.referrer).path)
    response = redirect(_safe_next(back))
    if lang in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        if current_user.is_authenticated and current_user.language != lang:
            current_user.language = lang  # follows the user to their phone and laptop
            commit()
    return response
