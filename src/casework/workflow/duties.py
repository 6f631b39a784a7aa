"""Separation of duties: on a record whose steps belong to different roles (a recognition
request, a commune review), one person acts at only one step. Features name their steps; the
rule that reads the audit log is here, once."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.extensions import db


def acting_role(context) -> str | None:
    """The role the actor acts in for the transition being judged."""
    transition = context.transition
    if transition is None:
        return None
    return next((r for r in transition.roles if r in context.roles), None)


def other_steps(record, context, step_of_role: Mapping[str, str]) -> list[str]:
    """The steps of ``record`` at which the actor already acted, other than the one they act
    at now (by ``step_of_role``); empty when they may act."""
    actor_id = getattr(context.actor, "id", None)
    if getattr(record, "id", None) is None or actor_id is None:
        return []
    step = step_of_role.get(acting_role(context))
    earlier = set(db.session.scalars(
        sa.select(AuditEntry.role).distinct().where(
            AuditEntry.record_type == record.__record_type__,
            AuditEntry.record_id == record.id,
            AuditEntry.actor_id == actor_id,
        )
    ))
    return sorted({step_of_role.get(r) for r in earlier} - {step, None})
