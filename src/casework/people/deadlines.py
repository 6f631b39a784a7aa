"""Every deadline that runs for a person at once (WORKFLOWS.md §7): the state's own, the
24-hour `transfer_notice` after a move (version 2), and an electronic monitoring order's end.
Each has the moment it falls due; the API gives the earliest as ``due_at``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from casework.audit.models import AuditEntry
from casework.extensions import db
from casework.people.models import MonitoringOrder, Person
from casework.workflow.catalog import EXTENSION_KEY
from casework.workflow.deadlines import LOCAL_TZ, current_deadline, end_of_day, hours_start

TRANSFER, ACKNOWLEDGE = "transfer", "acknowledge_transfer"


def open_order(person_id: int | None) -> MonitoringOrder | None:
    """The person's open monitoring order, if any."""
    if person_id is None:
        return None
    return db.session.scalar(
        sa.select(MonitoringOrder)
        .where(MonitoringOrder.person_id == person_id, MonitoringOrder.ended_on.is_(None))
        .order_by(MonitoringOrder.id.desc()).limit(1))


def transfer_notice(person: Person) -> tuple[datetime, AuditEntry] | None:
    """The moment the notice of the latest unacknowledged move falls due (versions with
    parameters.transfer_notice_hours only)."""
    if person.id is None:
        return None
    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.record_type == Person.__record_type__,
               AuditEntry.record_id == person.id,
               AuditEntry.event.in_((TRANSFER, ACKNOWLEDGE)))
        .order_by(AuditEntry.seq.desc()).limit(1))
    if entry is None or entry.event != TRANSFER:
        return None
    catalog = current_app.extensions[EXTENSION_KEY]
    hours = catalog.get(Person.__workflow__, entry.workflow_version).param(
        "transfer_notice_hours")
    if hours is None:
        return None
    return hours_start(entry.effective_at, entry.recorded_at) + timedelta(hours=hours), entry


def running_deadlines(person: Person) -> list[dict]:
    """``[{"kind", "label", "due_at"}]``, earliest first; ``due_at`` in Vietnam's time."""
    out = []
    due = person.deadline_at
    if due is not None:
        deadline = current_deadline(person)
        out.append({"kind": (deadline.kind if deadline and deadline.kind else person.state),
                    "label": str(deadline.label) if deadline else "",
                    "due_at": due.astimezone(LOCAL_TZ)})
    notice = transfer_notice(person)
    if notice is not None:
        out.append({"kind": "transfer_notice",
                    "label": _("Notify the receiving commune police of the move"),
                    "due_at": notice[0].astimezone(LOCAL_TZ)})
    order = open_order(person.id)
    if order is not None:
        out.append({"kind": "monitoring_end", "label": _("End of the electronic monitoring"),
                    "due_at": end_of_day(order.end_date)})
    out.sort(key=lambda d: d["due_at"])
    return out
