"""People who log in, and their personal API tokens."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from casework import clock
from casework.extensions import db
from casework.models.org import OrgUnit


def utcnow() -> datetime:
    return clock.now()


def hash_password(password: str) -> str:
    """Werkzeug's default: scrypt, N=2**15, r=8, p=1, a 16-character salt (werkzeug 3.1)."""
    return generate_password_hash(password)


@cache
def _decoy_hash() -> str:
    """A hash made like every user's, of a password nobody knows: checked when the email is
    unknown, so that the answer takes as long as for a real user."""
    return hash_password(secrets.token_urlsafe(16))


class Role(str, enum.Enum):
    organiser = "organiser"
    supervisor = "supervisor"
    leader = "leader"
    admin = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(300), default="")
    role: Mapped[str] = mapped_column(
        sa.Enum(*[r.value for r in Role], name="user_role", native_enum=False,
                create_constraint=True, length=20))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(sa.String(5))  # chosen in the menu; None: default
    # part of the id a session cookie carries (get_id): raising it ends every session at once
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")

    def set_password(self, password: str) -> None:
        if self.password_hash:   # a change: whoever signed in with the old one is signed out
            self.end_sessions()
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @staticmethod
    def authenticate(user: User | None, password: str) -> bool:
        """Whether `user` (None: no such email) is active and this is their password. Hashes
        the password exactly once in every case, so its timing tells no one which emails
        exist."""
        real = user is not None and user.active and bool(user.password_hash)
        matches = check_password_hash(user.password_hash if real else _decoy_hash(), password)
        return real and matches

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: a cookie from an earlier generation
        no longer signs anyone in (see casework.views.auth.load_user)."""
        return session_id(self.id, self.session_generation or 0)

    def end_sessions(self) -> None:
        """Signs the user out everywhere (logout, a new password, deactivation); API tokens
        are revoked on their own."""
        self.session_generation = (self.session_generation or 0) + 1

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def session_id(user_id: int, generation: int) -> str:
    return f"{user_id}:{generation}"


class ApiToken(db.Model):
    """Only the SHA-256 of a token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()
