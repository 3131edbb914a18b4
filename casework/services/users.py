"""Users, and the personal API tokens they authenticate the API with."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta, timezone

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from zxcvbn import zxcvbn

from casework import clock
from casework.extensions import db
from casework.models import ApiToken, OrgUnit, Role, User
from casework.errors import Conflict, Invalid
from casework.i18n import _
from casework.schemas.limits import NAME_LENGTH, PASSWORD_LENGTH
from casework.text import nfc
from casework.workflow.definition import N_

# zxcvbn's score 3, "safely unguessable": about 10**8 guesses or more. It knows English words,
# names, keyboard patterns, dates and common passwords; these words of the app and of Vietnamese
# count as guessable too, with the user's own email and name
MIN_STRENGTH = 3
OWN_WORDS = ("casework", "matkhau", "congdoan", "vietnam", "ldld", "vgcl")
TOKEN_DAYS = 365


# email_validator explains in English only: its usual reasons, in the catalogue; others are
# summed up by the general message
EMAIL_REASONS = frozenset((
    N_("An email address must have an @-sign."),
    N_("There must be something before the @-sign."),
    N_("There must be something after the @-sign."),
    N_("The part after the @-sign is not valid. It should have a period."),
    N_("The part after the @-sign is not valid. It is not within a valid top-level domain."),
    N_("An email address cannot have two periods in a row."),
    N_("The email address contains invalid characters before the @-sign."),
    N_("There can't be anything after the email address."),
))


def clean_email(raw) -> str:
    try:
        return validate_email(str(raw or ""), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        reason = str(exc)
        if reason not in EMAIL_REASONS:
            raise Invalid(_("Not a valid email address (write it as name@example.vn)."),
                          field="email") from None
        raise Invalid(_("Not a valid email address: %(reason)s", reason=_(reason)),
                      field="email") from None


def create_user(*, email, name, role, unit_code, password) -> User:
    email = clean_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(_("A user with the email %(email)s already exists", email=email),
                       field="email")
    user = User(email=email)
    update_user(user, name=name, role=role, unit_code=unit_code, active=True)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, name, role, unit_code, active: bool) -> User:
    name = nfc(name)
    if not name or len(name) > NAME_LENGTH:
        raise Invalid(_("A name of at most %(maximum)d characters is required",
                        maximum=NAME_LENGTH),
                      field="name")
    if role not in [r.value for r in Role]:
        raise Invalid(_("Role must be one of %(choices)s",
                        choices=", ".join(r.value for r in Role)), field="role")
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == unit_code)) \
        if isinstance(unit_code, str) else None
    if unit is None:
        raise Invalid(_("Unknown unit %(code)s", code=repr(str(unit_code)[:40])), field="unit")
    if user.active and not active:
        user.end_sessions()
    user.name, user.role, user.unit, user.active = name, role, unit, active
    return user


def set_password(user: User, password) -> None:
    """Every way a password is set comes here (the CLI, the admin forms)."""
    if not isinstance(password, str) or len(password) < PASSWORD_LENGTH.least:
        raise Invalid(_("The password needs at least %(minimum)d characters",
                        minimum=PASSWORD_LENGTH.least), field="password")
    if _guessable(user, password):
        raise Invalid(_("This password is too easy to guess: it is a common password, word or "
                        "name, or a simple pattern. Choose a longer one, for example a few "
                        "unrelated words."), field="password")
    user.set_password(password)


def _guessable(user: User, password: str) -> bool:
    own = [v for v in (user.email, (user.email or "").partition("@")[0], user.name) if v]
    # zxcvbn refuses more than 72 characters; what follows can only make it stronger
    return zxcvbn(password[:72], user_inputs=own + list(OWN_WORDS))["score"] < MIN_STRENGTH


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, days: int = TOKEN_DAYS) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash(token),
                            expires_at=clock.now() + timedelta(days=days)))
    db.session.flush()
    return token


def revoke_tokens(user: User) -> int:
    result = db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now()))
    return result.rowcount


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    expires = row.expires_at
    if expires is not None:
        if expires.tzinfo is None:  # SQLite gives naive datetimes back
            expires = expires.replace(tzinfo=timezone.utc)
        if expires < clock.now():
            return None
    return row.user if row.user.active else None
