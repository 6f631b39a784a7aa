"""Audit entries for changes to records without a workflow: plans now, and later user
administration and org-unit successions.

A change is logged in the same append-only log as workflow events (``audit_entries``): one
hash chain per record, checked by ``casework audit verify``, append-only on PostgreSQL. Its
entry has no workflow, version or states; ``event`` names the change ("update",
"add_target", ...), ``role`` and ``org_unit_id`` say in which role and over which unit the
actor made it, ``reason`` is optional, and ``data`` says what changed::

    {"changes": {"title": {"before": "Old title", "after": "New title"},
                 "target": {"after": {"label": "...", "value": 10}}}}

Only the fields that changed are listed; a new value has no "before", a removed one no
"after". Values are JSON (dates as ISO text). Nothing personal belongs in them.

A model takes part by naming its chain (``__record_type__ = "plan"``). A service records
each change in the transaction that makes it, once the record has its id::

    before = plan_values(plan)
    ...change the plan...
    record_change(plan, "update", actor=user, role=role, org_unit_id=plan.org_unit_id,
                  before=before, after=plan_values(plan))
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.audit.services import append_entry
from casework.db import utcnow
from casework.extensions import db


def json_value(value: Any) -> Any:
    """``value`` as JSON: dates and times as ISO text, containers element by element."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict:
    """The fields whose values differ, each as {"before": old, "after": new} (a side missing
    when the field was absent or empty there)."""
    before, after = json_value(before or {}), json_value(after or {})
    changes = {}
    for field in sorted(before.keys() | after.keys()):
        old, new = _given(before.get(field)), _given(after.get(field))
        if old == new:
            continue
        changes[field] = {side: value for side, value in (("before", old), ("after", new))
                          if value is not None}
    return changes


def _given(value: Any) -> Any:
    return None if value in ("", [], {}) else value


def _next_seq(record_type: str, record_id: int) -> int:
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.seq)).where(
        AuditEntry.record_type == record_type, AuditEntry.record_id == record_id))
    return (last or 0) + 1


def record_change(record, event: str, *, actor, role: str | None, org_unit_id: int,
                  before: Mapping[str, Any] | None = None,
                  after: Mapping[str, Any] | None = None,
                  reason: str | None = None) -> AuditEntry:
    """Append the entry of one change of ``record`` to its chain (flushes, never commits).

    ``actor`` is the user (None for the system); ``before`` and ``after`` are the record's
    values (or those of the part that changed) before and after the change. The record's
    row is locked first, so that concurrent changes are numbered one after the other.
    """
    table = type(record).__table__
    db.session.flush()  # the record has its id, and its row exists to lock
    db.session.execute(sa.select(table.c.id).where(table.c.id == record.id).with_for_update())
    now = utcnow()
    record_type = type(record).__record_type__
    return append_entry(
        workflow=None, workflow_version=None, record_type=record_type, record_id=record.id,
        seq=_next_seq(record_type, record.id), event=event, from_state=None, to_state=None,
        actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "username", None),
        role=role, org_unit_id=org_unit_id, reason=reason or None,
        data={"changes": diff(before, after)}, effective_at=now,
    )
