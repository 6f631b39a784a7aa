"""Which reminders are due, and the user's notifications: create, list, count, mark read.

The reminders are the "my work" items (``web.work``: every feature's scoped queries for the
user's roles) that need telling now:

- ``overdue``: an item whose deadline has passed;
- ``due_soon``: an item due within ``SOON_WORKING_DAYS`` working days (today included);
- ``monitoring_end``: an electronic monitoring order ending within the days of the person
  workflow's ``monitoring_warn_days`` (15; ``people.work.monitoring_ending``);
- ``breach``: a proposal to act on a breach (a compulsory-rehab dossier after use during
  voluntary rehab; an area whose criteria are broken);
- ``waiting``: a recognition request or commune review waiting for the user's step (their
  "awaiting me" queries).

A notification never holds a person's name: a person's record is named by its number and
reached by its link.
"""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.auth.models import User
from casework.auth.scope import Scope
from casework.db import utcnow
from casework.errors import NotFound
from casework.extensions import db
from casework.notify.models import Notification
from casework.web.work import WorkItem, work_for
from casework.workflow.deadlines import add_working_days

SOON_WORKING_DAYS = 3
KIND_LABELS = {
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "waiting": _l("Waiting for your step"),
    "monitoring_end": _l("Monitoring ending"),
    "breach": _l("Proposal"),
}
BREACH_KINDS = frozenset({"used_during_voluntary", "recomplicate"})
WAITING_PREFIXES = ("recognition_", "commune_review_")
# Records whose subject is a person: the subject shown is the record's number, never a name.
_PERSON_URL = re.compile(r"^/persons/(\d+)")


@dataclass(frozen=True)
class Due:
    """A reminder due for a user, before it is stored."""

    kind: str
    title: str
    subject: str
    url: str
    due: date | None
    dedup_key: str


def classify(item: WorkItem, today: date) -> str | None:
    """The kind of reminder a work item is today, or None when it needs none."""
    if item.kind == "monitoring_end":
        return "monitoring_end"
    if item.kind in BREACH_KINDS:
        return "breach"
    if item.due is not None and item.due < today:
        return "overdue"
    if item.due is not None and item.due <= add_working_days(today, SOON_WORKING_DAYS):
        return "due_soon"
    if item.kind.startswith(WAITING_PREFIXES):
        return "waiting"
    return None


def _subject(item: WorkItem) -> str:
    person = _PERSON_URL.match(item.url)
    if person:
        return _("Record no. %(number)s", number=person.group(1))
    return item.subject  # an area or a unit: no personal data


def due_for(user, today: date) -> list[Due]:
    """The reminders due for ``user`` today, through their scope (one per record and kind)."""
    found: dict[str, Due] = {}
    for item in work_for(user, Scope.for_user(user), today):
        kind = classify(item, today)
        if kind is None:
            continue
        # The record, the reminder and the day it is about: a new deadline (or a new step
        # of a request) is a new reminder; the same one is never made twice.
        key = f"{kind}:{item.kind}:{item.url}:{item.due.isoformat() if item.due else ''}"
        found.setdefault(key, Due(kind, item.title[:300], _subject(item)[:300], item.url[:300],
                                  item.due, key[:400]))
    return list(found.values())


@dataclass
class Created:
    users: int = 0
    notifications: int = 0
    by_kind: Counter | None = None
    user_ids: set[int] | None = None  # the users with new reminders


@contextmanager
def request_for_urls():
    """url_for needs a request: outside one (the command, the worker), a bare one."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/"):
        yield


def create_due(today: date, *, dry_run: bool = False) -> Created:
    """Store every active user's new reminders (``dry_run``: count them, store nothing)."""
    result = Created(by_kind=Counter(), user_ids=set())
    with request_for_urls(), force_locale("vi"):
        users = db.session.scalars(
            sa.select(User).where(User.active.is_(True)).order_by(User.id)).all()
        for user in users:
            if not user.assignments:
                continue
            known = set(db.session.scalars(
                sa.select(Notification.dedup_key).where(Notification.user_id == user.id)))
            new = [d for d in due_for(user, today) if d.dedup_key not in known]
            if new:
                result.users += 1
                result.user_ids.add(user.id)
            result.notifications += len(new)
            result.by_kind.update(d.kind for d in new)
            if not dry_run:
                db.session.add_all(Notification(
                    user_id=user.id, kind=d.kind, title=d.title, subject=d.subject,
                    url=d.url, due=d.due, dedup_key=d.dedup_key) for d in new)
        if not dry_run:
            db.session.commit()
    return result


# --- one user's notifications -------------------------------------------------------------


def notifications_of(user, *, unread: bool = False, limit: int = 200) -> list[Notification]:
    """The user's notifications, newest first."""
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(db.session.scalars(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(user_id: int) -> int:
    """One COUNT on the (user_id, read_at) index: the header's figure."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def own_notification(user, notification_id: int) -> Notification:
    """The user's notification; anyone else's is not found (404), as if it did not exist."""
    found = db.session.scalar(sa.select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))
    if found is None:
        raise NotFound()
    return found


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again: unchanged). Flushes."""
    found = own_notification(user, notification_id)
    if found.read_at is None:
        found.read_at = utcnow()
        db.session.flush()
    return found
