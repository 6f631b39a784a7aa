"""The daily e-mail digest: one message per user with an address, at most one a day.

``CASEWORK_SMTP_URL`` is ``smtp://user:pass@host:port`` (STARTTLS when the server offers it)
or ``smtps://…`` (TLS from the start); unset, nothing is sent. The message is Vietnamese,
plain text and HTML; its subject names no one; the body links each notification's record
under ``CASEWORK_BASE_URL``. A notification goes out once (``emailed_at``); a user's digest
of a day is recorded before the message is sent (``DigestSent``, unique per user and day),
so two runs the same day never send two.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from casework.auth.models import User
from casework.db import utcnow
from casework.extensions import db
from casework.notify.models import DigestSent, Notification
from casework.notify.services import KIND_LABELS, request_for_urls

log = logging.getLogger("casework.notify")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:port`` or ``smtps://…``; ValueError on anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("CASEWORK_SMTP_URL must be smtp://user:pass@host:port or smtps://…")
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname, port=parts.port or (465 if tls else 25), tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None)


def _connect(settings: SmtpSettings, timeout: float = 30) -> smtplib.SMTP:
    if settings.tls:
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def build_message(user: User, notifications: list[Notification], today: date) -> EmailMessage:
    """The digest of ``notifications`` for ``user``: Vietnamese, plain text and HTML."""
    base = current_app.config["BASE_URL"].rstrip("/")
    with request_for_urls(), force_locale("vi"):
        subject = _("%(count)s new notifications, %(day)s", count=len(notifications),
                    day=today.strftime("%d/%m/%Y"))
        context = {"notifications": notifications, "base_url": base, "today": today,
                   "kind_labels": KIND_LABELS}
        text = render_template("notify/digest.txt", **context)
        html = render_template("notify/digest.html", **context)
    message = EmailMessage()
    message["Subject"] = f"[casework] {subject}"
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="casework")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


@dataclass
class Sent:
    digests: int = 0
    failed: int = 0


def send_digests(today: date, *, dry_run: bool = False,
                 would_have: frozenset[int] = frozenset()) -> Sent:
    """Send each user with an address and unsent notifications their digest of ``today``
    (once a day). Without ``CASEWORK_SMTP_URL``, nothing. ``dry_run``: count the digests
    that would go out, also to ``would_have`` (the users a dry run found new reminders for)."""
    url = current_app.config.get("SMTP_URL")
    result = Sent()
    if not url:
        return result
    settings = parse_smtp_url(url)
    users = db.session.scalars(
        sa.select(User).where(User.active.is_(True), User.email.is_not(None), User.email != "",
                              ~sa.exists().where(DigestSent.user_id == User.id,
                                                 DigestSent.sent_on == today))
        .order_by(User.id)).all()
    smtp = None
    try:
        for user in users:
            pending = list(db.session.scalars(
                sa.select(Notification)
                .where(Notification.user_id == user.id, Notification.read_at.is_(None),
                       Notification.emailed_at.is_(None))
                .order_by(Notification.due.is_(None), Notification.due, Notification.id)))
            if dry_run:
                result.digests += bool(pending) or user.id in would_have
                continue
            if not pending:
                continue
            message = build_message(user, pending, today)
            try:
                db.session.add(DigestSent(user_id=user.id, sent_on=today, count=len(pending)))
                now = utcnow()
                for notification in pending:
                    notification.emailed_at = now
                db.session.flush()  # a second run the same day stops here (unique)
                if smtp is None:
                    smtp = _connect(settings)
                smtp.send_message(message)
                db.session.commit()
                result.digests += 1
            except (smtplib.SMTPException, OSError, sa.exc.IntegrityError) as error:
                db.session.rollback()
                result.failed += 1
                # No address or name in the log: the user's number only.
                log.warning("digest for user %s not sent: %s", user.id, type(error).__name__)
    finally:
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
    return result
