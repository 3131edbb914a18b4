"""The application link of a case: the URL (and its QR code) a worker applies through, without
signing in and without the employer learning anything from it.

One open link per case. Closing or replacing it, its expiry, or the case finishing makes the
old token answer exactly like one that never existed (`open_link_for` returns None for all of
them, after the same single indexed lookup).
"""
from __future__ import annotations

import io
import secrets
from datetime import date, datetime, time, timedelta, timezone

import segno
import sqlalchemy as sa
from flask import url_for

from casework import clock
from casework.errors import Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import ApplicationLink, Case, CaseApplication, User
from casework.models.user import utcnow
from casework.schemas.limits import APPLICATION_LINK_TOKEN_BYTES, APPLICATION_LINK_TOKEN_LENGTH
from casework.services.applications import _audit, _refuse_finished, add_application, \
    require_register
from casework.services.notices import add_notice, case_title, default_locale, with_link
from casework.services.settings import get_setting
from casework.workflow.definition import TERMINAL_STATES


def current_link(case: Case) -> ApplicationLink | None:
    return db.session.scalar(
        sa.select(ApplicationLink)
        .where(ApplicationLink.case_id == case.id, ApplicationLink.closed_at.is_(None))
        .order_by(ApplicationLink.id.desc()).limit(1))


def _close_open(case: Case) -> bool:
    closed = False
    for link in db.session.scalars(
            sa.select(ApplicationLink).where(ApplicationLink.case_id == case.id,
                                             ApplicationLink.closed_at.is_(None))):
        link.closed_at = utcnow()
        closed = True
    return closed


def open_link(case: Case, actor: User, *, expires_on: date | None = None,
              contact: str = "") -> ApplicationLink:
    """A new link (any open one is closed: its token then answers like an unknown one)."""
    require_register(actor, case)
    _refuse_finished(case)
    if expires_on is not None and expires_on < clock.today():
        raise Invalid(_("The expiry date cannot be in the past"), field="expires_on")
    replaced = _close_open(case)
    link = ApplicationLink(case_id=case.id, created_by_id=actor.id, expires_on=expires_on,
                           contact=contact,
                           token=secrets.token_urlsafe(APPLICATION_LINK_TOKEN_BYTES))
    db.session.add(link)
    db.session.flush()
    # never the token in the history: it is the link itself
    _audit(case, actor, "application_link",
           {"link": "replaced" if replaced else "opened",
            "expires_on": expires_on.isoformat() if expires_on else None})
    return link


def close_link(case: Case, actor: User) -> bool:
    require_register(actor, case)
    closed = _close_open(case)
    if closed:
        _audit(case, actor, "application_link", {"link": "closed"})
    db.session.flush()
    return closed


def link_url(link: ApplicationLink) -> str:
    return url_for("apply.form", token=link.token, _external=True)


def qr_svg(url: str) -> bytes:
    """The QR code of `url`, drawn on the server (an SVG, printable on a leaflet)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False)
    return out.getvalue()


def open_link_for(token: str) -> ApplicationLink | None:
    """The link behind `token` if it still takes applications; None for a closed, expired,
    replaced or unknown token, or a finished case: all answered alike."""
    if not isinstance(token, str) or not APPLICATION_LINK_TOKEN_LENGTH.least <= len(token) \
            <= APPLICATION_LINK_TOKEN_LENGTH.most:
        token = ""  # the same lookup as any other miss
    link = db.session.scalar(sa.select(ApplicationLink).where(ApplicationLink.token == token))
    if link is None or link.closed_at is not None:
        return None
    if link.expires_on is not None and link.expires_on < clock.today():
        return None
    if link.case.state in TERMINAL_STATES:
        return None
    return link


def _today_since() -> datetime:
    """The start of Vietnam's today, in UTC."""
    start = datetime.combine(clock.today(), time(), tzinfo=clock.VIETNAM)
    return start.astimezone(timezone.utc)


def cap_reached(link: ApplicationLink) -> bool:
    """The setting `online_applications_per_link_per_day`: online applications of the link's
    case today (Vietnam's day), counted across a replaced link, so replacing it resets nothing."""
    since = _today_since()
    made = db.session.scalar(
        sa.select(sa.func.count(CaseApplication.id))
        .where(CaseApplication.case_id == link.case_id, CaseApplication.channel == "online",
               CaseApplication.created_at >= since,
               CaseApplication.created_at < since + timedelta(days=1)))
    return made >= get_setting("online_applications_per_link_per_day")


def apply_online(link: ApplicationLink, values: dict) -> CaseApplication:
    """The worker's own application (values: loaded by OnlineApplicationInput, consent given)."""
    application = add_application(link.case, None, {**values, "channel": "online"},
                                  consent_at=utcnow())
    notify_organiser(link.case)
    return application


def notify_organiser(case: Case) -> None:
    """In the app and by email, and never the applicant's name: a subject and a body that only
    say an application came (the organiser reads who in the register)."""
    organiser = case.organiser
    if organiser is None or not organiser.active:
        return
    with default_locale():
        subject = _("New online application: %(case)s", case=case.ref or case.id)
        body = with_link(_("A worker applied through the application link of the case "
                            "%(case)s. Verify the application in the case's register.",
                            case=case_title(case)), case)
        add_notice(organiser, "application_received", subject, body, case=case)
    db.session.flush()
