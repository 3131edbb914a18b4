"""Email of notifications: SMTP when MAIL_SERVER is set, else .eml files in an outbox folder.

Sent only after the transaction that made the notifications has committed, so a failing mail
server never undoes a decision: that commit queues a background job (casework.services.
notifications), which tries again with backoff (the MAIL_RETRY_INTERVALS setting); each failure
is recorded on the notification (`email_error`), and `flask notify send` sends whatever is
still unsent (`deliver_unsent`).
"""
from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from casework import clock
from casework.extensions import db
from casework.models import Notification


def build_message(notification: Notification) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = notification.user.email
    message["Subject"] = notification.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(notification.body or notification.subject)
    return message


def outbox_dir() -> Path:
    configured = current_app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def send_messages(messages: list[EmailMessage]) -> list[str | None]:
    """Send each message; returns per message None (sent) or the error's text."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        results = []
        for message in messages:
            stamp = clock.now().strftime("%Y%m%dT%H%M%S")
            try:
                (folder / f"{stamp}-{uuid.uuid4().hex[:12]}.eml").write_bytes(bytes(message))
                results.append(None)
            except OSError as exc:
                results.append(f"{type(exc).__name__}: {exc}"[:500])
        return results
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                            timeout=int(config.get("MAIL_TIMEOUT") or 30))
    except (OSError, smtplib.SMTPException) as exc:
        return [f"{type(exc).__name__}: {exc}"[:500]] * len(messages)
    results = []
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for message in messages:
            try:
                smtp.send_message(message)
                results.append(None)
            except (OSError, smtplib.SMTPException) as exc:
                results.append(f"{type(exc).__name__}: {exc}"[:500])
    except (OSError, smtplib.SMTPException) as exc:
        results += [f"{type(exc).__name__}: {exc}"[:500]] * (len(messages) - len(results))
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return results


def deliver(notifications: list[Notification]) -> int:
    """Email these notifications, record emailed_at or email_error, commit. Returns the number
    sent. Never raises for a mail failure."""
    todo = [n for n in notifications if n.emailed_at is None]
    if not todo:
        return 0
    results = send_messages([build_message(n) for n in todo])
    sent = 0
    moment = clock.now()
    for notification, error in zip(todo, results):
        if error is None:
            notification.emailed_at, notification.email_error = moment, None
            sent += 1
        else:
            notification.email_error = error
            current_app.logger.warning("mail to %s failed: %s", notification.user.email, error)
    db.session.commit()
    return sent


def deliver_unsent() -> int:
    """Send at once every notification not emailed yet (retrying earlier failures); returns the
    number sent."""
    notifications = list(db.session.scalars(
        sa.select(Notification).where(Notification.emailed_at.is_(None))
        .order_by(Notification.id)))
    try:
        return deliver(notifications)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("delivering notifications failed")
        return 0
